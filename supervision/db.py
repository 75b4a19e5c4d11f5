"""Engine, schema migration and session factory for the supervision database."""

from __future__ import annotations

import hashlib
from functools import cache, partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from supervision.config import DatabaseConfig

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_XACT_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def create_engine_for(config: DatabaseConfig) -> Engine:
    """An engine for `config.url`; SQLite gets its folder, WAL, foreign keys and a busy timeout.

    On PostgreSQL the same timeout bounds lock waits, so a write stuck behind another
    session's lock fails (and the sink spools it) instead of hanging its thread.
    """
    url = make_url(config.url)
    if url.get_backend_name() == "postgresql":
        return _postgresql_engine(url, config)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, echo=config.echo, pool_pre_ping=True)
    _ensure_sqlite_dir(url)
    engine = create_engine(url, echo=config.echo)
    event.listen(
        engine, "connect", partial(_sqlite_pragmas, busy_timeout_ms=config.busy_timeout_ms)
    )
    return engine


def _postgresql_engine(url: URL, config: DatabaseConfig) -> Engine:
    # Pre-ping so that a server that went away and came back is reconnected to; a server that
    # accepts but does not answer (hung) fails the connect after connect_timeout_s.
    engine = create_engine(
        url,
        echo=config.echo,
        pool_pre_ping=True,
        pool_size=6,  # SQLAlchemy's 5, plus the one that holds the process's job leases
        pool_timeout=config.connect_timeout_s,
        connect_args={"connect_timeout": config.connect_timeout_s},
    )
    settings = partial(
        _postgresql_settings,
        lock_timeout_ms=config.busy_timeout_ms,
        statement_timeout_ms=config.statement_timeout_ms,
    )
    event.listen(engine, "connect", settings)
    return engine


def _postgresql_settings(
    dbapi_connection: Any, _record: Any, *, lock_timeout_ms: int, statement_timeout_ms: int
) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"SET lock_timeout = {int(lock_timeout_ms)}")
        cursor.execute(f"SET statement_timeout = {int(statement_timeout_ms)}")
    finally:
        cursor.close()
    # The SET ran in the driver's implicit transaction; a rollback would undo it.
    dbapi_connection.commit()


def sqlite_file(url: URL) -> Path | None:
    """The file a SQLite URL names; None for other backends, memory or `file:` URIs."""
    database = url.database
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return None if database.startswith("file:") else Path(database)


def _ensure_sqlite_dir(url: URL) -> None:
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, busy_timeout_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets the dashboard read while the pipeline writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    finally:
        cursor.close()


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic config built in code: this package's migrations, on `connection` or `url`.

    A new revision, against a database already at head:
    `command.revision(alembic_config(url=URL), message="...", autogenerate=True)`.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (`alembic upgrade head` by default).

    On PostgreSQL several processes may start at once on one database: each takes the
    migration lock first, so one migrates and the others wait, then find the schema current.
    """
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # A migration may rewrite a large table: no statement or lock timeout for it.
            connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
            connection.exec_driver_sql("SET LOCAL lock_timeout = 0")
            connection.execute(_XACT_LOCK, {"key": advisory_key("migrate")})
        command.upgrade(alembic_config(connection), revision)


def hold_lock(session: Session, name: str) -> None:
    """Serialise the transactions that take lock `name`, across processes, until this one ends.

    For writes that read then write (the newest revision or version plus one, an upsert): two
    processes on one PostgreSQL database would otherwise both take the same number, or both
    insert. Held through commit, the numbers become visible in the order they were given out.
    SQLite: one process writes a database file, and the callers' own locks serialise its threads.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_XACT_LOCK, {"key": advisory_key(name)})


@cache
def advisory_key(name: str) -> int:
    """A PostgreSQL advisory lock key (signed 64-bit) for a lock named by `name`."""
    digest = hashlib.blake2b(f"carewatch:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    # Objects stay readable after commit; the store turns them into views right away anyway.
    return sessionmaker(engine, expire_on_commit=False)

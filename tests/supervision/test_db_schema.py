"""Migrations build the schema the models describe; SQLite runs in WAL with foreign keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import ValidationError
from sqlalchemy import Column, Engine, Integer, MetaData, inspect
from sqlalchemy.exc import IntegrityError

from supervision.config import DatabaseConfig
from supervision.db import alembic_config, create_engine_for, migrate
from supervision.tables import Base

TABLES = {
    *("facilities", "cameras", "events", "event_transitions", "districts", "streets"),
    *("users", "auth_tokens", "audit_log", "audit_head"),
    *("legal_holds", "camera_state_changes"),
    *("event_changes", "publish_cursors"),
    "camera_config_versions",
}


def _schema_diff(engine: Engine, metadata: MetaData) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@pytest.mark.usefixtures("sqlite_file")  # skipped on an external database
def test_migrate_creates_fresh_sqlite_file_and_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.db"
    engine = create_engine_for(DatabaseConfig(url=f"sqlite:///{path}"))
    migrate(engine)
    assert path.is_file()
    assert set(inspect(engine).get_table_names()) >= TABLES
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert _current_revision(engine) == head
    engine.dispose()


def test_schema_after_migrate_matches_models(engine: Engine) -> None:
    assert _schema_diff(engine, Base.metadata) == []


def test_schema_comparison_sees_a_difference(engine: Engine) -> None:
    # Guards the test above against passing vacuously.
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    metadata.tables["events"].append_column(Column("extra", Integer))
    assert len(_schema_diff(engine, metadata)) == 1


def test_migrate_twice_is_harmless_and_downgrade_round_trips(engine: Engine) -> None:
    migrate(engine)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert not TABLES & set(inspect(engine).get_table_names())
    migrate(engine)
    assert _schema_diff(engine, Base.metadata) == []


def test_sqlite_runs_in_wal_with_foreign_keys(engine: Engine, sqlite_file: Path) -> None:
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 200
    assert sqlite_file.is_file()


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO cameras (id, facility_id, name, source_kind, state, fps, frames_read,"
            " frames_dropped, reconnects, updated_at)"
            " VALUES ('c', 'no-such-facility', 'n', 'file', 'stopped', 0, 0, 0, 0,"
            " '2026-01-01 00:00:00')"
        )


@pytest.mark.parametrize(
    ("values", "error_field"),
    [
        ({}, None),
        ({"url": "postgresql+psycopg://u@h/db", "echo": True}, None),
        ({"url": ""}, "url"),
        ({"busy_timeout_ms": -1}, "busy_timeout_ms"),
        ({"pool": 3}, "pool"),
    ],
)
def test_database_config(values: dict[str, object], error_field: str | None) -> None:
    if error_field is None:
        assert DatabaseConfig.model_validate(values).url
        return
    with pytest.raises(ValidationError, match=error_field):
        DatabaseConfig.model_validate(values)

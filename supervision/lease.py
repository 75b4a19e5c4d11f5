"""Jobs that must run once per database: leases, held while this process runs each job."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial

from sqlalchemy import Connection, Engine, text

from supervision.db import advisory_key

log = logging.getLogger(__name__)
_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")
_ALIVE = text("SELECT 1")


class JobLeases:
    """Which jobs this process runs now: escalation, publishing, retention, pushes and the node
    watch run in one process per database, however many processes share it.

    On PostgreSQL each lease is a session advisory lock, all of them on one connection of the
    process's own: the server frees them when the process or that connection dies, and another
    process takes each job over at its next check. On SQLite one process writes a database
    file, so every lease is held.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._shared = engine.dialect.name == "postgresql"
        self._connection: Connection | None = None
        self._held: set[str] = set()
        self._lock = threading.Lock()

    def for_job(self, job: str) -> Callable[[], bool]:
        """`held(job)`, to hand to the job: it asks before each pass."""
        return partial(self.held, job)

    def held(self, job: str) -> bool:
        """True when this process runs `job` now (taking its lease if it is free)."""
        if not self._shared:
            return True
        with self._lock:
            try:
                return self._alive() and (job in self._held or self._take(job))
            except Exception as error:  # the database is away: no lease until it is back
                self._drop(f"{error}".splitlines()[0])
                return False

    def release(self) -> None:
        with self._lock:
            self._drop("")

    def _alive(self) -> bool:
        if self._connection is None:
            self._connection = self._engine.connect()
        self._connection.execute(_ALIVE)  # a dead connection has lost its locks with it
        self._connection.commit()
        return True

    def _take(self, job: str) -> bool:
        assert self._connection is not None
        result = self._connection.execute(_TRY_LOCK, {"key": advisory_key(job)})
        taken = bool(result.scalar())
        self._connection.commit()  # the lock is the session's; end the implicit transaction
        if taken:
            self._held.add(job)
            log.info("this process now runs %s (lease taken)", job)
        return taken

    def _drop(self, why: str) -> None:
        if self._held and why:
            log.warning("leases of %s lost: %s", ", ".join(sorted(self._held)), why)
        self._held.clear()
        if self._connection is not None:
            # Closed for real, not returned to the pool: the server frees the locks with it.
            try:
                self._connection.invalidate()
                self._connection.close()
            finally:
                self._connection = None

"""Jobs that must run once per database: a lease, held while this process runs the job."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Connection, Engine, text

from supervision.db import advisory_key

log = logging.getLogger(__name__)
_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")
_ALIVE = text("SELECT 1")


class JobLease:
    """Whether this process runs `job` now: escalation, publishing, retention and pushes run in
    one process per database, however many processes share it.

    On PostgreSQL the lease is a session advisory lock on a connection of its own: the server
    frees it when the process or its connection dies, and another process takes the job over at
    its next check. On SQLite one process writes a database file, so the lease is always held.
    """

    def __init__(self, engine: Engine, job: str) -> None:
        self.job = job
        self._engine = engine
        self._shared = engine.dialect.name == "postgresql"
        self._connection: Connection | None = None
        self._lock = threading.Lock()

    def held(self) -> bool:
        """True when this process runs the job now (taking the lease if it is free)."""
        if not self._shared:
            return True
        with self._lock:
            try:
                return self._keep() or self._take()
            except Exception as error:  # the database is away: no lease until it is back
                self._drop()
                log.debug("lease %s: %s", self.job, error)
                return False

    def release(self) -> None:
        with self._lock:
            self._drop()

    def _keep(self) -> bool:
        if self._connection is None:
            return False
        self._connection.execute(_ALIVE)  # a dead connection has lost the lock with it
        self._connection.commit()
        return True

    def _take(self) -> bool:
        connection = self._engine.connect()
        taken = bool(connection.execute(_TRY_LOCK, {"key": advisory_key(self.job)}).scalar())
        connection.commit()  # the lock is the session's; end the implicit transaction
        if not taken:
            connection.close()  # holds no lock: back to the pool
            return False
        self._connection = connection
        log.info("this process now runs %s (lease taken)", self.job)
        return True

    def _drop(self) -> None:
        if self._connection is not None:
            # Closed for real, not returned to the pool: the server frees the lock with it.
            self._connection.invalidate()
            self._connection.close()
            self._connection = None

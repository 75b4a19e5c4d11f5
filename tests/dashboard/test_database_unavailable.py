"""A locked or unreachable database: 503 with a one-line reason and Retry-After, one log line."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from dashboard.app import create_app
from dashboard.config import DashboardConfig
from dashboard.live import StaticLiveFeed
from supervision.db import session_factory
from supervision.events.store import EventStore
from tests.dashboard.conftest import PASSWORD

SIGN_IN = {"username": "officer-1", "password": PASSWORD}


@contextmanager
def held_exclusive(path: Path) -> Iterator[None]:
    """Another connection holds the SQLite file's write lock (BEGIN EXCLUSIVE) meanwhile."""
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")


def _one_line_each(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What was logged at WARNING and above: one line each, from the handler, no traceback."""
    problems = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert {record.name for record in problems} == {"dashboard.unavailable"}
    assert all(record.exc_info is None for record in problems)
    lines = [record.getMessage() for record in problems]
    assert all("\n" not in line for line in lines)
    return lines


def test_sign_in_while_the_sqlite_file_is_locked_is_503(
    app: FastAPI, tokens: dict[str, str], sqlite_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    with held_exclusive(sqlite_file):
        # More tries than sign-in throttling allows: unanswered ones count neither way.
        answers = [client.post("/api/auth/login", json=SIGN_IN) for _ in range(7)]

    assert [answer.status_code for answer in answers] == [503] * 7
    assert answers[0].json() == {"detail": "database unavailable: database is locked"}
    assert answers[0].headers["retry-after"] == "5"
    line = "POST /api/auth/login: database unavailable: database is locked"
    assert _one_line_each(caplog) == [line] * 7
    assert client.post("/api/auth/login", json=SIGN_IN).status_code == 200


def test_no_connection_to_be_had_is_503(
    store: EventStore,
    database_url: str,
    media_root: Path,
    tokens: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # One connection, held elsewhere: the pool's wait runs out (TimeoutError, not a lock).
    engine = create_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    starved = EventStore(session_factory(engine))
    app = create_app(DashboardConfig(), starved, StaticLiveFeed(), media_root)
    client = TestClient(app, headers={"Authorization": f"Bearer {tokens['officer-1']}"})
    try:
        with engine.connect(), caplog.at_level(logging.WARNING):
            answer = client.get("/api/events")
        assert client.get("/api/events").status_code == 200
    finally:
        engine.dispose()

    assert answer.status_code == 503
    assert answer.json()["detail"].startswith("database unavailable: QueuePool limit of size 1")
    assert "Background on this error" not in answer.text
    assert answer.headers["retry-after"] == "5"
    (line,) = _one_line_each(caplog)
    assert line.startswith("GET /api/events: database unavailable: QueuePool limit")

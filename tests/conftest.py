"""Shared fixtures: evaluation clips, events, and a migrated database with its store.

The database is SQLite in tmp_path, or the server at CAREWATCH_TEST_DATABASE_URL (emptied
before each test), which is how CI runs the database tests again on PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from supervision.config import DatabaseConfig
from supervision.db import create_engine_for, migrate, session_factory
from supervision.events.store import EventStore
from supervision.events.views import CameraRecord, FacilityRecord
from supervision.tables import Base
from vision.events import EventType, SafetyEvent, Severity

REPO = Path(__file__).resolve().parents[1]
EVAL_DIR = REPO.parent / "shared" / "data" / "eval"
T0_EPOCH_S = 1_760_000_000.0
EXTERNAL_URL = os.environ.get("CAREWATCH_TEST_DATABASE_URL")
FACILITIES = (FacilityRecord(id="fac-1", name="Sunrise Home"),)
# Heavy tests whose database work adds nothing on PostgreSQL run in the SQLite pass only.
SQLITE_PASS_ONLY = pytest.mark.skipif(
    EXTERNAL_URL is not None, reason="runs in the SQLite pass only: PostgreSQL adds nothing here"
)
CAMERAS = (
    CameraRecord(id="cam-1", facility_id="fac-1", name="Corridor", source_kind="file"),
    CameraRecord(id="cam-2", facility_id="fac-1", name="Room 101", source_kind="url"),
)


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    if not (EVAL_DIR / "manifest.csv").is_file():
        pytest.skip(f"evaluation clips not found at {EVAL_DIR}")
    return EVAL_DIR


@pytest.fixture
def make_event() -> Callable[..., SafetyEvent]:
    """SafetyEvents on camera cam-1, ten seconds apart, with any field overridden."""
    counter = iter(range(1, 1_000_000))

    def make(**overrides: Any) -> SafetyEvent:
        n = next(counter)
        values: dict[str, Any] = {
            "type": EventType.FALL,
            "severity": Severity.CRITICAL,
            "camera_id": "cam-1",
            "start_s": 10.0 * n,
            "end_s": None,
            "started_at": T0_EPOCH_S + 10.0 * n,
            "confidence": 0.87,
            "track_id": n,
            "thresholds": {"fall_drop_ratio": 0.4},
            "model_versions": {"pose": "movenet-multipose-lightning"},
        }
        return SafetyEvent(**{**values, **overrides})

    return make


def _reset_external(url: str) -> None:
    engine = create_engine_for(DatabaseConfig(url=url))
    try:
        Base.metadata.drop_all(engine)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    if EXTERNAL_URL is not None:
        _reset_external(EXTERNAL_URL)
        return EXTERNAL_URL
    return f"sqlite:///{tmp_path / 'db' / 'carewatch.db'}"


@pytest.fixture
def sqlite_file(database_url: str, tmp_path: Path) -> Path:
    """The SQLite file behind `engine`; skips SQLite-specific tests on an external database."""
    if EXTERNAL_URL is not None:
        pytest.skip("SQLite-specific; CAREWATCH_TEST_DATABASE_URL is set")
    return tmp_path / "db" / "carewatch.db"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    # A short busy timeout keeps the locked-database tests fast.
    engine = create_engine_for(DatabaseConfig(url=database_url, busy_timeout_ms=200))
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> EventStore:
    store = EventStore(session_factory(engine))
    store.sync_topology(FACILITIES, CAMERAS)
    return store

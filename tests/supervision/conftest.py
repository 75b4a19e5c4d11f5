"""Fixtures: a migrated database (SQLite in tmp_path or CAREWATCH_TEST_DATABASE_URL), a store."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from supervision import org
from supervision.config import DatabaseConfig
from supervision.db import create_engine_for, migrate, session_factory
from supervision.records import CameraRecord, FacilityRecord
from supervision.store import EventStore
from supervision.tables import Base

EXTERNAL_URL = os.environ.get("CAREWATCH_TEST_DATABASE_URL")

FACILITIES = (FacilityRecord(id="fac-1", name="Sunrise Home"),)
CAMERAS = (
    CameraRecord(id="cam-1", facility_id="fac-1", name="Corridor", source_kind="file"),
    CameraRecord(id="cam-2", facility_id="fac-1", name="Room 101", source_kind="url"),
)
T0_EPOCH_S = 1_760_000_000.0


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


def _wait_until(predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        time.sleep(0.01)


@pytest.fixture
def wait_until() -> Callable[..., None]:
    return _wait_until


# Organisation tree for the scope tests:
#   d1 ─ s1 ─ fac-a (cam-a1, cam-a2), fac-b (cam-b1)
#      └ s2 ─ fac-c (cam-c1)
#      └ s-empty
#   d2 ─ s3 ─ fac-e (cam-e1)
TREE = {
    "d1": {"s1": {"fac-a": ["cam-a1", "cam-a2"], "fac-b": ["cam-b1"]}, "s2": {"fac-c": ["cam-c1"]}},
    "d2": {"s3": {"fac-e": ["cam-e1"]}},
}


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def tree(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """`sessions` on a database holding TREE (plus an empty street s-empty under d1)."""
    with sessions.begin() as session:
        for district_id, streets in TREE.items():
            org.create_district(session, district_id, f"District {district_id}")
            for street_id, facilities in streets.items():
                org.create_street(session, street_id, district_id, f"Street {street_id}")
                for facility_id, camera_ids in facilities.items():
                    org.create_facility(session, facility_id, f"Home {facility_id}", street_id)
                    for camera_id in camera_ids:
                        org.create_camera(session, camera_id, facility_id, camera_id, "file")
        org.create_street(session, "s-empty", "d1", "Empty street")
    return sessions

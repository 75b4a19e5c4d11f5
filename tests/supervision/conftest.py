"""Fixtures for the store tests (the database and the store come from tests/conftest.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from supervision.db import session_factory
from supervision.org import tree as org


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
# The TREE's cameras were added before any period the tests ask about (uptime counts from then).
TREE_ADDED = datetime(2026, 1, 1, tzinfo=UTC)


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
                        org.create_camera(
                            session,
                            camera_id,
                            facility_id,
                            camera_id,
                            "file",
                            created_at=TREE_ADDED,
                        )
        org.create_street(session, "s-empty", "d1", "Empty street")
    return sessions

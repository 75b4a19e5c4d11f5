"""Cameras online: each camera counts only from when it was added, not over the whole period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from streams.health import CameraHealth, CameraState
from supervision.events.store import EventStore
from supervision.events.views import CameraRecord, FacilityRecord
from supervision.org import tree as org
from supervision.reports.kpis import KpiLevel, compute_kpis
from supervision.reports.uptime import Uptime, uptime
from supervision.tables import Camera, utc_now

DAY = datetime(2026, 11, 23, tzinfo=UTC)
START, END = DAY, DAY + timedelta(days=1)
HOUR_S = 3600.0


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


@dataclass(frozen=True)
class Case:
    cameras: dict[str, float]  # camera -> added at (hours into the day; < 0: before it)
    changes: list[tuple[str, float, str]] = field(default_factory=list)  # camera, hours, state
    now_h: float = 48.0  # the period is over
    expected: float | None = None


CASES = {
    "added mid-period, online all along": Case({"c1": 10}, [("c1", 10, "online")], expected=1.0),
    "added mid-period, online half its time": Case(
        {"c1": 12}, [("c1", 12, "online"), ("c1", 18, "offline")], expected=0.5
    ),
    "added mid-period, starting for an hour": Case(
        {"c1": 12}, [("c1", 12, "starting"), ("c1", 13, "online")], expected=11 / 12
    ),
    "one there all day, one added at noon": Case(
        {"old": -24, "new": 12},
        [("old", -1, "online"), ("new", 12, "online"), ("new", 18, "offline")],
        expected=(24 + 6) / (24 + 12),
    ),
    "one added after the period adds nothing": Case(
        {"old": -24, "late": 30},
        [("old", -1, "online"), ("old", 6, "offline"), ("late", 30, "online")],
        expected=6 / 24,
    ),
    "only a camera added after the period": Case(
        {"late": 30}, [("late", 30, "online")], expected=None
    ),
    "added mid-period, never reported": Case({"c1": 12}, expected=0.0),
    "period still running: up to now": Case(
        {"c1": 6, "c2": 15}, [("c1", 6, "online"), ("c2", 15, "online")], now_h=12, expected=1.0
    ),
    "period not begun yet": Case({"c1": -24}, [("c1", -1, "online")], now_h=-2, expected=None),
    "empty: no camera": Case({}, expected=None),
}


def _facility_with(sessions: sessionmaker[Session], case: Case) -> None:
    store = EventStore(sessions)
    with sessions.begin() as session:
        org.create_district(session, "d1", "District")
        org.create_street(session, "s1", "d1", "Street")
        org.create_facility(session, "f1", "Home", "s1")
        for camera_id, added_h in case.cameras.items():
            org.create_camera(session, camera_id, "f1", camera_id, "file", created_at=at(added_h))
    for camera_id, hours, state in case.changes:
        health = CameraHealth(camera_id, CameraState(state), None, 0.0, 0, 0, 0)
        store.update_camera_health(health, at=at(hours))


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_online_rate_counts_each_camera_from_when_it_was_added(
    sessions: sessionmaker[Session], case: Case
) -> None:
    _facility_with(sessions, case)
    with sessions() as session:
        report = compute_kpis(session, KpiLevel.FACILITY, START, END, now=at(case.now_h))
    (row,) = report.rows
    assert row.camera_online_rate == pytest.approx(case.expected)


def test_uptime_gives_each_camera_its_watched_and_online_seconds(
    sessions: sessionmaker[Session],
) -> None:
    _facility_with(sessions, CASES["one added after the period adds nothing"])
    with sessions() as session:
        found = uptime(session, ["old", "late", "unknown"], START, END)
    assert found == {
        "old": Uptime(watched_s=24 * HOUR_S, online_s=6 * HOUR_S),
        "late": Uptime(watched_s=0.0, online_s=0.0),
        "unknown": Uptime(watched_s=24 * HOUR_S, online_s=0.0),  # no row: the whole period
    }


def _added(sessions: sessionmaker[Session]) -> dict[str, datetime | None]:
    with sessions() as session:
        rows = session.execute(select(Camera.id, Camera.created_at))
        return {camera_id: created_at for camera_id, created_at in rows}


def test_every_way_of_adding_a_camera_records_when(sessions: sessionmaker[Session]) -> None:
    before = utc_now()
    store = EventStore(sessions)
    facilities = [FacilityRecord(id="f1", name="Home")]
    hall = CameraRecord(id="from-settings", facility_id="f1", name="Hall", source_kind="file")
    store.sync_topology(facilities, [hall])
    with sessions.begin() as session:
        org.create_camera(session, "from-org", "f1", "Room", "url")
    added = _added(sessions)
    assert set(added) == {"from-settings", "from-org"}
    for camera_id, created_at in added.items():
        assert created_at is not None and before <= created_at <= utc_now(), camera_id
    # A later sync updates the camera, not when it was added.
    store.sync_topology(facilities, [CameraRecord("from-settings", "f1", "Hall 2", "file")])
    assert _added(sessions) == added

"""Outcome 4: a scripted day's KPIs equal what this test computes itself from the raw rows.

The expected numbers come from plain SQL over `events`, `event_transitions`, `cameras` and
`camera_state_changes` with this file's own arithmetic (numpy for percentiles); nothing in
supervision.reports.kpis is called for them. A few values are also checked by hand.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from streams.health import CameraHealth, CameraState
from supervision.db import session_factory
from supervision.events.incidents import transition_event
from supervision.events.overdue import escalate_overdue
from supervision.events.store import EventStore
from supervision.events.views import FamilyNotice
from supervision.org import tree as org
from supervision.reports.kpis import KpiLevel, KpiReport, KpiRow, compute_kpis
from tests.store_calls import write
from vision.events import EventType, SafetyEvent, Severity

DAY = datetime(2026, 11, 23, tzinfo=UTC)
START, END = DAY, DAY + timedelta(days=1)
TREE = {"s1": {"f-a": ["a1", "a2"], "f-b": ["b1"]}, "s2": {"f-c": ["c1", "c2"]}}
FACILITY_STREET = {fac: street for street, facs in TREE.items() for fac in facs}
CAMERA_FACILITY = {cam: fac for facs in TREE.values() for fac, cams in facs.items() for cam in cams}


def at(hours: float, seconds: float = 0.0) -> datetime:
    """A time on the scripted day (negative or ≥ 24 hours: the day before or after)."""
    return DAY + timedelta(hours=hours, seconds=seconds)


# (camera, type, started (hours), steps as (action, seconds after the start))
SCRIPT: list[tuple[str, EventType, float, list[tuple[str, float]]]] = [
    ("a1", EventType.FALL, 8, [("acknowledge", 30), ("on_scene", 120), ("resolve", 600)]),
    ("a1", EventType.FALL, 9, [("acknowledge", 90), ("false_alarm", 200)]),
    ("a2", EventType.SMOKE, 10, [("acknowledge", 45), ("resolve", 900)]),
    ("a2", EventType.LONG_LIE, 11, []),  # nobody came: escalated, never acknowledged
    ("a1", EventType.FALL, 24 - 1 / 3600, [("acknowledge", 30)]),  # 23:59:59, acked next day
    ("a1", EventType.FALL, -1 / 60, [("acknowledge", 5), ("resolve", 50)]),  # the day before
    ("a1", EventType.FALL, 24, [("acknowledge", 5)]),  # the day after: [start, end) excludes it
    ("b1", EventType.FALL, 12, [("on_scene", 60), ("resolve", 1200)]),  # on scene = responded
    ("b1", EventType.SMOKE, 13, [("false_alarm", 30)]),
    ("b1", EventType.FALL, 14, [("acknowledge", 300), ("resolve", 1800), ("reopen", 2000)]),
    ("c1", EventType.FIRE, 15, [("acknowledge", 20), ("resolve", 100)]),
    ("c2", EventType.WANDERING, 16, [("acknowledge", 600)]),
    ("c2", EventType.FALL, 17, [("acknowledge", 400), ("false_alarm", 700)]),
]
# b1's third event is closed again after its reopening (the last close counts).
LATE_STEPS = [(9, "resolve", 2400)]

# (camera, state, when): a1 online since the day before with a 30-minute stall; a2 online
# from noon; b1 online 18:00-20:00; c1 online all day (goes off after it); c2 never reported.
HEALTH = [
    ("a1", CameraState.ONLINE, at(-12)),
    ("a1", CameraState.STALLED, at(6)),
    ("a1", CameraState.ONLINE, at(6.5)),
    ("a2", CameraState.STARTING, at(11.9)),
    ("a2", CameraState.ONLINE, at(12)),
    ("b1", CameraState.ONLINE, at(18)),
    ("b1", CameraState.OFFLINE, at(20)),
    ("c1", CameraState.ONLINE, at(-3)),
    ("c1", CameraState.OFFLINE, at(26)),
]


@dataclass(frozen=True)
class Counts:
    open: int
    overdue: int
    fixed: int


@pytest.fixture
def day(engine: Engine) -> sessionmaker[Session]:
    sessions = session_factory(engine)
    store = EventStore(sessions)
    with sessions.begin() as session:
        org.create_district(session, "d1", "District One")
        for street, facilities in TREE.items():
            org.create_street(session, street, "d1", f"Street {street}")
            for facility, cameras in facilities.items():
                org.create_facility(session, facility, f"Home {facility}", street)
                for camera in cameras:
                    org.create_camera(session, camera, facility, camera, "file", created_at=at(-48))
    for camera, state, when in HEALTH:
        store.update_camera_health(CameraHealth(camera, state, None, 0.0, 0, 0, 0), at=when)
    _play_events(store)
    return sessions


def _play_events(store: EventStore) -> None:
    ids = []
    for n, (camera, type_, hours, steps) in enumerate(SCRIPT):
        started = at(hours)
        event = SafetyEvent(type_, Severity.CRITICAL, camera, 0.0, None, started.timestamp(), 0.9)
        ids.append(store.record_event(event))
        if n == 3:  # escalate the long lie: a `new` -> `new` step that is no response
            write(
                store,
                escalate_overdue,
                store.push_routing,
                300,
                900,
                now=started + timedelta(seconds=1000),
            )
        for action, after_s in steps:
            _step(store, ids[-1], action, started + timedelta(seconds=after_s))
    for index, action, after_s in LATE_STEPS:
        started = at(SCRIPT[index][2])
        _step(store, ids[index], action, started + timedelta(seconds=after_s))


def _step(store: EventStore, event_id: int, action: Any, when: datetime) -> None:
    family = FamilyNotice(when, "phone", "nurse Li")
    write(store, transition_event, event_id, action, "officer", family=family, at=when)


# ---- the test's own computation from raw rows --------------------------------------------


def _raw_events(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(
        text(
            "SELECT e.id, e.type, e.status, e.started_at, c.facility_id FROM events e"
            " JOIN cameras c ON c.id = e.camera_id"
        )
    ).mappings()
    events = [dict(row) for row in rows]
    steps = defaultdict(list)
    for row in session.execute(
        text("SELECT event_id, to_status, at FROM event_transitions ORDER BY at, id")
    ).mappings():
        steps[row["event_id"]].append((row["to_status"], _aware(row["at"])))
    for event in events:
        event["started_at"] = _aware(event["started_at"])
        event["steps"] = steps[event["id"]]
    return [event for event in events if START <= event["started_at"] < END]


def _aware(value: Any) -> datetime:
    # SQLite hands back text or naive UTC; PostgreSQL an aware datetime.
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _percentiles(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    p50, p90 = np.percentile(np.array(values, dtype=float), [50, 90])
    return float(p50), float(p90)


def _expected_row(events: list[dict[str, Any]], online_rate: float | None) -> dict[str, Any]:
    acks, closes, closed, false_alarms = [], [], 0, 0
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # [closed, false alarms]
    for event in events:
        responded = [when for status, when in event["steps"] if status != "new"]
        if responded:
            acks.append((responded[0] - event["started_at"]).total_seconds())
        by_type[event["type"]]
        if event["status"] in ("resolved", "false_alarm"):
            closing = [when for status, when in event["steps"] if status == event["status"]]
            closes.append((closing[-1] - event["started_at"]).total_seconds())
            closed += 1
            false_alarms += event["status"] == "false_alarm"
            by_type[event["type"]][0] += 1
            by_type[event["type"]][1] += event["status"] == "false_alarm"
    return {
        "events": len(events),
        "acknowledged": len(acks),
        "closed": closed,
        "false_alarms": false_alarms,
        "ack": _percentiles(acks),
        "close": _percentiles(closes),
        "closure_rate": closed / len(events) if events else None,
        "false_alarm_rate": false_alarms / closed if closed else None,
        "by_type": {t: (f / c if c else None) for t, (c, f) in by_type.items()},
        "online_rate": online_rate,
    }


def _online_seconds_per_camera(session: Session) -> dict[str, float]:
    changes = defaultdict(list)
    for row in session.execute(
        text("SELECT camera_id, from_state, to_state, at FROM camera_state_changes ORDER BY id")
    ).mappings():
        changes[row["camera_id"]].append((_aware(row["at"]), row["from_state"], row["to_state"]))
    states: dict[str, str] = dict(session.execute(text("SELECT id, state FROM cameras")).all())
    seconds = {}
    for camera in CAMERA_FACILITY:
        timeline = sorted(changes[camera])
        # Walk the whole history; only the part inside the day counts.
        state = timeline[0][1] if timeline else states[camera]
        since = datetime.min.replace(tzinfo=UTC)
        total = 0.0
        for when, _, to_state in [*timeline, (END, None, None)]:
            low, high = max(since, START), min(when, END)
            if state == "online" and high > low:
                total += (high - low).total_seconds()
            state, since = to_state, when
        seconds[camera] = total
    return seconds


def _expected(session: Session, level: KpiLevel) -> dict[str, dict[str, Any]]:
    events = _raw_events(session)
    online = _online_seconds_per_camera(session)
    node_of = {
        KpiLevel.FACILITY: lambda fac: fac,
        KpiLevel.STREET: lambda fac: FACILITY_STREET[fac],
        KpiLevel.DISTRICT: lambda fac: "d1",
    }[level]
    expected = {}
    for node in sorted({node_of(fac) for fac in FACILITY_STREET}):
        cameras = [cam for cam, fac in CAMERA_FACILITY.items() if node_of(fac) == node]
        rate = sum(online[cam] for cam in cameras) / (len(cameras) * 86400)
        mine = [event for event in events if node_of(event["facility_id"]) == node]
        expected[node] = _expected_row(mine, rate)
    return expected


def _as_comparable(row: KpiRow) -> dict[str, Any]:
    return {
        "events": row.events,
        "acknowledged": row.acknowledged,
        "closed": row.closed,
        "false_alarms": row.false_alarms,
        "ack": (row.ack_p50_s, row.ack_p90_s),
        "close": (row.close_p50_s, row.close_p90_s),
        "closure_rate": row.closure_rate,
        "false_alarm_rate": row.false_alarm_rate,
        "by_type": dict(row.false_alarm_rate_by_type),
        "online_rate": row.camera_online_rate,
    }


def _flat(values: dict[str, Any]) -> dict[str, Any]:
    """Nested tuples and dicts spread into one level, which pytest.approx compares."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, tuple):
            value = dict(enumerate(value))
        if isinstance(value, dict):
            flat.update({f"{key}.{inner}": item for inner, item in value.items()})
        else:
            flat[key] = value
    return flat


def _report(sessions: sessionmaker[Session], level: KpiLevel, **kwargs: Any) -> KpiReport:
    with sessions() as session:
        return compute_kpis(session, level, START, END, now=END + timedelta(days=1), **kwargs)


# ---- tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("level", list(KpiLevel))
def test_kpis_match_an_independent_computation(day: sessionmaker[Session], level: KpiLevel) -> None:
    report = _report(day, level)
    with day() as session:
        expected = _expected(session, level)
    assert [row.node_id for row in report.rows] == sorted(expected)
    for row in report.rows:
        assert _flat(_as_comparable(row)) == pytest.approx(_flat(expected[row.node_id])), (
            row.node_id
        )


def test_hand_checked_values(day: sessionmaker[Session]) -> None:
    rows = {row.node_id: row for row in _report(day, KpiLevel.FACILITY).rows}
    home_a = rows["f-a"]
    # Five events started on the day (not the 23:59 one the day before, not midnight after).
    assert (home_a.events, home_a.acknowledged, home_a.closed) == (5, 4, 3)
    # Acknowledged after 30, 90, 45, 30 s: p50 of [30, 30, 45, 90] is 37.5, p90 76.5.
    assert (home_a.ack_p50_s, home_a.ack_p90_s) == (37.5, pytest.approx(76.5))
    # Closed after 600, 200, 900 s.
    assert (home_a.close_p50_s, home_a.close_p90_s) == (600.0, pytest.approx(840.0))
    assert home_a.closure_rate == 0.6
    assert home_a.false_alarm_rate == pytest.approx(1 / 3)
    assert home_a.false_alarm_rate_by_type == {"fall": 0.5, "smoke": 0.0, "long_lie": None}
    # a1: 23.5 h online (30-minute stall), a2: 12 h (from noon).
    assert home_a.camera_online_rate == pytest.approx((23.5 + 12) / 48)

    home_b = rows["f-b"]
    # On scene without an acknowledge step counts as the response (60 s, beside 30 and 300);
    # closed after 1200, 30 and 2400 s: the reopened event counts its last closing.
    assert home_b.ack_p50_s == 60.0
    assert (home_b.close_p50_s, home_b.close_p90_s) == (1200.0, pytest.approx(2160.0))
    assert home_b.camera_online_rate == pytest.approx(2 / 24)

    home_c = rows["f-c"]
    assert home_c.camera_online_rate == pytest.approx(0.5)  # c1 all day, c2 never
    assert (home_c.hazards_open, home_c.inspections_done) == (0, 0)  # none that day


def test_period_still_running_is_measured_up_to_now(day: sessionmaker[Session]) -> None:
    with day() as session:
        report = compute_kpis(session, KpiLevel.FACILITY, START, END, now=at(12))
    rows = {row.node_id: row for row in report.rows}
    # By noon a1 had been online 11.5 of 12 hours and a2 not yet.
    assert rows["f-a"].camera_online_rate == pytest.approx(11.5 / 24)


def test_hazard_and_inspection_counters_plug_in(day: sessionmaker[Session]) -> None:
    calls = []

    def hazards(session: Session, facility_ids: frozenset[str], start: Any, end: Any) -> Counts:
        calls.append((facility_ids, start, end))
        return Counts(open=len(facility_ids), overdue=1, fixed=2)

    def inspections(session: Session, facility_ids: frozenset[str], start: Any, end: Any) -> int:
        return 10 * len(facility_ids)

    report = _report(day, KpiLevel.STREET, hazard_counts=hazards, inspections_done=inspections)
    s1, s2 = report.rows
    assert (s1.hazards_open, s1.hazards_overdue, s1.hazards_fixed) == (2, 1, 2)
    assert (s1.inspections_done, s2.inspections_done) == (20, 10)
    assert calls[0] == (frozenset({"f-a", "f-b"}), START, END)

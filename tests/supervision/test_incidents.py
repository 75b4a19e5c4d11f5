"""Incidents in the store: events group on insert, a step moves them all, audit rows follow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from supervision.audit.chain import verify_audit
from supervision.config import IncidentConfig
from supervision.events.incidents import (
    IncidentNotFound,
    get_incident,
    transition_event,
    transition_incident,
)
from supervision.events.overdue import escalate_overdue
from supervision.events.reads import get_event
from supervision.events.search import list_incidents
from supervision.events.store import EventStore, FamilyNoticeRequired, InvalidTransition
from supervision.events.views import EventStatus, FamilyNotice, IncidentView
from supervision.tables import AuditEntry, Incident
from tests.conftest import T0_EPOCH_S
from tests.store_calls import read, write
from vision.events import EventType, SafetyEvent, Severity

FAMILY = FamilyNotice(datetime(2026, 11, 23, 2, 15, tzinfo=UTC), "phone", "nurse Wang")
S = EventStatus
Record = Callable[..., int]


@pytest.fixture
def record(store: EventStore, make_event: Callable[..., SafetyEvent]) -> Record:
    """Record an event `at_s` seconds after T0 (type smoke unless given) and return its id."""

    def record(at_s: float, type_: EventType = EventType.SMOKE, **overrides: Any) -> int:
        event = make_event(
            type=type_,
            severity=Severity.CRITICAL,
            started_at=T0_EPOCH_S + at_s,
            start_s=at_s,
            **overrides,
        )
        return store.record_event(event)

    return record


def incident_of(store: EventStore, event_id: int) -> IncidentView:
    found = [i for i in read(store, list_incidents, limit=1000) if event_id in i.event_ids]
    assert len(found) == 1, found
    return found[0]


def audit_rows(engine: Engine, action: str) -> list[AuditEntry]:
    with Session(engine) as session:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        return list(session.scalars(query))


def test_fall_and_its_long_lie_are_one_incident(
    store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    fall = make_event(type=EventType.FALL)
    # Beyond the window: the parent link groups it, not the time.
    lie = make_event(type=EventType.LONG_LIE, parent_key=fall.key, started_at=fall.started_at + 900)
    fall_id, lie_id = store.record_event(fall), store.record_event(lie)
    incident = incident_of(store, fall_id)
    assert incident.event_ids == (fall_id, lie_id)
    assert incident.event_types == ("fall", "long_lie")
    assert (incident.facility_id, incident.camera_id, incident.category) == (
        "fac-1",
        "cam-1",
        "falls",
    )
    assert incident.status is S.NEW and not incident.is_closed
    assert incident.opened_at == datetime.fromtimestamp(fall.started_at, UTC)
    assert incident.last_event_at == datetime.fromtimestamp(lie.started_at, UTC)
    assert read(store, get_incident, incident.id) == incident


def test_repeated_smoke_within_the_window_is_one_incident(
    store: EventStore, record: Record
) -> None:
    # Each within 600 s of the one before, so the chain reaches past 600 s from the first.
    ids = [record(0), record(400, EventType.FIRE), record(900)]
    assert incident_of(store, ids[0]).event_ids == tuple(ids)
    assert incident_of(store, ids[0]).event_types == ("smoke", "fire", "smoke")
    later = record(900 + 601)
    assert incident_of(store, later).event_ids == (later,)


def test_an_event_after_the_incident_closed_opens_a_new_one(
    store: EventStore, record: Record
) -> None:
    first = record(0)
    closed = write(
        store, transition_incident, incident_of(store, first).id, "false_alarm", "officer"
    )
    assert closed.status is S.FALSE_ALARM and closed.is_closed
    again = record(30)
    assert incident_of(store, again).id != closed.id
    assert incident_of(store, again).event_ids == (again,)


@pytest.mark.parametrize(
    ("second", "same"),
    [
        ({"type_": EventType.FALL}, False),
        ({"type_": EventType.SMOKE, "camera_id": "cam-2"}, False),
        ({"type_": EventType.SMOKE}, True),
    ],
    ids=["other-family", "other-camera", "same"],
)
def test_grouping_needs_camera_and_family(
    store: EventStore, record: Record, second: dict[str, Any], same: bool
) -> None:
    first, other = record(0), record(60, **second)
    assert (incident_of(store, first) == incident_of(store, other)) is same


def test_window_comes_from_the_config(
    engine: Engine, store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    narrow = EventStore(store.sessions, IncidentConfig(group_window_s=30))
    ids = [
        narrow.record_event(make_event(type=EventType.SMOKE, started_at=T0_EPOCH_S + s))
        for s in (0, 20, 60)
    ]
    assert incident_of(narrow, ids[0]).event_ids == tuple(ids[:2])
    assert IncidentConfig().group_window_s == 600


def test_a_new_event_never_undoes_an_acknowledgement(store: EventStore, record: Record) -> None:
    first = record(0)
    incident_id = incident_of(store, first).id
    assert (
        write(store, transition_incident, incident_id, "acknowledge", "amy").status
        is S.ACKNOWLEDGED
    )
    later = record(60)
    incident = read(store, get_incident, incident_id)
    assert incident is not None and incident.status is S.ACKNOWLEDGED
    # It waits as new information until someone acknowledges it, leaving the status alone.
    assert incident.pending_event_ids == (later,) and incident.unacknowledged
    view = write(store, transition_incident, incident_id, "acknowledge", "bob")
    assert view.status is S.ACKNOWLEDGED and view.pending_event_ids == ()
    assert [
        (step.action, step.from_status, step.to_status, step.event_ids) for step in view.steps
    ] == [
        ("acknowledge", S.NEW, S.ACKNOWLEDGED, (first,)),
        ("acknowledge", S.ACKNOWLEDGED, S.ACKNOWLEDGED, (later,)),
    ]


def test_incident_step_moves_every_open_event_once(
    engine: Engine, store: EventStore, record: Record
) -> None:
    ids = [record(0), record(60), record(120)]
    incident_id = incident_of(store, ids[0]).id
    write(store, transition_event, ids[1], "on_scene", "bob")
    before = [read(store, get_event, i) for i in ids]
    view = write(
        store, transition_incident, incident_id, "acknowledge", "amy", note="seen on camera"
    )
    # Acknowledging leaves the event already on scene where it is.
    events = [read(store, get_event, i) for i in ids]
    assert [e.status for e in events if e] == [S.ACKNOWLEDGED, S.ON_SCENE, S.ACKNOWLEDGED]
    assert view.status is S.ACKNOWLEDGED
    for old, new in zip(before, events, strict=True):
        assert old is not None and new is not None
        moved = new.status is S.ACKNOWLEDGED
        assert len(new.transitions) == len(old.transitions) + moved
        assert (new.revision > old.revision) is moved
        if moved:
            step = new.transitions[-1]
            assert (step.actor, step.note, step.from_status) == ("amy", "seen on camera", S.NEW)
    (row,) = audit_rows(engine, "incident_transition")
    assert (row.actor, row.object_type, row.object_id) == ("amy", "incident", str(incident_id))
    assert row.detail == {
        "action": "acknowledge",
        "from_status": "new",
        "to_status": "acknowledged",
        "event_ids": [ids[0], ids[2]],
        "family_notified": False,
    }
    assert verify_audit(engine).ok


def test_resolving_a_fall_incident_needs_the_family_notice(
    store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    fall = make_event(type=EventType.FALL)
    lie = make_event(type=EventType.LONG_LIE, parent_key=fall.key)
    fall_id, lie_id = store.record_event(fall), store.record_event(lie)
    incident_id = incident_of(store, fall_id).id
    before = read(store, get_incident, incident_id)
    with pytest.raises(FamilyNoticeRequired, match="family notification"):
        write(store, transition_incident, incident_id, "resolve", "amy")
    assert read(store, get_incident, incident_id) == before
    view = write(store, transition_incident, incident_id, "resolve", "amy", family=FAMILY)
    assert view.status is S.RESOLVED and view.is_closed
    for event_id in (fall_id, lie_id):
        event = read(store, get_event, event_id)
        assert event is not None and event.status is S.RESOLVED
        assert event.transitions[-1].family == FAMILY


@pytest.mark.parametrize(
    ("before", "action", "expected"),
    [
        ((), "acknowledge", S.ACKNOWLEDGED),
        ((), "on_scene", S.ON_SCENE),
        (("acknowledge",), "on_scene", S.ON_SCENE),
        (("on_scene",), "resolve", S.RESOLVED),
        ((), "false_alarm", S.FALSE_ALARM),
        (("false_alarm",), "reopen", S.ACKNOWLEDGED),
        (("on_scene",), "acknowledge", None),
        (("resolve",), "resolve", None),
        ((), "reopen", None),
        ((), "", None),
    ],
)
def test_incident_transitions(
    store: EventStore, record: Record, before: tuple[Any, ...], action: Any, expected: S | None
) -> None:
    ids = [record(0), record(10)]
    incident_id = incident_of(store, ids[0]).id
    for step in before:
        write(store, transition_incident, incident_id, step, "setup")
    prior = read(store, get_incident, incident_id)
    if expected is None:
        with pytest.raises(InvalidTransition, match=action or "''"):
            write(store, transition_incident, incident_id, action, "officer")
        assert read(store, get_incident, incident_id) == prior
        return
    view = write(store, transition_incident, incident_id, action, "officer")
    assert view.status is expected
    assert {read(store, get_event, i).status for i in ids} == {expected}  # type: ignore[union-attr]


@pytest.mark.parametrize("incident_id", [999, 0, -1, 2**31, 2**63])
def test_unknown_incident(store: EventStore, incident_id: int) -> None:
    assert read(store, get_incident, incident_id) is None
    with pytest.raises(IncidentNotFound):
        write(store, transition_incident, incident_id, "acknowledge", "amy")


@pytest.mark.parametrize(("actor", "note"), [(" ", None), ("amy", "a\x00b")])
def test_incident_step_refuses_bad_text(
    store: EventStore, record: Record, actor: str, note: str | None
) -> None:
    incident_id = incident_of(store, record(0)).id
    with pytest.raises(ValueError, match=r"actor|note"):
        write(store, transition_incident, incident_id, "acknowledge", actor, note)


def test_event_steps_drive_the_incident_and_are_audited(
    engine: Engine, store: EventStore, record: Record
) -> None:
    ids = [record(0), record(60)]
    incident_id = incident_of(store, ids[0]).id
    write(store, transition_event, ids[0], "resolve", "amy")
    assert read(store, get_incident, incident_id).status is S.NEW  # type: ignore[union-attr]
    write(store, transition_event, ids[1], "false_alarm", "amy")
    assert read(store, get_incident, incident_id).status is S.RESOLVED  # type: ignore[union-attr]
    write(store, transition_event, ids[1], "reopen", "bob")
    assert read(store, get_incident, incident_id).status is S.ACKNOWLEDGED  # type: ignore[union-attr]
    rows = audit_rows(engine, "event_transition")
    assert [(r.actor, r.object_type, r.object_id) for r in rows] == [
        ("amy", "event", str(ids[0])),
        ("amy", "event", str(ids[1])),
        ("bob", "event", str(ids[1])),
    ]
    assert rows[2].detail == {
        "action": "reopen",
        "from_status": "false_alarm",
        "to_status": "acknowledged",
        "incident_id": incident_id,
    }
    assert verify_audit(engine).rows_checked == 3


def test_a_refused_step_writes_no_audit_row(
    engine: Engine, store: EventStore, record: Record
) -> None:
    event_id = record(0)
    with pytest.raises(InvalidTransition):
        write(store, transition_event, event_id, "reopen", "amy")
    with pytest.raises(InvalidTransition):
        write(store, transition_incident, incident_of(store, event_id).id, "reopen", "amy")
    assert verify_audit(engine).rows_checked == 0


def test_an_incident_escalates_as_one_from_its_oldest_waiting_event(
    store: EventStore, record: Record
) -> None:
    ids = [record(0), record(500)]
    started = datetime.fromtimestamp(T0_EPOCH_S, UTC)
    write(
        store, escalate_overdue, store.push_routing, 300, 900, now=started + timedelta(seconds=1000)
    )
    assert [read(store, get_event, i).escalated_to for i in ids] == ["district", "district"]  # type: ignore[union-attr]
    incident = read(store, get_incident, incident_of(store, ids[0]).id)
    assert incident is not None and incident.escalated_to == "district"
    [step] = incident.steps
    assert (step.action, step.actor, step.escalated_to, step.event_ids) == (
        "escalate",
        "carewatch",
        "district",
        tuple(ids),
    )


@pytest.mark.parametrize(
    ("events", "severity", "level"),
    [
        ([(Severity.WARNING, 1)], "warning", 1),
        ([(Severity.WARNING, 1), (Severity.CRITICAL, 1), (Severity.INFO, 3)], "critical", 3),
        ([(Severity.INFO, 1), (Severity.INFO, 2)], "info", 2),
    ],
    ids=["one", "gravest-and-highest", "info-only"],
)
def test_incident_severity_and_level_are_its_gravest_and_highest(
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
    events: list[tuple[Severity, int]],
    severity: str,
    level: int,
) -> None:
    ids = [
        store.record_event(
            make_event(type=EventType.SMOKE, severity=grave, level=rank, started_at=T0_EPOCH_S + n)
        )
        for n, (grave, rank) in enumerate(events)
    ]
    incident = incident_of(store, ids[0])
    assert incident.event_ids == tuple(ids)
    assert (incident.severity, incident.level) == (severity, level)


def test_list_incidents_filters(store: EventStore, record: Record) -> None:
    assert read(store, list_incidents) == []
    smoke, fall, other = record(0), record(100, EventType.FALL), record(200, camera_id="cam-2")
    write(store, transition_incident, incident_of(store, smoke).id, "acknowledge", "amy")
    listed = read(store, list_incidents)
    assert [i.event_ids for i in listed] == [(other,), (fall,), (smoke,)]
    assert [i.event_ids for i in read(store, list_incidents, camera_ids=["cam-1"])] == [
        (fall,),
        (smoke,),
    ]
    assert read(store, list_incidents, camera_ids=[]) == []
    assert read(store, list_incidents, camera_ids={"nope"}) == []
    assert [i.event_ids for i in read(store, list_incidents, status="acknowledged")] == [(smoke,)]
    assert len(read(store, list_incidents, limit=1)) == 1
    assert read(store, list_incidents, limit=0) == []
    with pytest.raises(ValueError, match="limit"):
        read(store, list_incidents, limit=-1)
    with pytest.raises(ValueError, match="bogus"):
        read(store, list_incidents, status="bogus")


def test_an_ended_repeat_does_not_regroup(
    engine: Engine, store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    event = make_event(type=EventType.SMOKE)
    event_id = store.record_event(event)
    store.record_event(make_event(type=EventType.SMOKE, key=event.key, end_s=event.start_s + 5))
    assert incident_of(store, event_id).event_ids == (event_id,)
    with engine.connect() as connection:
        assert len(connection.execute(select(Incident.id)).all()) == 1

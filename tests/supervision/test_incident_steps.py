"""The incident model officers trust: steps apply to what they saw, one history step per
action, repeated falls counted, other people's falls apart, and pushes owed once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from supervision.events.incidents import (
    IncidentChanged,
    get_incident,
    transition_event,
    transition_incident,
)
from supervision.events.overdue import escalate_overdue, remind_unacknowledged
from supervision.events.push_routing import GroupRoute, PushRouting, parse_node
from supervision.events.reads import get_event
from supervision.events.search import list_incidents
from supervision.events.store import EventStore
from supervision.events.views import EventStatus, FamilyNotice, IncidentView
from supervision.org import tree as org
from tests.conftest import T0_EPOCH_S
from tests.store_calls import read, write
from vision.events import EventType, SafetyEvent

S = EventStatus
FAMILY = FamilyNotice(datetime(2026, 12, 7, 2, 15, tzinfo=UTC), "phone", "nurse Wang")
T0 = datetime.fromtimestamp(T0_EPOCH_S, UTC)
Make = Callable[..., SafetyEvent]


def incident_of(store: EventStore, event_id: int) -> IncidentView:
    [found] = [i for i in read(store, list_incidents, limit=1000) if event_id in i.event_ids]
    view = read(store, get_incident, found.id)
    assert view is not None
    return view


def fall_and_lie(store: EventStore, make_event: Make, track: int, at_s: float) -> tuple[int, int]:
    fall = make_event(type=EventType.FALL, track_id=track, started_at=T0_EPOCH_S + at_s)
    lie = make_event(
        type=EventType.LONG_LIE,
        track_id=track,
        parent_key=fall.key,
        started_at=T0_EPOCH_S + at_s + 1,
        detected_at=T0_EPOCH_S + at_s + 61,
    )
    return store.record_event(fall), store.record_event(lie)


def test_repeated_falls_of_one_person_are_counted_on_one_incident(
    store: EventStore, make_event: Make
) -> None:
    first = fall_and_lie(store, make_event, track=3, at_s=0)
    again = fall_and_lie(store, make_event, track=3, at_s=120)
    incident = incident_of(store, first[0])
    assert incident.event_ids == (*first, *again)
    assert incident.fall_count == 2
    other = fall_and_lie(store, make_event, track=4, at_s=130)
    assert incident_of(store, other[0]).id != incident.id
    unknown = store.record_event(make_event(type=EventType.FALL, track_id=None))
    assert incident_of(store, unknown).event_ids == (unknown,)


def test_a_long_lie_says_when_it_was_raised(store: EventStore, make_event: Make) -> None:
    _, lie_id = fall_and_lie(store, make_event, track=3, at_s=0)
    lie = read(store, get_event, lie_id)
    assert lie is not None
    assert lie.started_at == T0 + timedelta(seconds=1)
    assert lie.raised_at == T0 + timedelta(seconds=61)
    [brief] = [e for e in incident_of(store, lie_id).events if e.id == lie_id]
    assert brief.raised_at == lie.raised_at


def test_a_step_applies_to_the_events_the_officer_saw(store: EventStore, make_event: Make) -> None:
    fall_id = store.record_event(make_event(type=EventType.FALL, track_id=3))
    incident_id = incident_of(store, fall_id).id
    # The long lie joins while the officer's card still shows only the fall.
    lie_id = store.record_event(make_event(type=EventType.LONG_LIE, track_id=3, parent_key=None))
    view = write(
        store, transition_incident, incident_id, "acknowledge", "amy", seen_event_id=fall_id
    )
    assert view.status is S.ACKNOWLEDGED
    assert view.pending_event_ids == (lie_id,)
    assert read(store, get_event, lie_id).status is S.NEW  # type: ignore[union-attr]
    # Closing needs a look at what joined since.
    with pytest.raises(IncidentChanged, match=f"long_lie \\(event {lie_id}\\) joined"):
        write(store, transition_incident, incident_id, "false_alarm", "amy", seen_event_id=fall_id)
    closed = write(
        store, transition_incident, incident_id, "false_alarm", "amy", seen_event_id=lie_id
    )
    assert closed.status is S.FALSE_ALARM and closed.pending_event_ids == ()
    assert {read(store, get_event, i).status for i in (fall_id, lie_id)} == {S.FALSE_ALARM}  # type: ignore[union-attr]


def test_one_history_step_per_action_however_many_events(
    store: EventStore, make_event: Make
) -> None:
    ids = [i for n in range(4) for i in fall_and_lie(store, make_event, track=3, at_s=30 * n)]
    incident_id = incident_of(store, ids[0]).id
    write(store, transition_incident, incident_id, "acknowledge", "amy", note="on my way")
    write(
        store, transition_incident, incident_id, "resolve", "amy", note="helped up", family=FAMILY
    )
    view = read(store, get_incident, incident_id)
    assert view is not None and len(view.event_ids) == 8
    steps = [(s.action, s.from_status, s.to_status, s.actor, s.note) for s in view.steps]
    assert steps == [
        ("acknowledge", S.NEW, S.ACKNOWLEDGED, "amy", "on my way"),
        ("resolve", S.ACKNOWLEDGED, S.RESOLVED, "amy", "helped up"),
    ]
    assert view.steps[1].family == FAMILY
    assert view.steps[1].event_ids == tuple(ids)


def test_an_event_step_is_a_step_of_its_incident(store: EventStore, make_event: Make) -> None:
    fall_id, lie_id = fall_and_lie(store, make_event, track=3, at_s=0)
    incident_id = incident_of(store, fall_id).id
    write(store, transition_event, lie_id, "acknowledge", "amy", note="seen")
    view = read(store, get_incident, incident_id)
    assert view is not None and view.status is S.NEW  # the fall still waits
    write(store, transition_event, fall_id, "on_scene", "bob")
    view = read(store, get_incident, incident_id)
    assert view is not None and view.status is S.ACKNOWLEDGED
    assert [(s.action, s.from_status, s.to_status, s.event_ids) for s in view.steps] == [
        ("acknowledge", S.NEW, S.NEW, (lie_id,)),
        ("on_scene", S.NEW, S.ACKNOWLEDGED, (fall_id,)),
    ]


@pytest.fixture
def routed(store: EventStore) -> EventStore:
    """The store with phone groups: fac-1's night shift, its street's and district's groups."""
    with store.sessions.begin() as session:
        org.create_district(session, "d1", "Gulou District")
        org.create_street(session, "s1", "d1", "Drum Tower Street")
        org.move_facility(session, "fac-1", "s1")
    routes = [
        GroupRoute("night", parse_node("facility:fac-1")),
        GroupRoute("street", parse_node("street:s1")),
        GroupRoute("district", parse_node("district:d1")),
        GroupRoute("elsewhere", parse_node("facility:fac-9")),
    ]
    return EventStore(store.sessions, push_routing=PushRouting(routes))


def pushes(view: IncidentView) -> list[tuple[str, str, str]]:
    return [(push.group, push.kind, push.status) for push in view.pushes]


def test_pushes_are_owed_once_for_new_reminder_and_each_escalation(
    routed: EventStore, make_event: Make
) -> None:
    fall_id = routed.record_event(make_event(type=EventType.FALL, track_id=3))
    incident_id = incident_of(routed, fall_id).id
    assert pushes(incident_of(routed, fall_id)) == [("night", "new", "pending")]
    # Another fall of the same person joins: nothing more is owed.
    routed.record_event(make_event(type=EventType.FALL, track_id=3))
    assert len(incident_of(routed, fall_id).pushes) == 1
    start = datetime.fromtimestamp(T0_EPOCH_S + 10, UTC)
    for after_s in (130, 200):  # the second check finds it reminded already
        write(
            routed,
            remind_unacknowledged,
            routed.push_routing,
            120,
            now=start + timedelta(seconds=after_s),
        )
    write(
        routed, escalate_overdue, routed.push_routing, 300, 900, now=start + timedelta(seconds=301)
    )
    write(
        routed, escalate_overdue, routed.push_routing, 300, 900, now=start + timedelta(seconds=901)
    )
    write(
        routed, escalate_overdue, routed.push_routing, 300, 900, now=start + timedelta(seconds=950)
    )
    view = incident_of(routed, fall_id)
    assert pushes(view) == [
        ("night", "new", "pending"),
        ("night", "reminder", "pending"),
        ("street", "escalation", "pending"),
        ("district", "escalation", "pending"),
    ]
    assert [s.action for s in view.steps] == ["remind", "escalate", "escalate"]
    assert view.escalated_to == "district"
    assert view.id == incident_id


def test_no_reminder_once_acknowledged(routed: EventStore, make_event: Make) -> None:
    fall_id = routed.record_event(make_event(type=EventType.FALL, track_id=3))
    incident_id = incident_of(routed, fall_id).id
    write(routed, transition_incident, incident_id, "acknowledge", "amy")
    late = datetime.fromtimestamp(T0_EPOCH_S, UTC) + timedelta(days=1)
    assert write(routed, remind_unacknowledged, routed.push_routing, 120, now=late) == []
    assert write(routed, escalate_overdue, routed.push_routing, 300, 900, now=late) == []
    assert pushes(incident_of(routed, fall_id)) == [("night", "new", "pending")]


@pytest.mark.parametrize(
    ("text", "error"),
    [("street", "expected facility:ID"), ("county:x", "expected"), ("facility:", "expected")],
)
def test_group_nodes_are_checked(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_node(text)

"""The grouping rule and an incident's derived status, as pure tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from supervision.events.grouping import (
    EventFacts,
    IncidentFacts,
    choose_incident,
    incident_status,
    is_pending,
    status_after_event_step,
    type_family,
)
from supervision.events.views import EventStatus

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
WINDOW_S = 600.0


def at(offset_s: float) -> datetime:
    return T0 + timedelta(seconds=offset_s)


def event(
    type_: str = "smoke",
    offset_s: float = 0.0,
    camera: str = "cam-1",
    parent: str | None = None,
    track: int | None = None,
) -> EventFacts:
    return EventFacts(
        key="new",
        parent_key=parent,
        type=type_,
        camera_id=camera,
        started_at=at(offset_s),
        track_id=track,
    )


def incident(
    id_: int,
    family: str = "fire",
    span_s: tuple[float, float] = (-100.0, -100.0),
    camera: str = "cam-1",
    closed: bool = False,
    keys: frozenset[str] = frozenset(),
    tracks: frozenset[int] = frozenset(),
) -> IncidentFacts:
    return IncidentFacts(
        id=id_,
        camera_id=camera,
        family=family,
        opened_at=at(span_s[0]),
        last_event_at=at(span_s[1]),
        closed=closed,
        event_keys=keys,
        track_ids=tracks,
    )


FALL_INCIDENT = incident(7, family="fall", span_s=(-3000.0, -3000.0), keys=frozenset({"f1"}))
PERSON_4 = incident(8, family="fall", tracks=frozenset({4}))

# (name, new event, incidents it might join, id it joins or None for a new incident)
CASES = [
    ("no incidents", event(), [], None),
    ("repeat within the window", event(), [incident(1)], 1),
    ("smoke joins fire", event("smoke"), [incident(1, family="fire")], 1),
    ("fire joins smoke", event("fire"), [incident(1, family="fire")], 1),
    ("exactly at the window's end", event(offset_s=500.0), [incident(1)], 1),
    ("just after the window", event(offset_s=500.1), [incident(1)], None),
    ("out of order, before it opened", event(offset_s=-600.0), [incident(1, span_s=(0, 0))], 1),
    ("too long before it opened", event(offset_s=-601.0), [incident(1, span_s=(0, 0))], None),
    ("other camera", event(camera="cam-2"), [incident(1)], None),
    ("other family", event("intrusion"), [incident(1)], None),
    ("closed incident", event(), [incident(1, closed=True)], None),
    ("long lie joins its fall", event("long_lie", parent="f1"), [FALL_INCIDENT], 7),
    ("parent wins over family", event("smoke", parent="f1"), [incident(1), FALL_INCIDENT], 7),
    (
        "parent on another camera",
        event("long_lie", camera="cam-9", parent="f1"),
        [FALL_INCIDENT],
        7,
    ),
    (
        "parent's incident closed",
        event("long_lie", parent="f1"),
        [incident(7, family="fall", closed=True, keys=frozenset({"f1"}))],
        None,
    ),
    ("unknown parent", event("long_lie", parent="zz"), [FALL_INCIDENT], None),
    ("the same person falls again", event("fall", track=4), [PERSON_4], 8),
    ("another person falls", event("fall", track=5), [PERSON_4], None),
    ("a fall whose person is not known", event("fall"), [PERSON_4], None),
    (
        "the same person, after it closed",
        event("fall", track=4),
        [incident(8, family="fall", closed=True, tracks=frozenset({4}))],
        None,
    ),
    ("a parentless long lie of the same person", event("long_lie", track=4), [PERSON_4], 8),
    (
        "latest of two near ones",
        event(),
        [incident(1, span_s=(-300, -300)), incident(2, span_s=(-200, -50)), incident(3)],
        2,
    ),
]


@pytest.mark.parametrize(
    ("new", "incidents", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_choose_incident(
    new: EventFacts, incidents: list[IncidentFacts], expected: int | None
) -> None:
    assert choose_incident(new, incidents, WINDOW_S) == expected


def test_zero_window_groups_only_children_and_same_instant_repeats() -> None:
    assert choose_incident(event(), [incident(1)], 0.0) is None
    assert choose_incident(event(), [incident(1, span_s=(0, 0))], 0.0) == 1
    assert choose_incident(event("long_lie", parent="f1"), [FALL_INCIDENT], 0.0) == 7


def test_negative_window_is_an_error() -> None:
    with pytest.raises(ValueError, match="window_s"):
        choose_incident(event(), [incident(1)], -1.0)


@pytest.mark.parametrize(
    ("event_type", "family"),
    [("fall", "fall"), ("long_lie", "fall"), ("smoke", "fire"), ("fire", "fire"), ("", "")],
)
def test_type_family(event_type: str, family: str) -> None:
    assert type_family(event_type) == family
    assert type_family("wandering") == "wandering"


S = EventStatus


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([S.NEW], S.NEW),
        ([S.ACKNOWLEDGED, S.NEW], S.NEW),
        ([S.ON_SCENE, S.ACKNOWLEDGED], S.ACKNOWLEDGED),
        ([S.RESOLVED, S.ON_SCENE], S.ON_SCENE),
        (["resolved", "false_alarm"], S.RESOLVED),
        ([S.FALSE_ALARM, S.FALSE_ALARM], S.FALSE_ALARM),
    ],
)
def test_incident_status(statuses: list[EventStatus | str], expected: EventStatus) -> None:
    assert incident_status(statuses) is expected


@pytest.mark.parametrize(("statuses", "error"), [([], "at least one"), (["gone"], "gone")])
def test_incident_status_errors(statuses: list[str], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        incident_status(statuses)


@pytest.mark.parametrize(
    ("current", "statuses", "expected"),
    [
        (S.NEW, [S.ACKNOWLEDGED, S.NEW], S.NEW),
        (S.NEW, [S.ACKNOWLEDGED, S.ON_SCENE], S.ACKNOWLEDGED),
        # An event that joined later (new) never moves an acknowledged incident back.
        (S.ACKNOWLEDGED, [S.NEW, S.ACKNOWLEDGED], S.ACKNOWLEDGED),
        (S.ON_SCENE, [S.RESOLVED, S.NEW], S.ON_SCENE),
        (S.ACKNOWLEDGED, [S.RESOLVED, S.FALSE_ALARM], S.RESOLVED),
        (S.NEW, [S.FALSE_ALARM], S.FALSE_ALARM),
        (S.RESOLVED, [S.ACKNOWLEDGED, S.RESOLVED], S.ACKNOWLEDGED),  # an event reopened
    ],
)
def test_status_after_event_step(
    current: EventStatus, statuses: list[EventStatus], expected: EventStatus
) -> None:
    assert status_after_event_step(current, statuses) is expected


@pytest.mark.parametrize(
    ("incident_status_", "event_status", "pending"),
    [
        (S.NEW, S.NEW, False),
        (S.ACKNOWLEDGED, S.NEW, True),
        (S.ON_SCENE, S.NEW, True),
        (S.ON_SCENE, S.ACKNOWLEDGED, False),
        (S.RESOLVED, S.NEW, False),
    ],
)
def test_is_pending(
    incident_status_: EventStatus, event_status: EventStatus, pending: bool
) -> None:
    assert is_pending(incident_status_, event_status) is pending

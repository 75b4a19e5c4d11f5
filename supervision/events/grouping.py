"""Which incident a new event joins, and how an incident's status follows its events: pure rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from supervision.events.views import EventStatus

# Types that describe one happening: smoke turns to fire, a fall becomes a long lie.
TYPE_FAMILIES: Mapping[str, str] = {
    "fall": "fall",
    "long_lie": "fall",
    "smoke": "fire",
    "fire": "fire",
}

# Open statuses, least advanced first.
_OPEN_ORDER = (EventStatus.NEW, EventStatus.ACKNOWLEDGED, EventStatus.ON_SCENE)
# A person who fell: another fall joins only an incident of the same person.
_PERSON_TYPES = frozenset({"fall", "long_lie"})


def type_family(event_type: str) -> str:
    """The family of an event type; a type outside TYPE_FAMILIES is its own family."""
    return TYPE_FAMILIES.get(event_type, event_type)


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What grouping needs to know of a new event."""

    key: str
    parent_key: str | None
    type: str
    camera_id: str
    started_at: datetime  # UTC-aware
    track_id: int | None = None  # the person, where the detector follows people


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """What grouping needs to know of an incident the event might join."""

    id: int
    camera_id: str
    family: str
    opened_at: datetime  # its earliest event's start
    last_event_at: datetime  # its latest event's start
    closed: bool
    event_keys: frozenset[str]  # keys of its events (at least those a new event may name)
    track_ids: frozenset[int] = frozenset()  # the people whose falls it holds


def choose_incident(
    event: EventFacts, incidents: Sequence[IncidentFacts], window_s: float
) -> int | None:
    """The id of the open incident `event` joins, or None for a new incident.

    An event joins the open incident that holds its parent (a long lie its fall); otherwise
    the open incident of the same camera and type family whose events it starts within
    `window_s` of (the latest such one, when several). A fall joins only an incident that
    holds a fall of the same person (track): another person's fall, or one whose person is
    not known, is a new incident, and so is any event after its incident closed.
    """
    if window_s < 0:
        raise ValueError(f"window_s must be >= 0, got {window_s}")
    candidates = [incident for incident in incidents if not incident.closed]
    if event.parent_key is not None:
        for incident in candidates:
            if event.parent_key in incident.event_keys:
                return incident.id
    near = [incident for incident in candidates if _near(event, incident, window_s)]
    if not near:
        return None
    return max(near, key=lambda incident: (incident.last_event_at, incident.id)).id


def _near(event: EventFacts, incident: IncidentFacts, window_s: float) -> bool:
    if (incident.camera_id, incident.family) != (event.camera_id, type_family(event.type)):
        return False
    if event.type in _PERSON_TYPES and event.track_id not in incident.track_ids:
        return False
    window = timedelta(seconds=window_s)
    # Events can arrive out of order (spooled writes), so the window reaches both ways.
    return incident.opened_at - window <= event.started_at <= incident.last_event_at + window


def incident_status(statuses: Iterable[EventStatus | str]) -> EventStatus:
    """The status its events' statuses alone give: the least advanced open one, else how it
    closed (resolved when any was resolved, else a false alarm)."""
    present = {EventStatus(status) for status in statuses}
    if not present:
        raise ValueError("an incident has at least one event")
    for status in _OPEN_ORDER:
        if status in present:
            return status
    return EventStatus.RESOLVED if EventStatus.RESOLVED in present else EventStatus.FALSE_ALARM


def status_after_event_step(
    current: EventStatus | str, statuses: Iterable[EventStatus | str]
) -> EventStatus:
    """An incident's status after one of its events was moved on its own.

    Closed once every event is; reopened (acknowledged) when an event of a closed one
    reopens; otherwise its events may carry it further, never back: a step it took stays.
    """
    current = EventStatus(current)
    derived = incident_status(statuses)
    if derived not in _OPEN_ORDER or current not in _OPEN_ORDER:
        return derived
    return max(current, derived, key=_OPEN_ORDER.index)


def is_pending(incident_status: EventStatus | str, event_status: EventStatus | str) -> bool:
    """An event that joined after the incident was acknowledged, not yet acknowledged itself:
    new information on an incident someone is already handling."""
    return EventStatus(event_status) is EventStatus.NEW and EventStatus(incident_status) in (
        EventStatus.ACKNOWLEDGED,
        EventStatus.ON_SCENE,
    )

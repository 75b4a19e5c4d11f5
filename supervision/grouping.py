"""Which incident a new event joins, and an incident's status: pure rules over small records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from supervision.records import EventStatus

# Types that describe one happening: smoke turns to fire, a fall becomes a long lie.
TYPE_FAMILIES: Mapping[str, str] = {
    "fall": "fall",
    "long_lie": "fall",
    "smoke": "fire",
    "fire": "fire",
}

# An incident is as far along as its least advanced open event.
_OPEN_ORDER = (EventStatus.NEW, EventStatus.ACKNOWLEDGED, EventStatus.ON_SCENE)


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


def choose_incident(
    event: EventFacts, incidents: Sequence[IncidentFacts], window_s: float
) -> int | None:
    """The id of the open incident `event` joins, or None for a new incident.

    An event joins the open incident that holds its parent (a long lie its fall); otherwise
    the open incident of the same camera and type family whose events it starts within
    `window_s` of (the latest such one, when several).
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
    window = timedelta(seconds=window_s)
    # Events can arrive out of order (spooled writes), so the window reaches both ways.
    return incident.opened_at - window <= event.started_at <= incident.last_event_at + window


def incident_status(statuses: Iterable[EventStatus | str]) -> EventStatus:
    """An incident's status from its events': the least advanced open one, else how it closed.

    Closed means every event is closed: resolved when any was resolved, else a false alarm.
    """
    present = {EventStatus(status) for status in statuses}
    if not present:
        raise ValueError("an incident has at least one event")
    for status in _OPEN_ORDER:
        if status in present:
            return status
    return EventStatus.RESOLVED if EventStatus.RESOLVED in present else EventStatus.FALSE_ALARM

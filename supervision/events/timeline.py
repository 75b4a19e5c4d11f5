"""All events on an incident's facility's cameras within a window around the incident."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from supervision.events.from_rows import event_view
from supervision.events.views import EventView
from supervision.tables import INT_MAX, Camera, Event, Incident

MAX_TIMELINE_EVENTS = 500


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    event: EventView
    camera_name: str
    incident_id: int | None


@dataclass(frozen=True, slots=True)
class Timeline:
    """Events that started in [start, end]: the incident's span widened by the window."""

    incident_id: int
    facility_id: str
    start: datetime
    end: datetime
    entries: tuple[TimelineEntry, ...]  # oldest first, at most MAX_TIMELINE_EVENTS
    truncated: bool  # more events lay in the window than were returned


def incident_timeline(
    session: Session, incident_id: int, window_s: float, camera_ids: Collection[str]
) -> Timeline | None:
    """The timeline of the incident, over those of its facility's cameras in `camera_ids`.

    None when there is no such incident; the caller checks the incident is in scope.
    """
    if window_s < 0:
        raise ValueError(f"window_s: expected >= 0, got {window_s}")
    incident = session.get(Incident, incident_id) if 0 < incident_id <= INT_MAX else None
    if incident is None:
        return None
    window = timedelta(seconds=window_s)
    start, end = incident.opened_at - window, incident.last_event_at + window
    cameras = _camera_names(session, incident.facility_id, camera_ids)
    rows = session.scalars(
        select(Event)
        .where(Event.camera_id.in_(sorted(cameras)))
        .where(Event.started_at >= start, Event.started_at <= end)
        .order_by(Event.started_at, Event.id)
        .limit(MAX_TIMELINE_EVENTS + 1)
        .options(selectinload(Event.transitions))
    ).all()
    entries = tuple(
        TimelineEntry(event_view(row), cameras[row.camera_id], row.incident_id)
        for row in rows[:MAX_TIMELINE_EVENTS]
    )
    truncated = len(rows) > MAX_TIMELINE_EVENTS
    return Timeline(incident.id, incident.facility_id, start, end, entries, truncated)


def _camera_names(
    session: Session, facility_id: str, camera_ids: Collection[str]
) -> dict[str, str]:
    """The facility's cameras among `camera_ids`, by id."""
    query = (
        select(Camera.id, Camera.name)
        .where(Camera.facility_id == facility_id)
        .where(Camera.id.in_(sorted(camera_ids)))
    )
    return {camera_id: name for camera_id, name in session.execute(query)}

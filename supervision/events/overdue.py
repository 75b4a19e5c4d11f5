"""Incidents nobody acknowledged: escalated to the street, then the district, and reminded.

Overdue counts from when an incident's oldest unacknowledged event was raised. Each raise or
reminder is one step in the incident's history by the system (`SYSTEM_ACTOR`) and owes the
right phone groups a push (supervision.events.push_routing); functions take the caller's session,
inside `EventStore.write_session()`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from supervision.events.changes import ChangeKind, record_change
from supervision.events.from_rows import event_view, incident_view
from supervision.events.incidents import (
    open_incidents_waiting,
    record_system_step,
    unacknowledged_since,
)
from supervision.events.push_routing import PushRouting
from supervision.events.views import EventStatus, EventView, IncidentView
from supervision.events.workflow import next_revision, set_status
from supervision.tables import Event, Incident, utc_now

SYSTEM_ACTOR = "carewatch"  # history steps the system takes itself


def escalate_overdue(
    session: Session,
    routing: PushRouting | None,
    street_after_s: float,
    district_after_s: float,
    now: datetime | None = None,
) -> list[EventView]:
    """Raise each incident waiting past `street_after_s` (`district_after_s`: to the district);
    incidents already raised that far are left alone (`now`: the wall clock). Returns the events
    raised."""
    now = now or utc_now()
    raised: list[Event] = []
    for incident in open_incidents_waiting(session, now - timedelta(seconds=street_after_s)):
        since = unacknowledged_since(incident)
        if since is None:
            continue
        to_district = since <= now - timedelta(seconds=district_after_s)
        level, after_s = (
            ("district", district_after_s) if to_district else ("street", street_after_s)
        )
        if incident.escalated_to != level:
            raised += _escalate(session, routing, incident, level, after_s, now)
    return [event_view(row) for row in raised]


def remind_unacknowledged(
    session: Session, routing: PushRouting | None, after_s: float, now: datetime | None = None
) -> list[IncidentView]:
    """Remind the facility's phone groups, once, of each incident waiting past `after_s`
    (none without phone groups or with `after_s` 0; `now`: the wall clock)."""
    if routing is None or after_s <= 0:
        return []
    now = now or utc_now()
    reminded: list[Incident] = []
    for incident in open_incidents_waiting(session, now - timedelta(seconds=after_s)):
        if incident.reminded_at is not None:
            continue
        groups = routing.schedule(session, incident, "reminder", now=now)
        incident.reminded_at = now
        note = f"reminder: not acknowledged within {after_s:g} s"
        if groups:
            note += f"; pushed to {', '.join(groups)}"
        step = record_system_step(incident, "remind", SYSTEM_ACTOR, note, _waiting(incident))
        step.at = now
        session.flush()
        reminded.append(incident)
    return [incident_view(row, with_steps=True) for row in reminded]


def _escalate(
    session: Session,
    routing: PushRouting | None,
    incident: Incident,
    level: str,
    after_s: float,
    now: datetime,
) -> list[Event]:
    note = f"escalated to the {level}: not acknowledged within {after_s:g} s"
    rows = _waiting(incident)
    for row in rows:
        event_step = set_status(row, EventStatus.NEW, EventStatus.NEW, SYSTEM_ACTOR, note, at=now)
        row.escalated_to = level
        row.revision = next_revision(session)
        record_change(session, row, ChangeKind.ESCALATED, event_step, escalated_to=level)
        session.flush()
    incident.escalated_to, incident.escalated_at = level, now
    step = record_system_step(incident, "escalate", SYSTEM_ACTOR, note, rows, level)
    step.at = now
    if routing is not None:
        routing.schedule(session, incident, "escalation", level, now)
    return rows


def _waiting(incident: Incident) -> list[Event]:
    return [row for row in incident.events if row.status == str(EventStatus.NEW)]

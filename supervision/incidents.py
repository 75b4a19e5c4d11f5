"""Incidents: each new event joins one, its status follows theirs, a step moves all of them.

Functions take the caller's session; writes run inside `EventStore`'s write lock, which keeps
event revisions unique (see `EventStore.transition_incident`).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from supervision.audit import append_audit
from supervision.changes import ChangeKind, record_change
from supervision.grouping import (
    EventFacts,
    IncidentFacts,
    choose_incident,
    incident_status,
    type_family,
)
from supervision.records import EventStatus, FamilyNotice, IncidentView, TransitionAction
from supervision.tables import INT_MAX, Event, Incident, utc_now
from supervision.views import incident_view
from supervision.workflow import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    latest_revision,
    require_actor,
    require_applies,
    require_family_notice,
    rule_for,
    set_status,
)


class IncidentNotFound(LookupError):
    """No incident with that id."""


def assign_incident(session: Session, row: Event, facility_id: str, window_s: float) -> Incident:
    """Put a new event row (not yet in the session) into the open incident it joins, or a new one.

    The rule is `supervision.grouping.choose_incident`; its candidates are read here: the
    parent's incident and the open ones of the same camera and family near in time.
    """
    parent_incident_id = _parent_incident_id(session, row.parent_key)
    candidates = _candidates(session, row, window_s, parent_incident_id)
    facts = [
        _incident_facts(incident, row.parent_key if incident.id == parent_incident_id else None)
        for incident in candidates
    ]
    chosen = choose_incident(_event_facts(row), facts, window_s)
    joined = [incident for incident in candidates if incident.id == chosen]
    incident = joined[0] if joined else _new_incident(session, row, facility_id)
    row.incident = incident
    incident.opened_at = min(incident.opened_at, row.started_at)
    incident.last_event_at = max(incident.last_event_at, row.started_at)
    incident.status = str(incident_status([incident.status, row.status]))
    incident.updated_at = utc_now()
    return incident


def refresh_incident(incident: Incident | None) -> None:
    """Derive the incident's status again after one of its events moved."""
    if incident is None:
        return
    incident.status = str(incident_status(event.status for event in incident.events))
    incident.updated_at = utc_now()


def transition_incident(
    session: Session,
    incident_id: int,
    action: TransitionAction,
    actor: str,
    note: str | None = None,
    family: FamilyNotice | None = None,
) -> IncidentView:
    """Apply `action` to every event of the incident it applies to, one history step each.

    The incident's (derived) status must allow the action; events already past it are left
    as they are (acknowledging leaves an event on scene on scene). Raises IncidentNotFound,
    InvalidTransition, or FamilyNoticeRequired when a fall or long lie would be resolved
    without `family`. One audit row records the step, in the same transaction.
    """
    allowed_from, to_status = rule_for(action)
    require_actor(actor, note)
    incident = _incident_by_id(session, incident_id, with_history=True)
    if incident is None:
        raise IncidentNotFound(f"no incident with id {incident_id}")
    before = EventStatus(incident.status)
    require_applies(action, f"incident {incident_id}", before, allowed_from)
    targets = [row for row in incident.events if EventStatus(row.status) in allowed_from]
    require_family_notice(to_status, targets, family)
    for revision, row in enumerate(targets, start=latest_revision(session) + 1):
        step = set_status(row, EventStatus(row.status), to_status, actor, note, family)
        row.revision = revision
        record_change(session, row, ChangeKind.TRANSITION, step)
    refresh_incident(incident)
    detail = {
        "action": action,
        "from_status": str(before),
        "to_status": incident.status,
        "event_ids": [row.id for row in targets],
        "family_notified": family is not None,
    }
    append_audit(session, actor, "incident_transition", "incident", str(incident_id), detail)
    return incident_view(incident)


def get_incident(session: Session, incident_id: int) -> IncidentView | None:
    incident = _incident_by_id(session, incident_id)
    return None if incident is None else incident_view(incident)


def list_incidents(
    session: Session,
    *,
    camera_ids: Collection[str] | None = None,
    status: EventStatus | str | None = None,
    limit: int = 100,
) -> list[IncidentView]:
    """Incidents with the most recent event first; `camera_ids` limits them to those cameras."""
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    if camera_ids is not None and not camera_ids:
        return []
    query = select(Incident).options(selectinload(Incident.events))
    if camera_ids is not None:
        query = query.where(Incident.camera_id.in_(sorted(camera_ids)))
    if status is not None:
        query = query.where(Incident.status == str(EventStatus(status)))
    query = query.order_by(Incident.last_event_at.desc(), Incident.id.desc()).limit(limit)
    return [incident_view(row) for row in session.scalars(query)]


def _incident_by_id(
    session: Session, incident_id: int, *, with_history: bool = False
) -> Incident | None:
    if not 0 < incident_id <= INT_MAX:
        return None
    events = selectinload(Incident.events)
    options = [events.selectinload(Event.transitions)] if with_history else [events]
    return session.get(Incident, incident_id, options=options)


def _candidates(
    session: Session, row: Event, window_s: float, parent_incident_id: int | None
) -> list[Incident]:
    """Open incidents the event could join: its camera and family near its start, its parent's."""
    window = timedelta(seconds=window_s)
    query = select(Incident).where(
        Incident.camera_id == row.camera_id,
        Incident.family == type_family(row.type),
        Incident.status.in_([str(status) for status in OPEN_STATUSES]),
        Incident.last_event_at >= row.started_at - window,
        Incident.opened_at <= row.started_at + window,
    )
    found = list(session.scalars(query))
    if parent_incident_id is not None and all(i.id != parent_incident_id for i in found):
        parent_incident = session.get(Incident, parent_incident_id)
        found += [] if parent_incident is None else [parent_incident]
    return found


def _parent_incident_id(session: Session, parent_key: str | None) -> int | None:
    if parent_key is None:
        return None
    return session.scalar(select(Event.incident_id).where(Event.key == parent_key))


def _event_facts(row: Event) -> EventFacts:
    return EventFacts(
        key=row.key,
        parent_key=row.parent_key,
        type=row.type,
        camera_id=row.camera_id,
        started_at=row.started_at,
    )


def _incident_facts(incident: Incident, parent_key: str | None) -> IncidentFacts:
    """`parent_key`: the new event's parent when this incident holds it; the rule needs no
    other of its keys, so no other is read."""
    return IncidentFacts(
        id=incident.id,
        camera_id=incident.camera_id,
        family=incident.family,
        opened_at=incident.opened_at,
        last_event_at=incident.last_event_at,
        closed=EventStatus(incident.status) in CLOSED_STATUSES,
        event_keys=frozenset() if parent_key is None else frozenset({parent_key}),
    )


def _new_incident(session: Session, row: Event, facility_id: str) -> Incident:
    incident = Incident(
        facility_id=facility_id,
        camera_id=row.camera_id,
        category=row.category,
        family=type_family(row.type),
        status=row.status,
        opened_at=row.started_at,
        last_event_at=row.started_at,
        updated_at=utc_now(),
    )
    session.add(incident)
    return incident

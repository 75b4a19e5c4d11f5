"""Incidents: each new event joins one; a person's step moves it and the events they saw.

Functions take the caller's session; writes run inside `EventStore.write_session()`, which
keeps event revisions unique. An incident's status is moved by steps only: an event that joins
later never moves it back, it waits as new information (`grouping.is_pending`) until someone
acknowledges it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, selectinload

from supervision.audit.chain import append_audit
from supervision.events.changes import ChangeKind, record_change
from supervision.events.from_rows import event_view, incident_view
from supervision.events.grouping import (
    EventFacts,
    IncidentFacts,
    choose_incident,
    is_pending,
    status_after_event_step,
    type_family,
)
from supervision.events.preload import event_by_key, incidents_near
from supervision.events.reads import event_by_id
from supervision.events.views import (
    EventStatus,
    EventView,
    FamilyNotice,
    IncidentAction,
    IncidentView,
    TransitionAction,
)
from supervision.events.workflow import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    InvalidTransition,
    next_revision,
    require_actor,
    require_applies,
    require_family_notice,
    rule_for,
    set_status,
)
from supervision.tables import INT_MAX, Event, Incident, IncidentStep, utc_now


class EventNotFound(LookupError):
    """No event with that id or key."""


class IncidentNotFound(LookupError):
    """No incident with that id."""


class IncidentChanged(InvalidTransition):
    """Events joined the incident after the person looked; a closing step must see them."""


def assign_incident(
    session: Session, row: Event, facility_id: str, window_s: float
) -> tuple[Incident, bool]:
    """Put a new event row (not yet in the session) into the open incident it joins, or a new
    one; returns the incident and whether it is new.

    The rule is `supervision.events.grouping.choose_incident`; its candidates are read here: the
    parent's incident and the open ones of the same camera and family near in time. Joining
    leaves the incident's status as it is.
    """
    parent = _parent_incident(session, row.parent_key)
    candidates = _candidates(session, row, window_s, parent)
    # A candidate's place stands for its id: one added in this transaction has no id yet, and
    # comes after those that have one, as its id will.
    facts = [
        _incident_facts(place, incident, row.parent_key if incident is parent else None)
        for place, incident in enumerate(candidates)
    ]
    chosen = choose_incident(_event_facts(row), facts, window_s)
    incident = _new_incident(session, row, facility_id) if chosen is None else candidates[chosen]
    row.incident = incident
    incident.opened_at = min(incident.opened_at, row.started_at)
    incident.last_event_at = max(incident.last_event_at, row.started_at)
    incident.updated_at = utc_now()
    return incident, chosen is None


def after_event_step(row: Event, action: TransitionAction, actor: str) -> None:
    """An event moved on its own: its incident follows (never back) and records the step."""
    incident = row.incident
    if incident is None:
        return
    before = incident.status
    incident.status = str(status_after_event_step(before, (e.status for e in incident.events)))
    incident.updated_at = utc_now()
    step = _step(incident, action, before, actor, row.status_note, [row])
    last = row.transitions[-1]
    step.at = last.at
    if last.family_notified_at is not None:
        step.family_notified_at = last.family_notified_at
        step.family_notify_method = last.family_notify_method
        step.family_notified_by = last.family_notified_by


def transition_incident(
    session: Session,
    incident_id: int,
    action: TransitionAction,
    actor: str,
    note: str | None = None,
    family: FamilyNotice | None = None,
    seen_event_id: int | None = None,
) -> IncidentView:
    """One step on the incident, applied to the events the person saw.

    `seen_event_id`: the newest event the person's view held (None: every event). A step
    applies when the incident's status allows it; acknowledging also applies to an
    acknowledged incident that new events joined (it acknowledges them and leaves the
    incident's status). Events that joined after the person looked are left as they are,
    and a closing step refuses (IncidentChanged) while such an event is open. Events already
    past the step stay (acknowledging leaves an event on scene on scene). Raises
    IncidentNotFound, InvalidTransition or FamilyNoticeRequired; one history step and one
    audit row record it, in the same transaction.
    """
    allowed_from, to_status = rule_for(action)
    require_actor(actor, note)
    incident = _incident_by_id(session, incident_id, with_history=True)
    if incident is None:
        raise IncidentNotFound(f"no incident with id {incident_id}")
    before = EventStatus(incident.status)
    seen = [row for row in incident.events if seen_event_id is None or row.id <= seen_event_id]
    pending = [row for row in seen if is_pending(before, row.status)]
    if action == "acknowledge" and before not in allowed_from and pending:
        targets, after = pending, before
    else:
        require_applies(action, f"incident {incident_id}", before, allowed_from)
        targets = [row for row in seen if EventStatus(row.status) in allowed_from]
        after = to_status
    _require_seen_all(incident, seen, to_status)
    require_family_notice(to_status, targets, family)
    for row in targets:
        event_step = set_status(row, EventStatus(row.status), to_status, actor, note, family)
        row.revision = next_revision(session)
        record_change(session, row, ChangeKind.TRANSITION, event_step)
    incident.status = str(after)
    incident.updated_at = utc_now()
    step = _step(incident, action, before, actor, note, targets)
    if family is not None:
        _set_family(step, family)
    detail = {
        "action": action,
        "from_status": str(before),
        "to_status": incident.status,
        "event_ids": [row.id for row in targets],
        "family_notified": family is not None,
    }
    append_audit(session, actor, "incident_transition", "incident", str(incident_id), detail)
    session.flush()
    return incident_view(incident, with_steps=True)


def transition_event(
    session: Session,
    event_id: int,
    action: TransitionAction,
    actor: str,
    note: str | None = None,
    family: FamilyNotice | None = None,
    at: datetime | None = None,
) -> EventView:
    """Move one event along its workflow and record who did it and when (`at`: now).

    Its incident's status follows; an audit row records the step in the same transaction.
    Raises EventNotFound, InvalidTransition or FamilyNoticeRequired.
    """
    allowed_from, to_status = rule_for(action)
    require_actor(actor, note)
    row = event_by_id(session, event_id)
    if row is None:
        raise EventNotFound(f"no event with id {event_id}")
    current = EventStatus(row.status)
    require_applies(action, f"event {event_id}", current, allowed_from)
    require_family_notice(to_status, [row], family)
    step = set_status(row, current, to_status, actor, note, family, at)
    row.revision = next_revision(session)
    record_change(session, row, ChangeKind.TRANSITION, step)
    after_event_step(row, action, actor)
    detail = {
        "action": action,
        "from_status": str(current),
        "to_status": row.status,
        "incident_id": row.incident_id,
    }
    append_audit(session, actor, "event_transition", "event", str(row.id), detail)
    session.flush()
    return event_view(row)


def record_system_step(
    incident: Incident,
    action: IncidentAction,
    actor: str,
    note: str,
    rows: Sequence[Event],
    escalated_to: str | None = None,
) -> IncidentStep:
    """An escalation or reminder in the incident's history (its status stays)."""
    step = _step(incident, action, EventStatus(incident.status), actor, note, rows)
    step.escalated_to = escalated_to
    return step


def get_incident(session: Session, incident_id: int) -> IncidentView | None:
    incident = _incident_by_id(session, incident_id, with_history=True)
    return None if incident is None else incident_view(incident, with_steps=True)


def unacknowledged_since(incident: Incident) -> datetime | None:
    """When the oldest event nobody acknowledged was raised (None: all acknowledged)."""
    waiting = [
        row.detected_at or row.started_at
        for row in incident.events
        if EventStatus(row.status) is EventStatus.NEW
    ]
    return min(waiting, default=None)


def open_incidents_waiting(session: Session, raised_before: datetime) -> list[Incident]:
    """Open incidents with an event raised before then that nobody acknowledged."""
    raised = Event.detected_at.is_not(None) & (Event.detected_at <= raised_before)
    guessed = Event.detected_at.is_(None) & (Event.started_at <= raised_before)
    waiting = (
        select(Event.incident_id)
        .where(Event.status == str(EventStatus.NEW), raised | guessed)
        .where(Event.incident_id.is_not(None))
    )
    query = (
        select(Incident)
        .where(Incident.id.in_(waiting))
        .where(Incident.status.in_([str(status) for status in OPEN_STATUSES]))
        .options(selectinload(Incident.events).selectinload(Event.transitions))
        .order_by(Incident.opened_at, Incident.id)
    )
    return list(session.scalars(query))


def _require_seen_all(incident: Incident, seen: list[Event], to_status: EventStatus) -> None:
    if to_status not in CLOSED_STATUSES:
        return
    unseen = [row for row in incident.events if row not in seen and row.status in _OPEN]
    if unseen:
        kinds = ", ".join(f"{row.type} (event {row.id})" for row in unseen)
        raise IncidentChanged(
            f"incident {incident.id} changed since you looked: {kinds} joined it; "
            "look again before closing it"
        )


_OPEN = frozenset(str(status) for status in OPEN_STATUSES)


def _step(
    incident: Incident,
    action: IncidentAction,
    before: EventStatus | str,
    actor: str,
    note: str | None,
    rows: Sequence[Event],
) -> IncidentStep:
    session = object_session(incident)
    if session is not None and any(row.id is None for row in rows):
        session.flush()  # an event added in this transaction: the step names it by id
    step = IncidentStep(
        action=action,
        from_status=str(before),
        to_status=incident.status,
        actor=actor,
        note=note,
        at=utc_now(),
        event_ids=[row.id for row in rows],
    )
    incident.steps.append(step)
    return step


def _set_family(step: IncidentStep, family: FamilyNotice) -> None:
    step.family_notified_at = family.notified_at
    step.family_notify_method = family.method
    step.family_notified_by = family.by


def _incident_by_id(
    session: Session, incident_id: int, *, with_history: bool = False
) -> Incident | None:
    if not 0 < incident_id <= INT_MAX:
        return None
    events = selectinload(Incident.events)
    options = [events.selectinload(Event.transitions)] if with_history else [events]
    extra = [selectinload(Incident.steps), selectinload(Incident.pushes)]
    return session.get(Incident, incident_id, options=[*options, *extra])


def _candidates(
    session: Session, row: Event, window_s: float, parent: Incident | None
) -> list[Incident]:
    """Open incidents the event could join: its camera and family near its start, its parent's;
    by id, those without one yet last."""
    window = timedelta(seconds=window_s)
    since, until = row.started_at - window, row.started_at + window
    family, open_statuses = type_family(row.type), [str(status) for status in OPEN_STATUSES]
    found = incidents_near(session, row.camera_id, since, until)
    if found is None:
        query = select(Incident).where(
            Incident.camera_id == row.camera_id,
            Incident.family == family,
            Incident.status.in_(open_statuses),
            Incident.last_event_at >= since,
            Incident.opened_at <= until,
        )
        found = list(session.scalars(query.options(selectinload(Incident.events))))
    else:  # the batch's preload: the same filter, in memory
        found = [
            incident
            for incident in found
            if incident.family == family
            and incident.status in open_statuses
            and incident.last_event_at >= since
            and incident.opened_at <= until
        ]
    if parent is not None and all(incident is not parent for incident in found):
        found.append(parent)
    return sorted(found, key=lambda incident: (incident.id is None, incident.id or 0))


def _parent_incident(session: Session, parent_key: str | None) -> Incident | None:
    parent = None if parent_key is None else event_by_key(session, parent_key)
    return None if parent is None else parent.incident


def _event_facts(row: Event) -> EventFacts:
    return EventFacts(
        key=row.key,
        parent_key=row.parent_key,
        type=row.type,
        camera_id=row.camera_id,
        started_at=row.started_at,
        track_id=row.track_id,
    )


def _incident_facts(place: int, incident: Incident, parent_key: str | None) -> IncidentFacts:
    """`place`: where it is among the candidates; `parent_key`: the new event's parent when
    this incident holds it (the rule needs no other of its keys, so no other is read)."""
    return IncidentFacts(
        id=place,
        camera_id=incident.camera_id,
        family=incident.family,
        opened_at=incident.opened_at,
        last_event_at=incident.last_event_at,
        closed=EventStatus(incident.status) in CLOSED_STATUSES,
        event_keys=frozenset() if parent_key is None else frozenset({parent_key}),
        track_ids=frozenset(e.track_id for e in incident.events if e.track_id is not None),
    )


def _new_incident(session: Session, row: Event, facility_id: str) -> Incident:
    incident = Incident(
        events=[],  # known empty: nothing is read for them after the flush
        steps=[],
        facility_id=facility_id,
        camera_id=row.camera_id,
        category=row.category,
        family=type_family(row.type),
        status=str(EventStatus.NEW),
        opened_at=row.started_at,
        last_event_at=row.started_at,
        updated_at=utc_now(),
    )
    session.add(incident)
    return incident

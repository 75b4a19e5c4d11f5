"""EventStore: facilities, cameras, events and their workflow, each call one short transaction."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from streams.health import CameraHealth
from supervision.audit.chain import append_audit
from supervision.config import IncidentConfig
from supervision.events import incidents, overdue
from supervision.events.changes import ChangeKind, record_change
from supervision.events.from_rows import (
    camera_view,
    epoch_to_utc,
    event_view,
    facility_record,
    incident_view,
)
from supervision.events.incidents import after_event_step, assign_incident
from supervision.events.push_routing import PushRouting
from supervision.events.search import IncidentQuery, find_incidents
from supervision.events.views import (
    CameraRecord,
    CameraView,
    EventStatus,
    EventView,
    FacilityRecord,
    FamilyNotice,
    IncidentView,
    StreetRecord,
    TransitionAction,
)

# Re-exported: callers catch the workflow's errors from the store that raises them.
from supervision.events.workflow import TRANSITIONS as TRANSITIONS
from supervision.events.workflow import FamilyNoticeRequired as FamilyNoticeRequired
from supervision.events.workflow import InvalidTransition as InvalidTransition
from supervision.events.workflow import (
    latest_revision,
    next_revision,
    require_actor,
    require_applies,
    require_family_notice,
    require_storable,
    rule_for,
    set_status,
)
from supervision.tables import (
    INT_MAX,
    Camera,
    CameraStateChange,
    District,
    Event,
    Facility,
    Street,
    utc_now,
)
from vision.events import SafetyEvent


class EventNotFound(LookupError):
    """No event with that id or key."""


class UnknownCamera(LookupError):
    """The camera id is not in the database (sync the topology first)."""


class UnknownFacility(LookupError):
    """The facility id is not in the database."""


ESCALATION_ACTOR = overdue.SYSTEM_ACTOR  # history steps the system takes itself

PathLike = str | os.PathLike[str]


class EventStore:
    """Reads and writes the supervision database; share one per process between threads.

    Event writes are serialised here (that keeps revisions unique and in commit order), so
    one process writes events; any number may read.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        incident_config: IncidentConfig | None = None,
        push_routing: PushRouting | None = None,
    ) -> None:
        self._sessions = sessions
        self._incident_config = incident_config or IncidentConfig()
        # With it, each new incident, reminder and escalation owes its phone groups a push.
        self.push_routing = push_routing
        # Held through commit, so revisions become visible in the order they were given out.
        self._write_lock = threading.Lock()
        self._change_listeners: list[Callable[[], None]] = []

    @property
    def sessions(self) -> sessionmaker[Session]:
        """For other supervision modules (users, audit, ...) that share this database."""
        return self._sessions

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """One transaction under the event write lock; every event change goes through one.

        Take revisions for the rows changed with `next_revision(session)` inside it.
        """
        with self._write_lock, self._sessions.begin() as session:
            yield session
        for listener in tuple(self._change_listeners):
            listener()

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call `listener()` after each committed `write_session` (event changes).

        It runs on the writing thread, after the lock is released: it must be quick and must
        not raise (the dashboard's live feed uses it to push changes without waiting for a poll).
        """
        self._change_listeners.append(listener)

    def sync_topology(
        self,
        facilities: Sequence[FacilityRecord],
        cameras: Sequence[CameraRecord],
        streets: Sequence[StreetRecord] = (),
    ) -> None:
        """Upsert configured streets, facilities and cameras; unconfigured ones stay for history."""
        with self._sessions.begin() as session:
            _upsert_streets(session, streets)
            for facility in facilities:
                _upsert(session, Facility, facility.id, _facility_values(facility))
            session.flush()
            for camera in cameras:
                if session.get(Facility, camera.facility_id) is None:
                    raise UnknownFacility(
                        f"camera {camera.id!r} names unknown facility {camera.facility_id!r}"
                    )
                values = {"facility_id": camera.facility_id, "name": camera.name}
                _upsert(session, Camera, camera.id, {**values, "source_kind": camera.source_kind})

    def record_event(self, event: SafetyEvent) -> int:
        """Insert a new event into its incident, or apply the end of a known one (same key).

        Returns the event's id; a new event joins an open incident or opens one
        (`supervision.events.grouping.choose_incident`).
        """
        with self.write_session() as session:
            row = session.scalar(select(Event).where(Event.key == event.key))
            if row is None:
                camera = _require_camera(session, event.camera_id)
                row = _new_event_row(event, next_revision(session))
                window_s = self._incident_config.group_window_s
                incident, opened = assign_incident(session, row, camera.facility_id, window_s)
                session.add(row)
                record_change(session, row, ChangeKind.NEW)
                if opened and self.push_routing is not None:
                    self.push_routing.schedule(session, incident, "new")
            else:
                was_open = row.end_s is None
                if _apply_end(row, event):
                    row.revision = next_revision(session)
                    ended = was_open and row.end_s is not None
                    record_change(session, row, ChangeKind.ENDED if ended else ChangeKind.UPDATED)
            session.flush()
            return row.id

    def attach_media(
        self,
        event_key: str,
        snapshot_path: PathLike | None = None,
        clip_path: PathLike | None = None,
        clip_start_s: float | None = None,
    ) -> int:
        """Set the event's snapshot and/or clip (None leaves a field as it is); returns its id."""
        with self.write_session() as session:
            row = session.scalar(select(Event).where(Event.key == event_key))
            if row is None:
                raise EventNotFound(f"no event with key {event_key!r}")
            if snapshot_path is not None:
                row.snapshot_path = os.fspath(snapshot_path)
            if clip_path is not None:
                row.clip_path = os.fspath(clip_path)
            if clip_start_s is not None:
                row.clip_start_s = clip_start_s
            row.revision = next_revision(session)
            return row.id

    def update_camera_health(self, health: CameraHealth, at: datetime | None = None) -> None:
        """Store the camera's health; a state change is also kept in its history (`at`: now)."""
        with self._sessions.begin() as session:
            row = _require_camera(session, health.camera_id)
            if row.state != str(health.state):
                session.add(_state_change(row, str(health.state), at or utc_now()))
            row.state = str(health.state)
            row.last_frame_at = (
                None if health.last_frame_at is None else epoch_to_utc(health.last_frame_at)
            )
            row.fps = health.fps
            row.frames_read = health.frames_read
            row.frames_dropped = health.frames_dropped
            row.reconnects = health.reconnects
            row.last_error = health.error
            row.updated_at = at or utc_now()

    def transition(
        self,
        event_id: int,
        action: TransitionAction,
        actor: str,
        note: str | None = None,
        family: FamilyNotice | None = None,
        at: datetime | None = None,
    ) -> EventView:
        """Move an event along its workflow and record who did it and when (`at`: now).

        Its incident's status follows; an audit row records the step in the same transaction.
        Raises FamilyNoticeRequired when a fall is resolved without `family`.
        """
        allowed_from, to_status = rule_for(action)
        require_actor(actor, note)
        with self.write_session() as session:
            row = _event_by_id(session, event_id)
            if row is None:
                raise EventNotFound(f"no event with id {event_id}")
            current = EventStatus(row.status)
            require_applies(action, f"event {event_id}", current, allowed_from)
            require_family_notice(to_status, [row], family)
            step = set_status(row, current, to_status, actor, note, family, at)
            row.revision = next_revision(session)
            record_change(session, row, ChangeKind.TRANSITION, step)
            after_event_step(row, action, actor)
            _audit_transition(session, row, action, current, actor)
            session.flush()
            return event_view(row)

    def transition_incident(
        self,
        incident_id: int,
        action: TransitionAction,
        actor: str,
        note: str | None = None,
        family: FamilyNotice | None = None,
        seen_event_id: int | None = None,
    ) -> IncidentView:
        """One step on an incident and the events the person saw (`incidents.transition_incident`).

        Raises IncidentNotFound, InvalidTransition (IncidentChanged) or FamilyNoticeRequired.
        """
        with self.write_session() as session:
            return incidents.transition_incident(
                session, incident_id, action, actor, note, family, seen_event_id
            )

    def get_incident(self, incident_id: int) -> IncidentView | None:
        """The incident with its history (steps) and pushes."""
        with self._sessions() as session:
            return incidents.get_incident(session, incident_id)

    def list_incidents(
        self,
        *,
        camera_ids: Collection[str] | None = None,
        status: EventStatus | str | None = None,
        limit: int = 100,
    ) -> list[IncidentView]:
        """Most recent first; `camera_ids` (a scope's cameras) limits them, None: all."""
        statuses = None if status is None else [EventStatus(status)]
        return self.find_incidents(IncidentQuery(camera_ids, statuses, limit=limit))

    def find_incidents(self, query: IncidentQuery) -> list[IncidentView]:
        with self._sessions() as session:
            return find_incidents(session, query)

    def escalate_overdue(
        self, street_after_s: float, district_after_s: float, now: datetime | None = None
    ) -> list[EventView]:
        """Raise incidents nobody acknowledged (`overdue.escalate_overdue`); the events raised."""
        with self.write_session() as session:
            rows = overdue.escalate_overdue(
                session, self.push_routing, street_after_s, district_after_s, now or utc_now()
            )
            return [event_view(row) for row in rows]

    def remind_unacknowledged(
        self, after_s: float, now: datetime | None = None
    ) -> list[IncidentView]:
        """Remind the phone groups of incidents nobody acknowledged (`overdue.remind`)."""
        if self.push_routing is None or after_s <= 0:
            return []
        with self.write_session() as session:
            rows = overdue.remind(session, self.push_routing, after_s, now or utc_now())
            return [incident_view(row, with_steps=True) for row in rows]

    def get_event(self, event_id: int) -> EventView | None:
        with self._sessions() as session:
            row = _event_by_id(session, event_id)
            return None if row is None else event_view(row)

    def list_events(
        self,
        *,
        limit: int = 100,
        camera_id: str | None = None,
        status: EventStatus | str | None = None,
        since_revision: int | None = None,
        camera_ids: Collection[str] | None = None,
    ) -> list[EventView]:
        """Events newest first (by `started_at`), of `camera_ids` only when given (a scope).

        With `since_revision`, the `limit` earliest changes after it are returned, so a poller
        that continues from the largest `revision` it got misses nothing.
        """
        if limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        require_storable(camera_id=camera_id)
        query = _in_cameras(_filtered(camera_id, status), camera_ids)
        if since_revision is None:
            query = query.order_by(Event.started_at.desc(), Event.id.desc())
        else:
            since = min(max(since_revision, 0), INT_MAX)
            query = query.where(Event.revision > since).order_by(Event.revision)
        with self._sessions() as session:
            views = [event_view(row) for row in session.scalars(query.limit(limit)).all()]
        return sorted(views, key=lambda view: (view.started_at, view.id), reverse=True)

    def latest_revision(self, camera_ids: Collection[str] | None = None) -> int:
        """The newest revision, among the events of `camera_ids` when given."""
        with self._sessions() as session:
            if camera_ids is None:
                return latest_revision(session)
            query = _in_cameras(select(func.max(Event.revision)), camera_ids)
            return session.scalar(query) or 0

    def event_for_media(self, media_path: str) -> EventView | None:
        """The event whose snapshot or clip is `media_path` (relative to the media root)."""
        query = select(Event).where(
            (Event.snapshot_path == media_path) | (Event.clip_path == media_path)
        )
        with self._sessions() as session:
            row = session.scalars(query.options(selectinload(Event.transitions))).first()
            return None if row is None else event_view(row)

    def list_cameras(self) -> list[CameraView]:
        with self._sessions() as session:
            rows = session.scalars(select(Camera).order_by(Camera.facility_id, Camera.id))
            return [camera_view(row) for row in rows]

    def list_facilities(self) -> list[FacilityRecord]:
        with self._sessions() as session:
            rows = session.scalars(select(Facility).order_by(Facility.id))
            return [facility_record(row) for row in rows]


def _upsert_streets(session: Session, streets: Sequence[StreetRecord]) -> None:
    for street in streets:
        _upsert(session, District, street.district_id, {"name": street.district_name})
    session.flush()
    for street in streets:
        values = {"name": street.name, "district_id": street.district_id}
        _upsert(session, Street, street.id, values)
    session.flush()


def _facility_values(facility: FacilityRecord) -> dict[str, Any]:
    values = {
        "name": facility.name,
        "kind": facility.kind,
        "timezone": facility.timezone,
        "beds": facility.beds,
        "address": facility.address,
    }
    return values if facility.street_id is None else {**values, "street_id": facility.street_id}


def _upsert(session: Session, model: type[Any], id_: str, values: Any) -> None:
    row = session.get(model, id_)
    if row is None:
        session.add(model(id=id_, **values))
        return
    for name, value in values.items():
        setattr(row, name, value)


def _event_by_id(session: Session, event_id: int) -> Event | None:
    if not 0 < event_id <= INT_MAX:
        return None
    return session.get(Event, event_id, options=[selectinload(Event.transitions)])


def _state_change(row: Camera, to_state: str, at: datetime) -> CameraStateChange:
    return CameraStateChange(camera_id=row.id, from_state=row.state, to_state=to_state, at=at)


def _require_camera(session: Session, camera_id: str) -> Camera:
    row = session.get(Camera, camera_id)
    if row is None:
        raise UnknownCamera(f"unknown camera {camera_id!r}; sync the topology first")
    return row


def _ended_at_epoch(event: SafetyEvent, end_s: float) -> float:
    return event.started_at + (end_s - event.start_s)


def _new_event_row(event: SafetyEvent, revision: int) -> Event:
    return Event(
        key=event.key,
        parent_key=event.parent_key,
        type=str(event.type),
        severity=str(event.severity),
        camera_id=event.camera_id,
        start_s=event.start_s,
        end_s=event.end_s,
        started_at=epoch_to_utc(event.started_at),
        ended_at=None if event.end_s is None else epoch_to_utc(_ended_at_epoch(event, event.end_s)),
        confidence=event.confidence,
        level=event.level,
        category=str(event.category),
        zone_id=event.zone_id,
        track_id=event.track_id,
        thresholds=dict(event.thresholds),
        model_versions=dict(event.model_versions),
        status=str(EventStatus.NEW),
        revision=revision,
        created_at=utc_now(),
        detected_at=None if event.detected_at is None else epoch_to_utc(event.detected_at),
    )


def _apply_end(row: Event, event: SafetyEvent) -> bool:
    """Apply a repeat of a known event; an open repeat never reopens an ended one."""
    end_s = row.end_s if event.end_s is None else event.end_s
    level = max(row.level, event.level)
    if (end_s, event.confidence, level) == (row.end_s, row.confidence, row.level):
        return False
    row.level = level
    row.end_s = end_s
    row.ended_at = None if end_s is None else epoch_to_utc(_ended_at_epoch(event, end_s))
    row.confidence = event.confidence
    return True


def _audit_transition(
    session: Session, row: Event, action: str, from_status: EventStatus, actor: str
) -> None:
    detail = {
        "action": action,
        "from_status": str(from_status),
        "to_status": row.status,
        "incident_id": row.incident_id,
    }
    append_audit(session, actor, "event_transition", "event", str(row.id), detail)


def _in_cameras(query: Select[Any], camera_ids: Collection[str] | None) -> Select[Any]:
    return query if camera_ids is None else query.where(Event.camera_id.in_(list(camera_ids)))


def _filtered(camera_id: str | None, status: EventStatus | str | None) -> Select[Event]:
    query = select(Event).options(selectinload(Event.transitions))
    if camera_id is not None:
        query = query.where(Event.camera_id == camera_id)
    if status is not None:
        query = query.where(Event.status == str(EventStatus(status)))
    return query

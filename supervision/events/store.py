"""EventStore: what the background writer needs: topology, new events, media, camera health."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from streams.health import CameraHealth
from supervision.config import IncidentConfig
from supervision.db import hold_lock
from supervision.events import overdue
from supervision.events.changes import ChangeKind, record_change
from supervision.events.from_rows import (
    epoch_to_utc,
)
from supervision.events.incidents import EventNotFound as EventNotFound
from supervision.events.incidents import assign_incident
from supervision.events.preload import event_by_key, remember
from supervision.events.push_routing import PushRouting
from supervision.events.views import (
    CameraRecord,
    EventStatus,
    FacilityRecord,
    StreetRecord,
)

# Re-exported: callers catch the workflow's errors from the store that raises them.
from supervision.events.workflow import TRANSITIONS as TRANSITIONS
from supervision.events.workflow import FamilyNoticeRequired as FamilyNoticeRequired
from supervision.events.workflow import InvalidTransition as InvalidTransition
from supervision.events.workflow import (
    next_revision,
)
from supervision.tables import (
    Camera,
    CameraStateChange,
    District,
    Event,
    Facility,
    Street,
    utc_now,
)
from vision.events import SafetyEvent


class UnknownCamera(LookupError):
    """The camera id is not in the database (sync the topology first)."""


class UnknownFacility(LookupError):
    """The facility id is not in the database."""


ESCALATION_ACTOR = overdue.SYSTEM_ACTOR  # history steps the system takes itself

PathLike = str | os.PathLike[str]


class EventStore:
    """The background writer's door to the supervision database; one per process, shared.

    Event writes are serialised by `write_session` (that keeps revisions unique and in commit
    order), across the processes that share a PostgreSQL database too. Everything else takes the
    caller's session: reads in `events.reads` and `events.search`, a person's steps in
    `events.incidents` (inside `write_session`).
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        incident_config: IncidentConfig | None = None,
        push_routing: PushRouting | None = None,
        node_id: str | None = None,
    ) -> None:
        self._sessions = sessions
        # The node this store writes for: its cameras and the events it records carry it.
        self.node_id = node_id
        self._incident_config = incident_config or IncidentConfig()
        # With it, each new incident, reminder and escalation owes its phone groups a push.
        self.push_routing = push_routing
        # Held through commit, so revisions become visible in the order they were given out.
        self._write_lock = threading.Lock()
        self._change_listeners: list[Callable[[], None]] = []

    @property
    def group_window_s(self) -> float:
        """How far apart the starts of one incident's events may be."""
        return self._incident_config.group_window_s

    @property
    def sessions(self) -> sessionmaker[Session]:
        """For other supervision modules (users, audit, ...) that share this database."""
        return self._sessions

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """One transaction under the event write lock; every event change goes through one.

        Take revisions for the rows changed with `next_revision(session)` inside it. The lock
        holds across processes on PostgreSQL (`db.hold_lock`).
        """
        with self._write_lock, self._sessions.begin() as session:
            hold_lock(session, "event-writes")
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
            hold_lock(session, "topology")  # processes starting at once upsert the same rows
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
                values |= {"source_kind": camera.source_kind}
                if self.node_id is not None:
                    values["node_id"] = self.node_id
                _upsert(session, Camera, camera.id, values)

    def record_event(self, event: SafetyEvent) -> int:
        """Insert a new event into its incident, or apply the end of a known one (same key).

        Returns the event's id; a new event joins an open incident or opens one
        (`supervision.events.grouping.choose_incident`).
        """
        with self.write_session() as session:
            row = self.record_in(session, event, self.node_id)
            session.flush()
            return row.id

    def record_in(
        self, session: Session, event: SafetyEvent, node_id: str | None, pushes: bool = True
    ) -> Event:
        """`record_event` inside the caller's `write_session`, for an event of `node_id`; the
        district centre takes the sites' events in so, without `pushes` (the site sent them)."""
        row = event_by_key(session, event.key)
        if row is None:
            camera = _require_camera(session, event.camera_id)
            row = _new_event_row(event, next_revision(session))
            row.node_id = node_id
            incident, opened = assign_incident(
                session, row, camera.facility_id, self.group_window_s
            )
            session.add(row)
            remember(session, row)
            record_change(session, row, ChangeKind.NEW, origin=_origin(node_id, self.node_id))
            if opened and pushes and self.push_routing is not None:
                self.push_routing.schedule(session, incident, "new")
        else:
            was_open = row.end_s is None
            if _apply_end(row, event):
                row.revision = next_revision(session)
                ended = was_open and row.end_s is not None
                kind = ChangeKind.ENDED if ended else ChangeKind.UPDATED
                record_change(session, row, kind, origin=_origin(node_id, self.node_id))
        return row

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


def _origin(node_id: str | None, here: str | None) -> str | None:
    """Where an event's change came from: None when this node made it."""
    return None if node_id == here else node_id


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
        transitions=[],  # known empty: nothing is read for them after the flush
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

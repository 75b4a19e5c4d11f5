"""EventStore: facilities, cameras, events and their workflow, each call one short transaction."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, get_args

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from streams.health import CameraHealth
from supervision.changes import ChangeKind, record_change
from supervision.records import (
    CameraRecord,
    CameraView,
    EventStatus,
    EventView,
    FacilityRecord,
    FamilyNotice,
    FamilyNoticeMethod,
    TransitionAction,
)
from supervision.tables import Camera, Event, EventTransition, Facility, utc_now
from supervision.views import camera_view, epoch_to_utc, event_view, facility_record
from vision.events import SafetyEvent

_OPEN = frozenset({EventStatus.NEW, EventStatus.ACKNOWLEDGED, EventStatus.ON_SCENE})
_CLOSED = frozenset({EventStatus.RESOLVED, EventStatus.FALSE_ALARM})

# action -> (statuses it applies to, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[EventStatus], EventStatus]] = {
    "acknowledge": (frozenset({EventStatus.NEW}), EventStatus.ACKNOWLEDGED),
    "on_scene": (frozenset({EventStatus.NEW, EventStatus.ACKNOWLEDGED}), EventStatus.ON_SCENE),
    "resolve": (_OPEN, EventStatus.RESOLVED),
    "false_alarm": (_OPEN, EventStatus.FALSE_ALARM),
    # A reopened event has been looked at already, so it does not raise a fresh alarm.
    "reopen": (_CLOSED, EventStatus.ACKNOWLEDGED),
}


class EventNotFound(LookupError):
    """No event with that id or key."""


class UnknownCamera(LookupError):
    """The camera id is not in the database (sync the topology first)."""


class UnknownFacility(LookupError):
    """The facility id is not in the database."""


class InvalidTransition(ValueError):
    """The action does not apply to the event's current status."""


class FamilyNoticeRequired(ValueError):
    """Resolving a fall (or its long lie) needs the family notification's time, method and who."""


ESCALATION_ACTOR = "carewatch"  # history steps the system takes itself

# A resident who fell: the family must be told, and closing the event records how.
FAMILY_NOTICE_TYPES = frozenset({"fall", "long_lie"})


PathLike = str | os.PathLike[str]

# Ids and revisions are INTEGER columns: 32 bits on PostgreSQL, so a larger number names no row.
INT_MAX = 2**31 - 1


class EventStore:
    """Reads and writes the supervision database; share one per process between threads.

    Event writes are serialised here (that keeps revisions unique and in commit order), so
    one process writes events; any number may read.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        # Held through commit, so revisions become visible in the order they were given out.
        self._write_lock = threading.Lock()

    @property
    def sessions(self) -> sessionmaker[Session]:
        """For other supervision modules (users, audit, ...) that share this database."""
        return self._sessions

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._write_lock, self._sessions.begin() as session:
            yield session

    def sync_topology(
        self, facilities: Sequence[FacilityRecord], cameras: Sequence[CameraRecord]
    ) -> None:
        """Upsert configured facilities and cameras; ones no longer configured stay for history."""
        with self._sessions.begin() as session:
            for facility in facilities:
                values = {"name": facility.name, "kind": facility.kind}
                _upsert(session, Facility, facility.id, {**values, "timezone": facility.timezone})
            session.flush()
            for camera in cameras:
                if session.get(Facility, camera.facility_id) is None:
                    raise UnknownFacility(
                        f"camera {camera.id!r} names unknown facility {camera.facility_id!r}"
                    )
                values = {"facility_id": camera.facility_id, "name": camera.name}
                _upsert(session, Camera, camera.id, {**values, "source_kind": camera.source_kind})

    def record_event(self, event: SafetyEvent) -> int:
        """Insert a new event, or apply the end of a known one (same key); returns its id."""
        with self._write() as session:
            row = session.scalar(select(Event).where(Event.key == event.key))
            if row is None:
                _require_camera(session, event.camera_id)
                row = _new_event_row(event, _next_revision(session))
                session.add(row)
                record_change(session, row, ChangeKind.NEW)
            else:
                was_open = row.end_s is None
                if _apply_end(row, event):
                    row.revision = _next_revision(session)
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
        with self._write() as session:
            row = session.scalar(select(Event).where(Event.key == event_key))
            if row is None:
                raise EventNotFound(f"no event with key {event_key!r}")
            if snapshot_path is not None:
                row.snapshot_path = os.fspath(snapshot_path)
            if clip_path is not None:
                row.clip_path = os.fspath(clip_path)
            if clip_start_s is not None:
                row.clip_start_s = clip_start_s
            row.revision = _next_revision(session)
            return row.id

    def update_camera_health(self, health: CameraHealth) -> None:
        with self._sessions.begin() as session:
            row = _require_camera(session, health.camera_id)
            row.state = str(health.state)
            row.last_frame_at = (
                None if health.last_frame_at is None else epoch_to_utc(health.last_frame_at)
            )
            row.fps = health.fps
            row.frames_read = health.frames_read
            row.frames_dropped = health.frames_dropped
            row.reconnects = health.reconnects
            row.last_error = health.error
            row.updated_at = utc_now()

    def transition(
        self,
        event_id: int,
        action: TransitionAction,
        actor: str,
        note: str | None = None,
        family: FamilyNotice | None = None,
    ) -> EventView:
        """Move an event along its workflow and record who did it and when.

        Raises FamilyNoticeRequired when a fall is resolved without `family`.
        """
        allowed_from, to_status = _rule_for(action)
        if not actor.strip():
            raise ValueError("actor must not be empty")
        _require_storable(actor=actor, note=note)
        with self._write() as session:
            row = _event_by_id(session, event_id)
            if row is None:
                raise EventNotFound(f"no event with id {event_id}")
            current = EventStatus(row.status)
            if current not in allowed_from:
                expected = ", ".join(sorted(allowed_from))
                raise InvalidTransition(
                    f"cannot {action} event {event_id}: it is {current}, expected {expected}"
                )
            if to_status == EventStatus.RESOLVED and row.type in FAMILY_NOTICE_TYPES and not family:
                raise FamilyNoticeRequired(
                    f"resolving {row.type} event {event_id} needs the family notification: "
                    f"when, how ({', '.join(get_args(FamilyNoticeMethod))}) and by whom"
                )
            step = _set_status(row, current, to_status, actor, note, family)
            row.revision = _next_revision(session)
            record_change(session, row, ChangeKind.TRANSITION, step)
            session.flush()
            return event_view(row)

    def escalate_overdue(
        self, street_after_s: float, district_after_s: float, now: datetime | None = None
    ) -> list[EventView]:
        """Raise new (unacknowledged) events to the street, then the district, when overdue.

        Each raise is one history step by `ESCALATION_ACTOR` and a new revision, so the
        dashboard's feed shows it; events already raised that far are left alone.
        """
        now = now or utc_now()
        district_before = now - timedelta(seconds=district_after_s)
        raised: list[EventView] = []
        with self._write() as session:
            revision = _latest_revision(session)
            for row in _overdue(session, now - timedelta(seconds=street_after_s)):
                to_district = row.started_at <= district_before
                level, after_s = (
                    ("district", district_after_s) if to_district else ("street", street_after_s)
                )
                if row.escalated_to == level:
                    continue
                note = f"escalated to the {level}: not acknowledged within {after_s:g} s"
                step = _set_status(row, EventStatus.NEW, EventStatus.NEW, ESCALATION_ACTOR, note)
                row.escalated_to = level
                revision += 1
                row.revision = revision
                record_change(session, row, ChangeKind.ESCALATED, step, escalated_to=level)
                session.flush()
                raised.append(event_view(row))
        return raised

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
    ) -> list[EventView]:
        """Events newest first (by `started_at`).

        With `since_revision`, the `limit` earliest changes after it are returned, so a poller
        that continues from the largest `revision` it got misses nothing.
        """
        if limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        _require_storable(camera_id=camera_id)
        query = _filtered(camera_id, status)
        if since_revision is None:
            query = query.order_by(Event.started_at.desc(), Event.id.desc())
        else:
            since = min(max(since_revision, 0), INT_MAX)
            query = query.where(Event.revision > since).order_by(Event.revision)
        with self._sessions() as session:
            views = [event_view(row) for row in session.scalars(query.limit(limit)).all()]
        return sorted(views, key=lambda view: (view.started_at, view.id), reverse=True)

    def latest_revision(self) -> int:
        with self._sessions() as session:
            return _latest_revision(session)

    def list_cameras(self) -> list[CameraView]:
        with self._sessions() as session:
            rows = session.scalars(select(Camera).order_by(Camera.facility_id, Camera.id))
            return [camera_view(row) for row in rows]

    def list_facilities(self) -> list[FacilityRecord]:
        with self._sessions() as session:
            rows = session.scalars(select(Facility).order_by(Facility.id))
            return [facility_record(row) for row in rows]


def _upsert(session: Session, model: type[Facility | Camera], id_: str, values: Any) -> None:
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


def _require_storable(**texts: str | None) -> None:
    # PostgreSQL text cannot hold NUL; refuse it on every backend alike.
    for name, text in texts.items():
        if text is not None and "\x00" in text:
            raise ValueError(f"{name} must not contain NUL characters")


def _require_camera(session: Session, camera_id: str) -> Camera:
    row = session.get(Camera, camera_id)
    if row is None:
        raise UnknownCamera(f"unknown camera {camera_id!r}; sync the topology first")
    return row


def _overdue(session: Session, started_before: datetime) -> list[Event]:
    """New events started before then and not yet raised to the district."""
    query = (
        select(Event)
        .where(Event.status == str(EventStatus.NEW), Event.started_at <= started_before)
        .where(Event.escalated_to.is_(None) | (Event.escalated_to != "district"))
        .options(selectinload(Event.transitions))
        .order_by(Event.started_at)
    )
    return list(session.scalars(query))


def _latest_revision(session: Session) -> int:
    return session.scalar(select(func.coalesce(func.max(Event.revision), 0))) or 0


def _next_revision(session: Session) -> int:
    return _latest_revision(session) + 1


def _rule_for(action: str) -> tuple[frozenset[EventStatus], EventStatus]:
    rule = TRANSITIONS.get(action)
    if rule is None:
        raise InvalidTransition(f"unknown action {action!r}; expected one of {sorted(TRANSITIONS)}")
    return rule


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


def _set_status(
    row: Event,
    current: EventStatus,
    to_status: EventStatus,
    actor: str,
    note: str | None,
    family: FamilyNotice | None = None,
) -> EventTransition:
    now = utc_now()
    step = EventTransition(
        from_status=str(current), to_status=str(to_status), actor=actor, note=note, at=now
    )
    if family is not None:
        step.family_notified_at = family.notified_at
        step.family_notify_method = family.method
        step.family_notified_by = family.by
    row.transitions.append(step)
    row.status = str(to_status)
    row.status_by = actor
    row.status_at = now
    row.status_note = note
    return step


def _filtered(camera_id: str | None, status: EventStatus | str | None) -> Select[Event]:
    query = select(Event).options(selectinload(Event.transitions))
    if camera_id is not None:
        query = query.where(Event.camera_id == camera_id)
    if status is not None:
        query = query.where(Event.status == str(EventStatus(status)))
    return query

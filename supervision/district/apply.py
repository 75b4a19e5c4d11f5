"""The centre applies a site's change to its own database: once, whatever is redelivered."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from supervision.events.changes import ChangeKind, record_change
from supervision.events.incidents import after_event_step
from supervision.events.preload import event_by_key, preload
from supervision.events.store import EventStore
from supervision.events.views import EventStatus, TransitionAction
from supervision.events.workflow import next_revision
from supervision.tables import (
    Camera,
    CameraStateChange,
    Event,
    EventTransition,
    Facility,
    SiteChange,
    utc_now,
)
from vision.events import Category, EventType, SafetyEvent, Severity

log = logging.getLogger(__name__)
# How far along the workflow a status is: steps taken at a site and at the centre during a
# cut are both kept, and the event stands at the most advanced.
_PROGRESS = {
    EventStatus.NEW: 0,
    EventStatus.ACKNOWLEDGED: 1,
    EventStatus.ON_SCENE: 2,
    EventStatus.RESOLVED: 3,
    EventStatus.FALSE_ALARM: 3,
}
_ACTIONS: dict[EventStatus, TransitionAction] = {
    EventStatus.ACKNOWLEDGED: "acknowledge",  # a reopen, too: it moves nothing back here
    EventStatus.ON_SCENE: "on_scene",
    EventStatus.RESOLVED: "resolve",
    EventStatus.FALSE_ALARM: "false_alarm",
}
_EVENT_KINDS = {ChangeKind.NEW, ChangeKind.ENDED, ChangeKind.UPDATED}


@dataclass(frozen=True, slots=True)
class _Change:
    node_id: str  # the node that made it
    revision: int  # its revision there
    kind: ChangeKind
    payload: dict[str, Any]


def apply_changes(store: EventStore, session: Session, taken: Sequence[tuple[str, bytes]]) -> int:
    """Apply changes other nodes made (`taken`: (node id, message body); a site's at the
    centre, the centre's steps at a site) in the caller's `write_session`; returns how many
    were new (the rest were applied before: a redelivery).

    What the batch touches is read once. What the sites detected goes in first, then the
    people's steps, each in the order made: a step names its events by id, and one flush
    gives the batch's new events theirs.
    """
    changes = _fresh(session, [_parse(node_id, body) for node_id, body in taken])
    detected = [change for change in changes if change.kind in _EVENT_KINDS]
    _preload(session, changes, detected, store.group_window_s)
    named = {(c.payload["camera_id"], c.payload["facility_id"], c.node_id) for c in detected}
    cameras = [ensure_camera(session, node, camera, home) for camera, home, node in named]
    for change in detected:
        event = _safety_event(change.payload["camera_id"], change.payload["event"])
        row = store.record_in(session, event, change.node_id, pushes=False)
        _apply_media(session, change.node_id, row, change.payload["event"])
    session.flush()
    for change in changes:
        if change.kind not in _EVENT_KINDS:
            _apply_step(session, change)
    del cameras  # held until here: the session keeps rows only while something refers to them
    return len(changes)


def _parse(node_id: str, body: bytes) -> _Change:
    payload: dict[str, Any] = json.loads(body)
    kind = ChangeKind(payload["kind"].removeprefix("event."))
    return _Change(node_id, int(payload["revision"]), kind, payload)


def _fresh(session: Session, changes: list[_Change]) -> list[_Change]:
    """The changes not applied before, each once, marked applied."""
    seen: set[tuple[str, int]] = set()
    for node_id in {change.node_id for change in changes}:
        revisions = [change.revision for change in changes if change.node_id == node_id]
        query = select(SiteChange.revision).where(
            SiteChange.node_id == node_id, SiteChange.revision.in_(revisions)
        )
        seen.update((node_id, revision) for revision in session.scalars(query))
    fresh = []
    for change in changes:
        if (change.node_id, change.revision) not in seen:
            seen.add((change.node_id, change.revision))
            fresh.append(change)
    now = utc_now()
    session.add_all(
        SiteChange(node_id=change.node_id, revision=change.revision, applied_at=now)
        for change in fresh
    )
    return fresh


def _preload(
    session: Session, changes: list[_Change], detected: list[_Change], window_s: float
) -> None:
    """The batch's events, and the incidents its detections may join, in a few reads."""
    fields = [change.payload["event"] for change in changes]
    keys = {field["key"] for field in fields}
    keys |= {field["parent_key"] for field in fields if field["parent_key"] is not None}
    starts = [_moment(change.payload["event"]["started_at"]) for change in detected]
    if not starts:  # steps only: their events
        preload(session, keys, (), utc_now(), utc_now())
        return
    window = timedelta(seconds=window_s)
    cameras = {change.payload["camera_id"] for change in detected}
    preload(session, keys, cameras, min(starts) - window, max(starts) + window)


def ensure_camera(session: Session, node_id: str, camera_id: str, facility_id: str) -> Camera:
    """A site's camera as the centre knows it; one it did not know yet is added (nothing a
    site sends is dropped for want of a row)."""
    camera = session.get(Camera, camera_id)
    if camera is not None:
        camera.node_id = node_id
        return camera
    if session.get(Facility, facility_id) is None:
        log.warning(
            "facility %s (of site %s) is not configured at the centre", facility_id, node_id
        )
        session.add(Facility(id=facility_id, name=facility_id))
        session.flush()
    camera = Camera(
        id=camera_id, facility_id=facility_id, name=camera_id, source_kind="site", node_id=node_id
    )
    session.add(camera)
    session.flush()
    return camera


def set_camera_state(session: Session, camera_id: str, state: str, at: datetime) -> None:
    camera = session.get_one(Camera, camera_id)
    if camera.state != state:
        session.add(
            CameraStateChange(camera_id=camera_id, from_state=camera.state, to_state=state, at=at)
        )
        camera.state, camera.updated_at = state, at
        camera.last_error = None


def _apply_media(session: Session, node_id: str, row: Event, fields: dict[str, Any]) -> None:
    """Where the site's snapshot and clip are in the object store. The centre serves each
    from its own media folder under the same key, fetched there on first read."""
    objects = fields.get("media_objects") or {}
    changed = False
    for kind in ("snapshot", "clip"):
        key = objects.get(f"{kind}_object")
        if key is not None and getattr(row, f"{kind}_object") != key:
            setattr(row, f"{kind}_object", key)
            setattr(row, f"{kind}_sha256", objects.get(f"{kind}_sha256"))
            setattr(row, f"{kind}_path", key)
            changed = True
    if changed:
        row.clip_start_s = fields.get("clip_start_s")
        row.revision = next_revision(session)
        record_change(session, row, ChangeKind.UPDATED, origin=node_id)


def _safety_event(camera_id: str, fields: dict[str, Any]) -> SafetyEvent:
    return SafetyEvent(
        type=EventType(fields["type"]),
        severity=Severity(fields["severity"]),
        camera_id=camera_id,
        start_s=float(fields["start_s"]),
        end_s=None if fields["end_s"] is None else float(fields["end_s"]),
        started_at=_epoch(fields["started_at"]),
        confidence=float(fields["confidence"]),
        track_id=fields["track_id"],
        key=fields["key"],
        parent_key=fields["parent_key"],
        level=int(fields["level"]),
        category=Category(fields["category"]),
        zone_id=fields["zone_id"],
        detected_at=None if fields.get("detected_at") is None else _epoch(fields["detected_at"]),
    )


def _apply_step(session: Session, change: _Change) -> None:
    """Append the site's step (history is append-only) and move the event, and its incident,
    to the most advanced status."""
    node_id, kind = change.node_id, change.kind
    fields, step = change.payload["event"], change.payload["transition"]
    row = event_by_key(session, fields["key"])
    if row is None:
        raise LookupError(f"site {node_id}: a step of event {fields['key']} before the event")
    to_status = EventStatus(step["to_status"])
    family = step.get("family") or {}
    notified = family.get("notified_at")
    transition = EventTransition(
        event=row,
        from_status=step["from_status"],
        to_status=str(to_status),
        actor=step["actor"],
        note=step["note"],
        at=_moment(step["at"]),
        family_notified_at=None if notified is None else _moment(notified),
        family_notify_method=family.get("method"),
        family_notified_by=family.get("by"),
    )
    session.add(transition)
    if _PROGRESS[to_status] > _PROGRESS[EventStatus(row.status)]:
        row.status = str(to_status)
    if kind is ChangeKind.TRANSITION:
        after_event_step(row, _ACTIONS[to_status], transition.actor)  # the incident's history
    else:
        row.escalated_to = step.get("escalated_to")
    row.revision = next_revision(session)
    record_change(session, row, kind, transition, step.get("escalated_to"), origin=node_id)


def _moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def _epoch(iso: str) -> float:
    return _moment(iso).timestamp()

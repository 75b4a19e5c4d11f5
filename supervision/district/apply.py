"""The centre applies a site's change to its own database: once, whatever is redelivered."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from supervision.events.changes import ChangeKind, record_change
from supervision.events.incidents import after_event_step
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


def apply_change(store: EventStore, session: Session, node_id: str, body: bytes) -> bool:
    """Apply one change `node_id` made (a site's, at the centre; the centre's steps, at the
    site) in the caller's `write_session`; False when it was applied before (a redelivery)."""
    payload: dict[str, Any] = json.loads(body)
    revision = int(payload["revision"])
    if session.get(SiteChange, (node_id, revision)) is not None:
        return False
    session.add(SiteChange(node_id=node_id, revision=revision, applied_at=utc_now()))
    fields = payload["event"]
    kind = ChangeKind(payload["kind"].removeprefix("event."))
    if kind in _EVENT_KINDS:  # only sites detect events
        ensure_camera(session, node_id, payload["camera_id"], payload["facility_id"])
        event = _safety_event(payload["camera_id"], fields)
        row = session.get_one(Event, store.record_in(session, event, node_id, pushes=False))
        _apply_media(session, node_id, row, fields)
    else:
        _apply_step(session, node_id, fields, payload["transition"], kind)
    return True


def ensure_camera(session: Session, node_id: str, camera_id: str, facility_id: str) -> None:
    """A site's camera as the centre knows it; one it did not know yet is added (nothing a
    site sends is dropped for want of a row)."""
    camera = session.get(Camera, camera_id)
    if camera is not None:
        camera.node_id = node_id
        return
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


def _apply_step(
    session: Session, node_id: str, fields: dict[str, Any], step: dict[str, Any], kind: ChangeKind
) -> None:
    """Append the site's step (history is append-only) and move the event, and its incident,
    to the most advanced status."""
    row = session.scalar(select(Event).where(Event.key == fields["key"]))
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

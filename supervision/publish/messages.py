"""Messages published to other systems: one per journalled change, JSON, signed for webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from supervision.events.changes import ChangeKind, ChangeView
from supervision.events.views import EventView, TransitionView

SCHEMA = "carewatch.publish/1"
SIGNATURE_PREFIX = "sha256="
# Changes a person or the escalation made go to `/transitions`; the detector's to `/events`.
_STEP_KINDS = frozenset({ChangeKind.TRANSITION, ChangeKind.ESCALATED})


@dataclass(frozen=True, slots=True)
class Message:
    """A message ready to send: `body` is the exact bytes that are signed and delivered."""

    id: str  # "<event id>-<revision>": the same change always has the same id
    kind: str  # event.new, event.ended, event.updated, event.transition, event.escalated
    revision: int
    facility_id: str
    camera_id: str
    body: bytes
    origin: str | None = None  # the district node the change was taken in from; None: here
    node_id: str | None = None  # the node that analysed the event

    @property
    def channel(self) -> str:
        """`events` or `transitions`: the last MQTT topic level."""
        is_step = self.kind.removeprefix("event.") in _STEP_KINDS
        return "transitions" if is_step else "events"


def build_messages(changes: Iterable[ChangeView]) -> list[Message]:
    return [build_message(change) for change in changes]


def build_message(change: ChangeView) -> Message:
    """The message for one change; a history step's kind needs its transition."""
    if (change.kind in _STEP_KINDS) != (change.transition is not None):
        raise ValueError(
            f"change {change.revision} ({change.kind}): a transition belongs to exactly "
            "the transition and escalated kinds"
        )
    message_id = f"{change.event.id}-{change.revision}"
    kind = f"event.{change.kind}"
    payload = {
        "schema": SCHEMA,
        "id": message_id,
        "kind": kind,
        "revision": change.revision,
        "facility_id": change.facility_id,
        "camera_id": change.event.camera_id,
        "node_id": change.event.node_id,
        "origin": change.origin,
        "event": _event_fields(change.event),
        "transition": _transition_fields(change.transition, change.escalated_to),
    }
    body = encode(payload)
    return Message(
        message_id,
        kind,
        change.revision,
        change.facility_id,
        change.event.camera_id,
        body,
        change.origin,
        change.event.node_id,
    )


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(body: bytes, secret: str) -> str:
    """The `X-Carewatch-Signature` value: HMAC-SHA256 of the body, hex, with its prefix."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify(body: bytes, secret: str, signature: str | None) -> bool:
    """What a receiver checks (in constant time) before trusting a webhook."""
    return signature is not None and hmac.compare_digest(sign(body, secret), signature)


def topic(prefix: str, message: Message) -> str:
    return f"{prefix}/{message.facility_id}/{message.camera_id}/{message.channel}"


def _event_fields(view: EventView) -> dict[str, Any]:
    return {
        "id": view.id,
        "key": view.key,
        "parent_key": view.parent_key,
        "type": view.type,
        "category": view.category,
        "severity": view.severity,
        "level": view.level,
        "confidence": view.confidence,
        "track_id": view.track_id,
        "zone_id": view.zone_id,
        "start_s": view.start_s,
        "end_s": view.end_s,
        "started_at": _iso(view.started_at),
        "ended_at": _iso(view.ended_at),
        "detected_at": _iso(view.detected_at),
        "status": str(view.status),
        "escalated_to": view.escalated_to,
        "has_snapshot": view.snapshot_path is not None,
        "has_clip": view.clip_path is not None,
        "clip_start_s": view.clip_start_s,
        "media_objects": None if view.media_objects is None else asdict(view.media_objects),
    }


def _transition_fields(
    step: TransitionView | None, escalated_to: str | None
) -> dict[str, Any] | None:
    if step is None:
        return None
    family = step.family
    return {
        "from_status": str(step.from_status),
        "to_status": str(step.to_status),
        "actor": step.actor,
        "note": step.note,
        "at": _iso(step.at),
        "escalated_to": escalated_to,
        "family": None
        if family is None
        else {"notified_at": _iso(family.notified_at), "method": family.method, "by": family.by},
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")

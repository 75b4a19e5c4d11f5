"""Published messages: one per change, a stable schema, an id per change, a signed body."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from supervision.events.changes import ChangeKind, ChangeView
from supervision.events.views import EventStatus, EventView, FamilyNotice, TransitionView
from supervision.publish.messages import SCHEMA, build_message, build_messages, sign, topic, verify

STARTED = datetime(2026, 11, 23, 8, 0, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 23, 8, 0, 30, tzinfo=UTC)
EVENT = EventView(
    id=7,
    key="cam-1:fall:3:100",
    parent_key=None,
    type="fall",
    severity="critical",
    camera_id="cam-1",
    start_s=10.0,
    end_s=None,
    started_at=STARTED,
    ended_at=None,
    confidence=0.9,
    level=1,
    category="falls",
    zone_id=None,
    track_id=3,
    snapshot_path="snap.jpg",
    clip_path=None,
    clip_start_s=None,
    thresholds={"fall_drop_ratio": 0.4},
    model_versions={"pose": "movenet"},
    status=EventStatus.NEW,
    status_by=None,
    status_at=None,
    status_note=None,
    escalated_to=None,
    revision=12,
    created_at=STARTED,
    transitions=(),
)
ACK = TransitionView(EventStatus.NEW, EventStatus.ACKNOWLEDGED, "officer", "on my way", LATER)
RESOLVE = TransitionView(
    EventStatus.ON_SCENE,
    EventStatus.RESOLVED,
    "officer",
    None,
    LATER,
    FamilyNotice(LATER, "phone", "nurse"),
)
RAISE = TransitionView(EventStatus.NEW, EventStatus.NEW, "carewatch", "to the street", LATER)
ENDED = dataclasses.replace(EVENT, end_s=25.0, ended_at=LATER)


def change(kind: ChangeKind, event: EventView = EVENT, **fields: Any) -> ChangeView:
    return ChangeView(revision=12, kind=kind, facility_id="fac-1", event=event, **fields)


@pytest.mark.parametrize(
    ("item", "kind", "channel", "expected_event", "expected_transition"),
    [
        (change(ChangeKind.NEW), "event.new", "events", {"end_s": None, "status": "new"}, None),
        (
            change(ChangeKind.ENDED, ENDED),
            "event.ended",
            "events",
            {"end_s": 25.0, "ended_at": "2026-11-23T08:00:30Z"},
            None,
        ),
        (
            change(ChangeKind.UPDATED, dataclasses.replace(EVENT, level=2)),
            "event.updated",
            "events",
            {"level": 2},
            None,
        ),
        (
            change(ChangeKind.TRANSITION, transition=ACK),
            "event.transition",
            "transitions",
            {},
            {"from_status": "new", "to_status": "acknowledged", "note": "on my way"},
        ),
        (
            change(ChangeKind.TRANSITION, transition=RESOLVE),
            "event.transition",
            "transitions",
            {},
            {"family": {"notified_at": "2026-11-23T08:00:30Z", "method": "phone", "by": "nurse"}},
        ),
        (
            change(ChangeKind.ESCALATED, transition=RAISE, escalated_to="street"),
            "event.escalated",
            "transitions",
            {},
            {"actor": "carewatch", "escalated_to": "street", "at": "2026-11-23T08:00:30Z"},
        ),
    ],
    ids=["new", "ended", "updated", "acknowledged", "resolved-with-family", "escalated"],
)
def test_message_for_each_kind_of_change(
    item: ChangeView,
    kind: str,
    channel: str,
    expected_event: dict[str, Any],
    expected_transition: dict[str, Any] | None,
) -> None:
    message = build_message(item)
    payload = json.loads(message.body)
    assert (message.id, message.kind, message.revision, message.channel) == (
        "7-12",
        kind,
        12,
        channel,
    )
    assert payload["schema"] == SCHEMA and payload["id"] == "7-12" and payload["kind"] == kind
    assert (payload["facility_id"], payload["camera_id"]) == ("fac-1", "cam-1")
    assert payload["event"]["started_at"] == "2026-11-23T08:00:00Z"
    assert payload["event"]["has_snapshot"] is True and payload["event"]["has_clip"] is False
    assert expected_event.items() <= payload["event"].items()
    if expected_transition is None:
        assert payload["transition"] is None
    else:
        assert expected_transition.items() <= payload["transition"].items()
    assert topic("district/carewatch", message) == f"district/carewatch/fac-1/cam-1/{channel}"


def test_every_message_has_the_same_keys() -> None:
    keys = {
        frozenset(json.loads(build_message(c).body))
        for c in (change(ChangeKind.NEW), change(ChangeKind.TRANSITION, transition=ACK))
    }
    assert keys == {
        frozenset(
            {
                *("schema", "id", "kind", "revision", "facility_id", "camera_id"),
                *("node_id", "origin", "event", "transition"),
            }
        )
    }


def test_no_changes_no_messages() -> None:
    assert build_messages([]) == []


@pytest.mark.parametrize(
    "item",
    [change(ChangeKind.TRANSITION), change(ChangeKind.NEW, transition=ACK)],
    ids=["step-without-transition", "new-with-transition"],
)
def test_a_transition_belongs_to_step_kinds_only(item: ChangeView) -> None:
    with pytest.raises(ValueError, match="transition belongs"):
        build_message(item)


@pytest.mark.parametrize(
    ("body", "secret", "signature", "valid"),
    [
        (b'{"a":1}', "s" * 16, sign(b'{"a":1}', "s" * 16), True),
        (b"", "s" * 16, sign(b"", "s" * 16), True),
        (b'{"a":2}', "s" * 16, sign(b'{"a":1}', "s" * 16), False),
        (b'{"a":1}', "t" * 16, sign(b'{"a":1}', "s" * 16), False),
        (b'{"a":1}', "s" * 16, None, False),
    ],
    ids=["valid", "empty-body", "edited-body", "other-secret", "missing"],
)
def test_signature(body: bytes, secret: str, signature: str | None, valid: bool) -> None:
    assert verify(body, secret, signature) is valid
    if signature is not None:
        assert signature.startswith("sha256=") and len(signature) == 7 + 64

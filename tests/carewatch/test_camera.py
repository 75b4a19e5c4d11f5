"""Which events get a clip, and how camera health becomes camera_offline events."""

from __future__ import annotations

import pytest

from carewatch.camera import health_event, needs_clip
from streams.health import CameraHealth, CameraState
from vision.events import EventType, SafetyEvent, Severity


def event(kind: EventType, end_s: float | None, level: int = 1) -> SafetyEvent:
    return SafetyEvent(kind, Severity.CRITICAL, "cam", 1.0, end_s, 0.0, 0.9, level=level)


@pytest.mark.parametrize(
    ("item", "clip"),
    [
        (event(EventType.FALL, 2.0), True),
        (event(EventType.LONG_LIE, None), True),
        (event(EventType.LONG_LIE, None, level=2), False),
        (event(EventType.LONG_LIE, 9.0), False),
        (event(EventType.CAMERA_OFFLINE, None), False),
    ],
    ids=["fall", "long lie starts", "long lie escalates", "long lie ends", "camera offline"],
)
def test_needs_clip(item: SafetyEvent, clip: bool) -> None:
    assert needs_clip(item) is clip


def health(state: CameraState) -> CameraHealth:
    return CameraHealth("cam", state, None, 0.0, 0, 0, 0, "refused")


def test_offline_opens_and_online_closes_one_event() -> None:
    opened = health_event(health(CameraState.OFFLINE), None)
    assert opened is not None and opened.is_open and opened.type is EventType.CAMERA_OFFLINE
    assert health_event(health(CameraState.OFFLINE), opened.key) is None
    assert health_event(health(CameraState.STALLED), opened.key) is None
    closed = health_event(health(CameraState.ONLINE), opened.key)
    assert closed is not None and closed.key == opened.key and not closed.is_open
    assert health_event(health(CameraState.ONLINE), None) is None

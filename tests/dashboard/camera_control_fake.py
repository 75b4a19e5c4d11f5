"""A CameraControl for dashboard tests: checks only what the routes read, runs nothing.

The real one (carewatch/run/camera_control.py) is tested in tests/carewatch over real cameras.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import cv2

from dashboard.camera_control import ClipReplay, ReplayClip, ReplayResult
from dashboard.live import StaticLiveFeed
from tests.dashboard.media_helpers import draw_picture

SOURCE_TYPES = ("file", "url", "usb", "demo")
SCHEMA = {
    "title": "CameraConfig",
    "type": "object",
    "required": ["id", "name", "facility", "source"],
    "properties": {
        "id": {"type": "string", "description": "Stable camera id."},
        "name": {"type": "string", "description": "Display name."},
        "facility": {"type": "string", "description": "Facility id."},
        "source": {"type": "object", "description": "Where frames come from."},
    },
}


def camera_config(camera_id: str = "cam-1", **changes: Any) -> dict[str, Any]:
    """A configuration the fake accepts."""
    config = {
        "id": camera_id,
        "name": "Corridor",
        "facility": "fac-1",
        "source": {"type": "demo"},
        "fall": {"confirm_s": 1.0},
        "zones": [],
    }
    return {**config, **changes}


def _jpeg(image: Any) -> bytes:
    ok, encoded = cv2.imencode(".jpg", image)
    assert ok
    return bytes(encoded.tobytes())


class FakeCameraControl:
    """Applies configurations to a dict; pictures come from a StaticLiveFeed."""

    def __init__(self, live: StaticLiveFeed) -> None:
        self.live = live
        self.applied: dict[str, dict[str, Any]] = {}
        self.refuse: str | None = None  # set: apply raises ValueError with this reason

    def schema(self) -> dict[str, Any]:
        return SCHEMA

    def validate(self, config: Mapping[str, Any]) -> dict[str, Any]:
        for name in ("id", "name", "facility"):
            value = config.get(name)
            if not isinstance(value, str) or not value or "\x00" in value:
                raise ValueError(f"{name}: Field required")
        source = config.get("source")
        if not isinstance(source, Mapping) or source.get("type") not in SOURCE_TYPES:
            raise ValueError("source: Input tag does not match any of the expected tags")
        return dict(config)

    def apply(self, camera_id: str, config: Mapping[str, Any]) -> None:
        if self.refuse is not None:
            raise ValueError(self.refuse)
        self.applied[camera_id] = dict(config)

    def test_source(self, source: Mapping[str, Any]) -> bytes:
        if source.get("type") != "demo":
            raise ValueError(f"source: cannot open {source.get('type')!r}")
        return _jpeg(draw_picture())

    def snapshot(self, camera_id: str) -> bytes | None:
        image = self.live.latest_frame(camera_id)
        return None if image is None else _jpeg(image)

    def replay(
        self, camera_id: str, config: Mapping[str, Any], clips: Sequence[ReplayClip]
    ) -> ReplayResult:
        replays = [ClipReplay(clip.event_id, clip.clip_path, []) for clip in clips]
        return ReplayResult.of(camera_id, replays, 0.0)

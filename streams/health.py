"""Camera health states and the snapshot record the reader publishes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CameraState(StrEnum):
    STARTING = "starting"
    ONLINE = "online"
    STALLED = "stalled"
    OFFLINE = "offline"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class CameraHealth:
    """What is known about a camera's feed right now."""

    camera_id: str
    state: CameraState
    last_frame_at: float | None
    fps: float
    frames_read: int
    frames_dropped: int
    reconnects: int
    error: str | None = None

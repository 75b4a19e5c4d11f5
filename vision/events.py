"""The SafetyEvent record that analytics emit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class EventType(StrEnum):
    FALL = "fall"
    LONG_LIE = "long_lie"
    CAMERA_OFFLINE = "camera_offline"
    CAMERA_ONLINE = "camera_online"


def new_event_key() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class SafetyEvent:
    """One detected condition on one camera.

    `start_s`/`end_s` are video time (seconds from the source start); `started_at` is the
    wall-clock epoch time of the frame that started it. `end_s` is None while the condition
    lasts; the same `key` is emitted again with `end_s` set when it ends. `parent_key` links
    an event to the one it follows from (a long lie to its fall).
    """

    type: EventType
    severity: Severity
    camera_id: str
    start_s: float
    end_s: float | None
    started_at: float
    confidence: float
    track_id: int | None = None
    key: str = field(default_factory=new_event_key)
    parent_key: str | None = None
    level: int = 1  # escalation level: a repeat of the same key with a higher level re-alerts
    thresholds: dict[str, float] = field(default_factory=dict)
    model_versions: dict[str, str] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.end_s is None

    def to_json_dict(self) -> dict[str, Any]:
        """The `analyze --json` line (DESIGN.md contract)."""
        return {
            "type": str(self.type),
            "start_s": round(self.start_s, 3),
            "end_s": None if self.end_s is None else round(self.end_s, 3),
            "confidence": round(self.confidence, 3),
            "track_id": self.track_id,
            "severity": str(self.severity),
            "camera": self.camera_id,
        }

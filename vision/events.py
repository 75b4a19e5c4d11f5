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
    FIRE = "fire"
    SMOKE = "smoke"
    EXIT_BLOCKED = "exit_blocked"
    INTRUSION = "intrusion"
    WANDERING = "wandering"
    BED_EXIT = "bed_exit"
    UNDERSTAFFED = "understaffed"
    CAMERA_OFFLINE = "camera_offline"
    CAMERA_COVERED = "camera_covered"
    CAMERA_DEFOCUSED = "camera_defocused"
    CAMERA_MOVED = "camera_moved"


class Category(StrEnum):
    """What an event guards against: a GB 38600-2019 risk, fire safety, staff duty or health."""

    CHOKING = "choking"
    WRONG_FOOD_OR_MEDICINE = "wrong_food_or_medicine"
    PRESSURE_SORES = "pressure_sores"
    SCALDS = "scalds"
    FALL_FROM_BED = "fall_from_bed"
    FALLS = "falls"
    GOING_MISSING = "going_missing"
    HARM_TO_SELF_OR_OTHERS = "harm_to_self_or_others"
    ACTIVITY_ACCIDENTS = "activity_accidents"
    FIRE_SAFETY = "fire_safety"
    STAFF_DUTY = "staff_duty"
    CAMERA_HEALTH = "camera_health"


DEFAULT_CATEGORY: dict[EventType, Category] = {
    EventType.FALL: Category.FALLS,
    EventType.LONG_LIE: Category.FALLS,
    EventType.FIRE: Category.FIRE_SAFETY,
    EventType.SMOKE: Category.FIRE_SAFETY,
    EventType.EXIT_BLOCKED: Category.FIRE_SAFETY,
    EventType.INTRUSION: Category.HARM_TO_SELF_OR_OTHERS,
    EventType.WANDERING: Category.GOING_MISSING,
    EventType.BED_EXIT: Category.FALL_FROM_BED,
    EventType.UNDERSTAFFED: Category.STAFF_DUTY,
    EventType.CAMERA_OFFLINE: Category.CAMERA_HEALTH,
    EventType.CAMERA_COVERED: Category.CAMERA_HEALTH,
    EventType.CAMERA_DEFOCUSED: Category.CAMERA_HEALTH,
    EventType.CAMERA_MOVED: Category.CAMERA_HEALTH,
}


def new_event_key() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class SafetyEvent:
    """One detected condition on one camera.

    `start_s`/`end_s` are video time (seconds from the source start); `started_at` is the
    wall-clock epoch time of the frame that started it, `detected_at` that of the frame that
    raised it. `end_s` is None while the condition lasts; the same `key` is emitted again
    with `end_s` set when it ends. `parent_key` links an event to the one it follows from (a
    long lie to its fall). `category` defaults to the type's (DEFAULT_CATEGORY); `zone_id`
    names the zone or line a rule watched.
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
    category: Category | None = None
    zone_id: str | None = None
    # Epoch of the frame this emission came from: for a new event, when it was raised (a long
    # lie starts when the lying began and is raised `long_lie_s` later). None: not known.
    detected_at: float | None = None

    def __post_init__(self) -> None:
        if self.category is None:
            object.__setattr__(self, "category", DEFAULT_CATEGORY[self.type])
        elif not isinstance(self.category, Category):
            object.__setattr__(self, "category", Category(self.category))

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
            "category": str(self.category),
            "zone": self.zone_id,
        }

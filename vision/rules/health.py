"""Camera tampering: a covered lens, a blurred view, a view moved or turned away, with recovery."""

from __future__ import annotations

from vision.config import RuleThresholds
from vision.events import EventType, Severity
from vision.rules.lifecycle import Condition, RuleSignal, Timing, Watch
from vision.rules.scene import SceneView, signals
from vision.scene_health import SceneHealthReading

_READINGS = {
    "covered": EventType.CAMERA_COVERED,
    "defocused": EventType.CAMERA_DEFOCUSED,
    "moved": EventType.CAMERA_MOVED,
}


class CameraTamperRule:
    """One event per tamper kind while the camera-health reading keeps showing it."""

    def __init__(self, thresholds: RuleThresholds) -> None:
        timing = Timing(thresholds.tamper_s, thresholds.clear_s, thresholds.cooldown_s)
        self._conditions = {
            reading: Condition(Watch(event_type, Severity.WARNING), timing)
            for reading, event_type in _READINGS.items()
        }

    def step(self, view: SceneView) -> list[RuleSignal]:
        health = view.health
        if health is None:
            return []
        return signals(
            *(
                condition.update(self._shows(health, reading), view.pts_s)
                for reading, condition in self._conditions.items()
            )
        )

    @staticmethod
    def _shows(health: SceneHealthReading, reading: str) -> bool:
        """While the reference view is still being learned only a covered lens can be told."""
        if health.learning and reading != "covered":
            return False
        return bool(getattr(health, reading))

    def close(self) -> list[RuleSignal]:
        return signals(*(condition.close() for condition in self._conditions.values()))

"""Fire and smoke: the fire detector's boxes, persisting over several checks, end when clear."""

from __future__ import annotations

from vision.config import RuleThresholds
from vision.events import EventType, Severity
from vision.rules.lifecycle import Condition, RuleSignal, Timing, Watch
from vision.rules.scene import SceneView, signals

_MISSED_CHECKS_ALLOWED = 1  # one check without a box does not restart the confirmation


class FireRule:
    """One event for fire and one for smoke while the detector keeps seeing them."""

    def __init__(self, thresholds: RuleThresholds) -> None:
        check_period_s = 1.0 / thresholds.fire_fps if thresholds.fire_fps else 1.0
        timing = Timing(
            open_after_s=thresholds.fire_confirm_s,
            close_after_s=thresholds.fire_clear_s,
            cooldown_s=thresholds.cooldown_s,
            gap_s=(_MISSED_CHECKS_ALLOWED + 1.5) * check_period_s,
        )
        self._min_score = {"fire": thresholds.fire_min_score, "smoke": thresholds.smoke_min_score}
        self._conditions = {
            "fire": Condition(Watch(EventType.FIRE, Severity.CRITICAL), timing),
            "smoke": Condition(Watch(EventType.SMOKE, Severity.CRITICAL), timing),
        }

    def step(self, view: SceneView) -> list[RuleSignal]:
        if view.fire is None:  # not checked on this frame
            return []
        found: list[RuleSignal | None] = []
        for label, condition in self._conditions.items():
            active, score = self._evidence(view, label)
            found.append(condition.update(active, view.pts_s, score))
        return signals(*found)

    def close(self) -> list[RuleSignal]:
        return signals(*(condition.close() for condition in self._conditions.values()))

    def _evidence(self, view: SceneView, label: str) -> tuple[bool, float]:
        assert view.fire is not None
        found = zip(view.fire.scores, view.fire.labels, strict=True)
        best = max((score for score, name in found if name == label), default=0.0)
        return best >= self._min_score[label], float(best)

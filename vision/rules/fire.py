"""Fire and smoke: enough of the recent checks find them (smoke must be moving), end when clear."""

from __future__ import annotations

from collections import deque

from vision.config import RuleThresholds
from vision.events import EventType, Severity
from vision.fire import FireBoxes
from vision.rules.lifecycle import Condition, RuleSignal, Timing, Watch
from vision.rules.scene import SceneView, signals


class _Window:
    """Confirmed while at least `needed` of the last `size` checks found the thing."""

    def __init__(self, size: int, needed: int) -> None:
        self._found: deque[bool] = deque(maxlen=size)
        self._needed = needed

    def add(self, found: bool) -> bool:
        self._found.append(found)
        return sum(self._found) >= self._needed


class FireRule:
    """One event for fire and one for smoke while the detector keeps seeing them.

    A single check proves little: the model calls a beige wall or a bed sheet smoke now and
    then. Smoke therefore counts only as a box that is not most of the frame and whose pixels
    move between checks, found in most recent checks; a flame needs a higher score, twice.
    """

    def __init__(self, thresholds: RuleThresholds) -> None:
        t = thresholds
        self._t = t
        timing = Timing(open_after_s=0.0, close_after_s=t.fire_clear_s, cooldown_s=t.cooldown_s)
        self._watches = {
            "fire": (
                _Window(t.fire_window_checks, t.fire_confirm_checks),
                Condition(Watch(EventType.FIRE, Severity.CRITICAL), timing),
            ),
            "smoke": (
                _Window(t.fire_window_checks, t.smoke_confirm_checks),
                Condition(Watch(EventType.SMOKE, Severity.CRITICAL), timing),
            ),
        }

    def step(self, view: SceneView) -> list[RuleSignal]:
        if view.fire is None:  # not checked on this frame
            return []
        found: list[RuleSignal | None] = []
        for label, (window, condition) in self._watches.items():
            score = self._best_score(view.fire.of_label(label), label)
            confirmed = window.add(score is not None)
            found.append(condition.update(confirmed, view.pts_s, score or 0.0))
        return signals(*found)

    def close(self) -> list[RuleSignal]:
        return signals(*(condition.close() for _, condition in self._watches.values()))

    def _best_score(self, boxes: FireBoxes, label: str) -> float | None:
        """The best score among the boxes that count as evidence, None if none does."""
        t = self._t
        if label == "fire":
            keep = boxes.scores >= t.fire_min_score
        else:
            keep = (
                (boxes.scores >= t.smoke_min_score)
                & (boxes.areas() <= t.smoke_max_area)
                & (boxes.moving() >= t.smoke_min_moving)
            )
        return float(boxes.scores[keep].max()) if keep.any() else None

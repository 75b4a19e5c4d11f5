"""Per-track fall and long-lie state machine: fast descent → down and settled, confirmed."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from vision.body import BodyGeometry, is_lying, is_standing
from vision.config import FallThresholds
from vision.events import EventType, new_event_key

_BASELINE_DECAY_PER_S = 0.05
Opinion = Callable[[], float | None]  # lazily asks the second opinion: P(person has fallen)


def no_opinion() -> float | None:
    return None


class Phase(StrEnum):
    UPRIGHT = "upright"
    DESCENDING = "descending"
    DOWN = "down"
    FALLEN = "fallen"


@dataclass(frozen=True, slots=True)
class FallSignal:
    """A fall or long lie starting (end_s None) or ending, for one track."""

    type: EventType
    track_id: int
    start_s: float
    end_s: float | None
    confidence: float
    key: str
    parent_key: str | None = None
    level: int = 1  # escalation level of a long lie


@dataclass(slots=True)
class _Descent:
    start_s: float
    detected_s: float
    drop: float  # in body lengths
    body_length: float
    asked_s: float | None = None  # when the second opinion was last asked about it
    path: deque[BodyGeometry] = field(default_factory=deque)  # seen since, for settling


def _moved(a: BodyGeometry, b: BodyGeometry) -> float:
    """How far the body's centre or top moved between two observations, in frame heights."""
    return max(abs(a.centre_y - b.centre_y), abs(a.top_y - b.top_y))


class TrackFallState:
    """Follows one person; `step` returns the signals a new observation causes."""

    def __init__(self, track_id: int, thresholds: FallThresholds) -> None:
        self.track_id = track_id
        self.th = thresholds
        self.phase = Phase.UPRIGHT
        self.standing_height: float | None = None
        self._last_standing_s: float | None = None
        self._history: deque[tuple[BodyGeometry, bool]] = deque()  # (body, lying)
        self._descent: _Descent | None = None
        self._down_since_s: float | None = None  # lying / fallen, until the person gets up
        self._down_top_y: float | None = None
        self._rise_since_s: float | None = None
        self._last_fall_s: float | None = None
        self._fall_key: str | None = None
        self._long_lie: tuple[str, float] | None = None  # (key, start_s)
        self._long_lie_level = 0

    def step(self, body: BodyGeometry, opinion: Opinion = no_opinion) -> list[FallSignal]:
        lying = is_lying(body, self.standing_height, self.th)
        self._learn_standing(body)
        self._watch_descent(body, lying)
        signals = self._confirm_fall(body, lying, opinion)
        signals += self._track_down(body, lying)
        signals += self._watch_long_lie(body)
        self._history.append((body, lying))
        while body.pts_s - self._history[0][0].pts_s > self.th.descent_window_s:
            self._history.popleft()
        self.phase = self._phase()
        return signals

    def close(self, pts_s: float) -> list[FallSignal]:
        """End what is open when the track is lost or the video ends."""
        return [self._end_long_lie(pts_s)] if self._long_lie else []

    def unseen(self, pts_s: float) -> list[FallSignal]:
        """A frame without this person: one who was falling, no longer upright, when they went
        out of the bottom of the picture, and has not come back for confirm_s, has fallen out
        of view."""
        descent = self._descent
        if descent is None or not self._history:
            return []
        last, _ = self._history[-1]
        if not last.at_bottom or last.in_bed or last.aspect <= self.th.upright_aspect_max:
            return []  # walking out of the picture (down stairs, towards the camera) is no fall
        if pts_s - descent.detected_s > self._descent_life_s():
            self._descent = None
            return []
        if pts_s - last.pts_s < self.th.confirm_s:
            return []
        return self._fall(last, pts_s, False, None)

    def _learn_standing(self, body: BodyGeometry) -> None:
        """Track the standing height as a slowly forgetting maximum.

        Sitting down passes through poses that look upright but shorter; a maximum keeps
        them from shrinking the baseline, and the slow decay follows a person walking away.
        """
        if self._down_since_s is not None or not is_standing(body, self.th):
            return
        old = self.standing_height
        if old is None or self._last_standing_s is None:
            self.standing_height = body.height
        else:
            decay = old * _BASELINE_DECAY_PER_S * (body.pts_s - self._last_standing_s)
            self.standing_height = max(body.height, old - decay)
        self._last_standing_s = body.pts_s

    def _body_length(self, body: BodyGeometry, lying: bool) -> float:
        """Best estimate of the person's full length, in frame heights."""
        if self.standing_height is not None:
            return max(self.standing_height, body.long_side if lying else 0.0)
        return body.long_side if lying else body.long_side / self.th.crouched_height_ratio

    def _watch_descent(self, body: BodyGeometry, lying: bool) -> None:
        if self._descent and body.pts_s - self._descent.detected_s > self._descent_life_s():
            self._descent = None
        if self._descent or not self._history or body.in_bed:
            return
        left_bed_s = self._left_bed_s(body, lying)
        if left_bed_s is not None:
            self._descent = _Descent(
                left_bed_s, body.pts_s, self.th.descent_drop_ratio, body.long_side
            )
            return
        highest, was_lying = min(reversed(self._history), key=lambda row: row[0].centre_y)
        length = self._body_length(highest, was_lying)
        drop = max(
            (body.centre_y - highest.centre_y) / length,
            self._head_drop(body, was_lying, length),
            self._hip_drop(body, lying, was_lying),
        )
        if drop >= self.th.descent_drop_ratio:
            self._descent = _Descent(highest.pts_s, body.pts_s, drop, length)

    def _left_bed_s(self, body: BodyGeometry, lying: bool) -> float | None:
        """Lying outside a bed zone moments after being in it (rolled or slid off the bed, seen
        from above, where the picture shows little drop): when they were last in bed."""
        if not lying:
            return None
        in_bed = [b.pts_s for b, _ in self._history if b.in_bed]
        return in_bed[-1] if in_bed else None

    def _head_drop(self, body: BodyGeometry, was_lying: bool, length: float) -> float:
        """From standing, the head end drops further than the centre: scaled to compare."""
        if self.standing_height is None or was_lying:
            return 0.0
        head_drop = (body.top_y - min(b.top_y for b, _ in self._history)) / length
        return head_drop * self.th.descent_drop_ratio / self.th.descent_top_drop_ratio

    def _hip_drop(self, body: BodyGeometry, lying: bool, was_lying: bool) -> float:
        """For a person never seen standing who now lies: the hips' drop in their lying length.

        Without a standing height, the length of a body seen sitting, or lying along the line
        of sight, is a guess (crouched_height_ratio) that can be twice too long; lying, the
        box's long side measures it. Against that length the box centre would call lying down
        from sitting a drop (the torso pivots about the hips); the hips drop with the body.
        """
        if self.standing_height is not None or was_lying or not lying or body.hip_y is None:
            return 0.0
        hips = [b.hip_y for b, _ in self._history if b.hip_y is not None]
        if not hips:
            return 0.0
        return (body.hip_y - min(hips)) / body.long_side

    def _descent_life_s(self) -> float:
        return self.th.descent_to_down_max_s + self.th.confirm_s

    def _confirm_fall(self, body: BodyGeometry, lying: bool, opinion: Opinion) -> list[FallSignal]:
        if self._descent is None or body.in_bed:
            return []
        if not self._is_settled(body) or not self._time_to_ask(body):
            return []
        score = opinion()
        if not self._down_enough(body, lying, score):
            return []
        return self._fall(body, body.pts_s, lying, score)

    def _fall(
        self, body: BodyGeometry, at_s: float, lying: bool, score: float | None
    ) -> list[FallSignal]:
        """The descent confirmed as a fall at `at_s` (unless within cooldown of the last)."""
        assert self._descent is not None
        descent, self._descent = self._descent, None
        if (
            self._last_fall_s is not None
            and descent.start_s - self._last_fall_s < self.th.cooldown_s
        ):
            return []
        self._last_fall_s, self._fall_key = descent.start_s, new_event_key()
        self._enter_down(body, descent.start_s)
        return [
            FallSignal(
                EventType.FALL,
                self.track_id,
                descent.start_s,
                at_s,
                self._confidence(descent, lying, score),
                self._fall_key,
            )
        ]

    def _is_settled(self, body: BodyGeometry) -> bool:
        """At rest for confirm_s: where the body is now, it has been for the last confirm_s.

        Measured back from now, not from the first frame after the descent: a body still
        sliding when the descent is seen comes to rest later, and that must not restart
        the wait once the slide has stopped.
        """
        assert self._descent is not None
        path, confirm_s = self._descent.path, self.th.confirm_s
        path.append(body)
        while len(path) > 1 and body.pts_s - path[1].pts_s >= confirm_s:
            path.popleft()
        tolerance = self.th.settle_motion_ratio * self._descent.body_length
        still_since_s = body.pts_s
        for earlier in reversed(path):
            if _moved(earlier, body) > tolerance:
                break
            still_since_s = earlier.pts_s
        return body.pts_s - still_since_s >= confirm_s

    def _time_to_ask(self, body: BodyGeometry) -> bool:
        """Ask the (expensive) second opinion at most once per confirm_s for a descent."""
        assert self._descent is not None
        asked_s = self._descent.asked_s
        if asked_s is not None and body.pts_s - asked_s < max(self.th.confirm_s, 0.5):
            return False
        self._descent.asked_s = body.pts_s
        return True

    def _down_enough(self, body: BodyGeometry, lying: bool, score: float | None) -> bool:
        if score is None:
            return lying
        if lying:
            return score >= self.th.second_opinion_veto_below
        return score >= self.th.second_opinion_min and not self._crouched(body)

    def _crouched(self, body: BodyGeometry) -> bool:
        """Squatting or kneeling upright: much lower than standing, torso still vertical.

        The second opinion readily calls a squatting person fallen; a person lying along the
        line of sight (the case it is trusted for) has no upright torso in the picture.
        """
        angle = body.torso_angle_deg
        if self.standing_height is None or angle is None:
            return False
        low = body.height <= self.th.lying_height_ratio_max * self.standing_height
        return low and angle <= self.th.standing_angle_max_deg

    def _confidence(self, descent: _Descent, lying: bool, score: float | None) -> float:
        evidence = [min(1.0, descent.drop / (2 * self.th.descent_drop_ratio)), float(lying)]
        if score is not None:
            evidence.append(score)
        return round(0.5 + 0.5 * float(np.mean(evidence)), 3)

    def _enter_down(self, body: BodyGeometry, since_s: float) -> None:
        self._down_since_s = self._down_since_s or since_s
        self._down_top_y = body.top_y
        self._rise_since_s = None

    def _track_down(self, body: BodyGeometry, lying: bool) -> list[FallSignal]:
        if self._down_since_s is None:
            if lying and not body.in_bed:
                self._enter_down(body, body.pts_s)
            return []
        if not self._has_risen(body, lying):
            self._rise_since_s = None
            return []
        self._rise_since_s = self._rise_since_s or body.pts_s
        if body.pts_s - self._rise_since_s < self.th.recovery_s:
            return []
        ended = [self._end_long_lie(body.pts_s)] if self._long_lie else []
        self._down_since_s, self._fall_key, self._down_top_y = None, None, None
        return ended

    def _has_risen(self, body: BodyGeometry, lying: bool) -> bool:
        """Up again: standing, or the top of the body well above where it lay."""
        if is_standing(body, self.th) and not lying and self.standing_height is not None:
            return body.height >= self.th.lying_height_ratio_max * self.standing_height
        assert self._down_top_y is not None
        length = self._body_length(body, lying)
        return (self._down_top_y - body.top_y) / length >= self.th.recovery_rise_ratio

    def _watch_long_lie(self, body: BodyGeometry) -> list[FallSignal]:
        if self._down_since_s is None or body.in_bed:
            return []
        down_s = body.pts_s - self._down_since_s
        if down_s < self.th.long_lie_s:
            return []
        level = 1 + int((down_s - self.th.long_lie_s) // self.th.long_lie_escalate_s)
        if self._long_lie is not None and level <= self._long_lie_level:
            return []
        if self._long_lie is None:
            self._long_lie = (new_event_key(), self._down_since_s)
        self._long_lie_level = level
        return [self._long_lie_signal(None)]

    def _end_long_lie(self, pts_s: float) -> FallSignal:
        signal = self._long_lie_signal(pts_s)
        self._long_lie, self._long_lie_level = None, 0
        return signal

    def _long_lie_signal(self, end_s: float | None) -> FallSignal:
        assert self._long_lie is not None
        key, start_s = self._long_lie
        return FallSignal(
            EventType.LONG_LIE,
            self.track_id,
            start_s,
            end_s,
            0.9,
            key,
            parent_key=self._fall_key,
            level=self._long_lie_level,
        )

    def _phase(self) -> Phase:
        if self._fall_key is not None:
            return Phase.FALLEN
        if self._down_since_s is not None:
            return Phase.DOWN
        return Phase.DESCENDING if self._descent else Phase.UPRIGHT

"""Per-track fall and long-lie state machine: upright → fast descent → down, confirmed."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from vision.config import FallThresholds
from vision.events import EventType, new_event_key
from vision.records import L_HIP, L_SHOULDER, R_HIP, R_SHOULDER, PersonObservation

_MIN_KEYPOINT_SCORE = 0.3
_BASELINE_ALPHA = 0.2


class Phase(StrEnum):
    UPRIGHT = "upright"
    DESCENDING = "descending"
    DOWN = "down"
    FALLEN = "fallen"


@dataclass(frozen=True, slots=True)
class BodyGeometry:
    """What the state machine reads from one pose; lengths normalised to frame height."""

    pts_s: float
    centre_y: float
    height: float  # so the top of the box is centre_y - height / 2
    aspect: float  # box width / height in pixels
    torso_angle_deg: float | None  # 0 = vertical


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


def torso_angle_deg(keypoints_xy: np.ndarray, scores: np.ndarray, aspect_wh: float) -> float | None:
    """Angle of the shoulder-midpoint → hip-midpoint line from vertical, in pixel space."""
    shoulders = [i for i in (L_SHOULDER, R_SHOULDER) if scores[i] >= _MIN_KEYPOINT_SCORE]
    hips = [i for i in (L_HIP, R_HIP) if scores[i] >= _MIN_KEYPOINT_SCORE]
    if not shoulders or not hips:
        return None
    dx, dy = keypoints_xy[shoulders].mean(axis=0) - keypoints_xy[hips].mean(axis=0)
    return float(np.degrees(np.arctan2(abs(dx) * aspect_wh, abs(dy) + 1e-9)))


def measure(person: PersonObservation, pts_s: float, frame_wh: tuple[int, int]) -> BodyGeometry:
    x1, y1, x2, y2 = (float(v) for v in person.box_xyxy)
    frame_aspect = frame_wh[0] / frame_wh[1]
    height = max(y2 - y1, 1e-6)
    return BodyGeometry(
        pts_s=pts_s,
        centre_y=(y1 + y2) / 2,
        height=height,
        aspect=(x2 - x1) * frame_aspect / height,
        torso_angle_deg=torso_angle_deg(person.keypoints_xy, person.keypoint_scores, frame_aspect),
    )


def _top(body: BodyGeometry) -> float:
    return body.centre_y - body.height / 2


def is_lying(body: BodyGeometry, upright_height: float | None, th: FallThresholds) -> bool:
    if body.aspect >= th.lying_aspect_min:
        return True
    angle = body.torso_angle_deg
    tilted = angle is not None and angle >= th.lying_torso_angle_deg
    if not tilted or upright_height is None:
        return False
    return body.height <= th.lying_height_ratio_max * upright_height


class TrackFallState:
    """Follows one person; `step` returns the signals a new observation causes."""

    def __init__(self, track_id: int, thresholds: FallThresholds) -> None:
        self.track_id = track_id
        self.th = thresholds
        self.phase = Phase.UPRIGHT
        self.upright_height: float | None = None
        self._history: deque[BodyGeometry] = deque()
        self._descent: tuple[float, float] | None = None  # (start_s, drop in upright heights)
        self._down_since_s: float | None = None
        self._up_since_s: float | None = None
        self._last_fall_s: float | None = None
        self._fall_key: str | None = None
        self._long_lie_key: str | None = None

    def step(self, body: BodyGeometry) -> list[FallSignal]:
        self._remember(body)
        lying = is_lying(body, self.upright_height, self.th)
        signals = self._track_posture(body, lying)
        self._watch_descent(body)
        signals += self._confirm_fall(body, lying)
        signals += self._watch_long_lie(body, lying)
        self.phase = self._phase(lying)
        return signals

    def close(self, pts_s: float) -> list[FallSignal]:
        """End what is open when the track is lost or the video ends."""
        if self._long_lie_key is None:
            return []
        return [self._end_long_lie(pts_s)]

    def _remember(self, body: BodyGeometry) -> None:
        self._history.append(body)
        while body.pts_s - self._history[0].pts_s > self.th.descent_window_s:
            self._history.popleft()
        if body.aspect <= self.th.upright_aspect_max and self._down_since_s is None:
            old = self.upright_height
            self.upright_height = (
                body.height if old is None else old + _BASELINE_ALPHA * (body.height - old)
            )

    def _track_posture(self, body: BodyGeometry, lying: bool) -> list[FallSignal]:
        if lying:
            self._up_since_s = None
            if self._down_since_s is None:
                self._down_since_s = body.pts_s
            return []
        if self._up_since_s is None:
            self._up_since_s = body.pts_s
        if self._down_since_s is None or body.pts_s - self._up_since_s < self.th.recovery_s:
            return []
        ended = [self._end_long_lie(body.pts_s)] if self._long_lie_key else []
        self._down_since_s, self._fall_key = None, None
        return ended

    def _watch_descent(self, body: BodyGeometry) -> None:
        if self._descent and body.pts_s - self._descent[0] > self.th.descent_to_down_max_s:
            self._descent = None
        if self._descent or self.upright_height is None:
            return
        highest = min(reversed(self._history), key=lambda b: b.centre_y)
        drop = (body.centre_y - highest.centre_y) / self.upright_height
        top_drop = (_top(body) - min(_top(b) for b in self._history)) / self.upright_height
        fast = drop >= self.th.descent_drop_ratio or top_drop >= self.th.descent_top_drop_ratio
        if fast and highest.pts_s < body.pts_s:
            self._descent = (
                highest.pts_s,
                max(drop, top_drop * self.th.descent_drop_ratio / self.th.descent_top_drop_ratio),
            )

    def _confirm_fall(self, body: BodyGeometry, lying: bool) -> list[FallSignal]:
        if not (lying and self._descent and self._down_since_s is not None):
            return []
        if body.pts_s - self._down_since_s < self.th.confirm_s:
            return []
        start_s, drop = self._descent
        self._descent = None
        if self._last_fall_s is not None and start_s - self._last_fall_s < self.th.cooldown_s:
            return []
        self._last_fall_s, self._fall_key = start_s, new_event_key()
        confidence = min(
            1.0,
            0.5
            + 0.25 * min(drop / (2 * self.th.descent_drop_ratio), 1.0)
            + 0.25 * min(body.aspect / (2 * self.th.lying_aspect_min), 1.0),
        )
        return [
            FallSignal(
                EventType.FALL, self.track_id, start_s, body.pts_s, confidence, self._fall_key
            )
        ]

    def _watch_long_lie(self, body: BodyGeometry, lying: bool) -> list[FallSignal]:
        if not lying or self._long_lie_key or self._down_since_s is None:
            return []
        if body.pts_s - self._down_since_s < self.th.long_lie_s:
            return []
        self._long_lie_key = new_event_key()
        return [
            FallSignal(
                EventType.LONG_LIE,
                self.track_id,
                self._down_since_s,
                None,
                0.9,
                self._long_lie_key,
                parent_key=self._fall_key,
            )
        ]

    def _end_long_lie(self, pts_s: float) -> FallSignal:
        key, self._long_lie_key = self._long_lie_key, None
        assert key is not None
        start = self._down_since_s if self._down_since_s is not None else pts_s
        return FallSignal(
            EventType.LONG_LIE, self.track_id, start, pts_s, 0.9, key, parent_key=self._fall_key
        )

    def _phase(self, lying: bool) -> Phase:
        if self._fall_key is not None:
            return Phase.FALLEN
        if lying or self._down_since_s is not None:
            return Phase.DOWN
        return Phase.DESCENDING if self._descent else Phase.UPRIGHT

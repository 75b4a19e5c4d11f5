"""What the fall logic reads from one pose: body geometry, and lying or standing by its shape."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vision.config import FallThresholds
from vision.records import (
    L_HIP,
    L_KNEE,
    L_SHOULDER,
    R_HIP,
    R_KNEE,
    R_SHOULDER,
    PersonObservation,
)

_MIN_KEYPOINT_SCORE = 0.3
_EDGE = 0.02  # a box this close to the picture's edge is cut off


@dataclass(frozen=True, slots=True)
class BodyGeometry:
    """What the state machine reads from one pose; lengths normalised to frame height."""

    pts_s: float
    centre_y: float
    height: float  # so the top of the box is centre_y - height / 2
    aspect: float  # box width / height in pixels
    torso_angle_deg: float | None  # 0 = vertical
    thigh_angle_deg: float | None = None  # hip → knee, 0 = vertical
    cut_off: bool = False  # the box touches the top or bottom of the picture
    in_bed: bool = False  # the body centre is in a bed zone (or outside every floor zone)
    hip_y: float | None = None  # mid-hip keypoint height, where the hips are seen

    @property
    def top_y(self) -> float:
        return self.centre_y - self.height / 2

    @property
    def at_bottom(self) -> bool:
        """The box reaches the picture's bottom edge (the body may go on below it)."""
        return self.centre_y + self.height / 2 >= 1.0 - _EDGE

    @property
    def long_side(self) -> float:
        """The box's longer side, in frame heights."""
        return self.height * max(1.0, self.aspect)


def _segment_angle_deg(
    keypoints_xy: np.ndarray,
    scores: np.ndarray,
    upper: tuple[int, int],
    lower: tuple[int, int],
    aspect_wh: float,
) -> float | None:
    """Angle from vertical of the line between two keypoint midpoints, in pixel space."""
    tops = [i for i in upper if scores[i] >= _MIN_KEYPOINT_SCORE]
    bottoms = [i for i in lower if scores[i] >= _MIN_KEYPOINT_SCORE]
    if not tops or not bottoms:
        return None
    dx, dy = keypoints_xy[tops].mean(axis=0) - keypoints_xy[bottoms].mean(axis=0)
    return float(np.degrees(np.arctan2(abs(dx) * aspect_wh, abs(dy) + 1e-9)))


def hip_y(keypoints_xy: np.ndarray, scores: np.ndarray) -> float | None:
    seen = [i for i in (L_HIP, R_HIP) if scores[i] >= _MIN_KEYPOINT_SCORE]
    return float(keypoints_xy[seen, 1].mean()) if seen else None


def torso_angle_deg(keypoints_xy: np.ndarray, scores: np.ndarray, aspect_wh: float) -> float | None:
    return _segment_angle_deg(
        keypoints_xy, scores, (L_SHOULDER, R_SHOULDER), (L_HIP, R_HIP), aspect_wh
    )


def measure(
    person: PersonObservation, pts_s: float, frame_wh: tuple[int, int], in_bed: bool = False
) -> BodyGeometry:
    x1, y1, x2, y2 = (float(v) for v in person.box_xyxy)
    frame_aspect = frame_wh[0] / frame_wh[1]
    height = max(y2 - y1, 1e-6)
    kp, scores = person.keypoints_xy, person.keypoint_scores
    return BodyGeometry(
        pts_s=pts_s,
        centre_y=(y1 + y2) / 2,
        height=height,
        aspect=(x2 - x1) * frame_aspect / height,
        torso_angle_deg=torso_angle_deg(kp, scores, frame_aspect),
        thigh_angle_deg=_segment_angle_deg(
            kp, scores, (L_HIP, R_HIP), (L_KNEE, R_KNEE), frame_aspect
        ),
        cut_off=y1 <= _EDGE or y2 >= 1.0 - _EDGE,
        in_bed=in_bed,
        hip_y=hip_y(kp, scores),
    )


def is_lying(body: BodyGeometry, standing_height: float | None, th: FallThresholds) -> bool:
    """Lying by the box's shape: wide, or a tilted torso in a box lower than standing."""
    if body.aspect >= th.lying_aspect_min:
        return True
    angle = body.torso_angle_deg
    if angle is None or angle < th.lying_torso_angle_deg or standing_height is None:
        return False
    return body.height <= th.lying_height_ratio_max * standing_height


def is_standing(body: BodyGeometry, th: FallThresholds) -> bool:
    """Upright with straight legs: teaches the track its standing height."""
    if body.cut_off or body.aspect > th.upright_aspect_max:
        return False
    torso_ok = body.torso_angle_deg is None or body.torso_angle_deg <= th.standing_angle_max_deg
    thigh_ok = body.thigh_angle_deg is None or body.thigh_angle_deg <= th.standing_angle_max_deg
    return torso_ok and thigh_ok

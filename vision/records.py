"""Typed batches passed between perception and analytics: poses and tracked people."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KEYPOINT_COUNT = 17
# COCO keypoint indices used by the analytics.
NOSE, L_SHOULDER, R_SHOULDER, L_HIP, R_HIP = 0, 5, 6, 11, 12
L_KNEE, R_KNEE, L_ANKLE, R_ANKLE = 13, 14, 15, 16


def _check_shape(name: str, array: np.ndarray, expected: tuple[int, ...]) -> None:
    if array.shape != expected:
        raise ValueError(f"{name}: expected shape {expected}, got {array.shape}")


@dataclass(frozen=True, slots=True)
class PoseBatch:
    """N people found in one frame; coordinates are normalised to [0, 1] of width/height."""

    boxes_xyxy: np.ndarray  # (N, 4)
    keypoints_xy: np.ndarray  # (N, 17, 2)
    keypoint_scores: np.ndarray  # (N, 17)
    scores: np.ndarray  # (N,)

    def __post_init__(self) -> None:
        count = len(self.scores)
        _check_shape("scores", self.scores, (count,))
        _check_shape("boxes_xyxy", self.boxes_xyxy, (count, 4))
        _check_shape("keypoints_xy", self.keypoints_xy, (count, KEYPOINT_COUNT, 2))
        _check_shape("keypoint_scores", self.keypoint_scores, (count, KEYPOINT_COUNT))

    def __len__(self) -> int:
        return len(self.scores)

    @classmethod
    def empty(cls) -> PoseBatch:
        return cls(
            np.zeros((0, 4), np.float32),
            np.zeros((0, KEYPOINT_COUNT, 2), np.float32),
            np.zeros((0, KEYPOINT_COUNT), np.float32),
            np.zeros((0,), np.float32),
        )

    def select(self, mask: np.ndarray) -> PoseBatch:
        return PoseBatch(
            self.boxes_xyxy[mask],
            self.keypoints_xy[mask],
            self.keypoint_scores[mask],
            self.scores[mask],
        )


@dataclass(frozen=True, slots=True)
class PersonObservation:
    """One tracked person in one frame: the pose plus the track's identity."""

    track_id: int
    box_xyxy: np.ndarray  # (4,) normalised
    keypoints_xy: np.ndarray  # (17, 2) normalised
    keypoint_scores: np.ndarray  # (17,)
    score: float

"""The frame record handed from a video source to analysis."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded picture from one camera.

    `pts_s` is video time from the start of the source (seconds); `captured_at` is the
    wall-clock time (epoch seconds) at which the reader obtained the picture.
    """

    camera_id: str
    index: int
    pts_s: float
    captured_at: float
    image_bgr: np.ndarray

    def __post_init__(self) -> None:
        shape = self.image_bgr.shape
        if self.image_bgr.ndim != 3 or shape[2] != 3:
            raise ValueError(f"expected image of shape (H, W, 3), got {shape}")

    @property
    def size_wh(self) -> tuple[int, int]:
        return int(self.image_bgr.shape[1]), int(self.image_bgr.shape[0])

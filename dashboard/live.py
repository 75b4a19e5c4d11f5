"""The live-feed seam the dashboard reads annotated frames and camera health from."""

from __future__ import annotations

import threading
from typing import Protocol

import numpy as np

from streams.health import CameraHealth


class LiveFeed(Protocol):
    """Latest annotated picture and health of each running camera.

    Every method is called on the web server's event loop, so it must be cheap and must
    not block (read a latest-frame slot; never wait for a frame).
    """

    def camera_ids(self) -> list[str]: ...

    def latest_frame(self, camera_id: str) -> np.ndarray | None:
        """The newest annotated BGR image (H, W, 3) of a camera, or None if none yet."""
        ...

    def health(self, camera_id: str) -> CameraHealth | None: ...


class StaticLiveFeed:
    """A LiveFeed holding frames and health set by hand (tests, demos without cameras)."""

    def __init__(
        self,
        frames: dict[str, np.ndarray] | None = None,
        health: dict[str, CameraHealth] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._frames: dict[str, np.ndarray] = dict(frames or {})
        self._health: dict[str, CameraHealth] = dict(health or {})

    def camera_ids(self) -> list[str]:
        with self._lock:
            return sorted(self._frames.keys() | self._health.keys())

    def latest_frame(self, camera_id: str) -> np.ndarray | None:
        with self._lock:
            return self._frames.get(camera_id)

    def health(self, camera_id: str) -> CameraHealth | None:
        with self._lock:
            return self._health.get(camera_id)

    def set_frame(self, camera_id: str, image_bgr: np.ndarray) -> None:
        if image_bgr.ndim != 3 or image_bgr.shape[2] != 3:
            raise ValueError(f"expected image of shape (H, W, 3), got {image_bgr.shape}")
        with self._lock:
            self._frames[camera_id] = image_bgr

    def set_health(self, health: CameraHealth) -> None:
        with self._lock:
            self._health[health.camera_id] = health

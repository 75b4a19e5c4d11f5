"""The live-feed seam: each camera's picture, with or without overlays, and its health."""

from __future__ import annotations

import threading
from typing import Protocol

import cv2
import numpy as np

from streams.health import CameraHealth


class LiveFeed(Protocol):
    """Latest picture and health of each running camera.

    Every method is called on the web server's event loop, so it must be cheap and must
    not block (read a latest-frame slot; never wait for a frame).
    """

    def camera_ids(self) -> list[str]: ...

    def latest_frame(self, camera_id: str, overlay: bool = True) -> np.ndarray | None:
        """The newest BGR image (H, W, 3) of a camera, or None if none yet.

        `overlay`: with the detections (people, zones, fire boxes) drawn; off: the picture
        as the camera gave it, of the same moment.
        """
        ...

    def health(self, camera_id: str) -> CameraHealth | None: ...


def _check_bgr(image_bgr: np.ndarray) -> None:
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3:
        raise ValueError(f"expected image of shape (H, W, 3), got {image_bgr.shape}")


class StaticLiveFeed:
    """A LiveFeed holding frames and health set by hand (tests, demos without cameras)."""

    def __init__(
        self,
        frames: dict[str, np.ndarray] | None = None,
        health: dict[str, CameraHealth] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        # camera id -> (annotated, raw); one object when no separate raw picture was set.
        self._frames: dict[str, tuple[np.ndarray, np.ndarray]] = {
            camera_id: (image, image) for camera_id, image in (frames or {}).items()
        }
        self._health: dict[str, CameraHealth] = dict(health or {})

    def camera_ids(self) -> list[str]:
        with self._lock:
            return sorted(self._frames.keys() | self._health.keys())

    def latest_frame(self, camera_id: str, overlay: bool = True) -> np.ndarray | None:
        with self._lock:
            pair = self._frames.get(camera_id)
        if pair is None:
            return None
        return pair[0] if overlay else pair[1]

    def health(self, camera_id: str) -> CameraHealth | None:
        with self._lock:
            return self._health.get(camera_id)

    def set_frame(
        self, camera_id: str, image_bgr: np.ndarray, raw_bgr: np.ndarray | None = None
    ) -> None:
        """`image_bgr` with overlays drawn; `raw_bgr` without (None: the same picture)."""
        raw = image_bgr if raw_bgr is None else raw_bgr
        for image in (image_bgr, raw):
            _check_bgr(image)
        if raw.shape != image_bgr.shape:
            raise ValueError(f"raw picture {raw.shape} and overlay {image_bgr.shape} differ")
        with self._lock:
            self._frames[camera_id] = (image_bgr, raw)

    def set_health(self, health: CameraHealth) -> None:
        with self._lock:
            self._health[health.camera_id] = health


class FrameProvider:
    """A camera's latest picture for one live stream, scaled down to at most `max_width_px`.

    Called on the event loop once per frame sent; the same camera frame is scaled only once
    (a stream's ticks often outpace the camera), and a small tile is sent a small picture:
    encoding cost grows with the pixels, and a wall of 16 tiles needs no full-size video.
    """

    def __init__(
        self, live: LiveFeed, camera_id: str, overlay: bool = True, max_width_px: int | None = None
    ) -> None:
        if max_width_px is not None and max_width_px < 2:
            raise ValueError(f"max_width_px must be at least 2, got {max_width_px}")
        self._live = live
        self._camera_id = camera_id
        self._overlay = overlay
        self._max_width_px = max_width_px
        self._last: tuple[np.ndarray, np.ndarray] | None = None  # (camera frame, scaled)

    def __call__(self) -> np.ndarray | None:
        image = self._live.latest_frame(self._camera_id, self._overlay)
        if image is None or self._max_width_px is None or image.shape[1] <= self._max_width_px:
            return image
        if self._last is None or self._last[0] is not image:
            self._last = (image, _scale_to_width(image, self._max_width_px))
        return self._last[1]


def _scale_to_width(image_bgr: np.ndarray, width_px: int) -> np.ndarray:
    height_px = max(2, round(image_bgr.shape[0] * width_px / image_bgr.shape[1]))
    # Even sizes: the video encoders work on 2x2 chroma blocks.
    size = (width_px - width_px % 2, height_px - height_px % 2)
    return cv2.resize(image_bgr, size, interpolation=cv2.INTER_AREA)

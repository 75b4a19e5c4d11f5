"""Pre-roll ring buffer: the last seconds of a camera, decimated, scaled and JPEG-encoded."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

from streams.motion import PIXEL_THRESHOLD, STILL_FRACTION, changed_fraction, small_grey
from streams.sampling import RateSampler


@dataclass(frozen=True, slots=True)
class _Entry:
    pts_s: float
    jpeg: bytes


def fit_width(image_bgr: np.ndarray, max_width_px: int) -> np.ndarray:
    """Scales an image down (never up) so that it is at most `max_width_px` wide."""
    height, width = image_bgr.shape[:2]
    if width <= max_width_px:
        return image_bgr
    new_size = (max_width_px, max(1, round(height * max_width_px / width)))
    # Area averaging only where linear would alias (below half size); it costs 5x more.
    scale = max_width_px / width
    interpolation = cv2.INTER_AREA if scale < 0.5 else cv2.INTER_LINEAR
    return cv2.resize(image_bgr, new_size, interpolation=interpolation)


def encode_jpeg(image_bgr: np.ndarray, quality: int) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image_bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError(f"cannot JPEG-encode an image of shape {image_bgr.shape}")
    return buffer.tobytes()


def decode_jpeg(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("cannot decode JPEG data")
    return image


class RingBuffer:
    """Holds the last `duration_s` of video time, at most `fps` frames a second.

    Frames are stored as JPEG so memory stays bounded (a few MB per camera) whatever the
    camera's resolution. While the picture does not change, only `still_fps` frames a
    second are stored (a clip then shows a still frame for longer): encoding is most of the
    buffer's cost, and most rooms are still most of the time. Thread-safe: the reader adds,
    the clip writer reads.
    """

    def __init__(
        self,
        duration_s: float,
        fps: float,
        max_width_px: int,
        jpeg_quality: int,
        still_fps: float | None = None,
    ) -> None:
        if duration_s <= 0:
            raise ValueError(f"duration_s must be positive, got {duration_s}")
        self.duration_s = duration_s
        self.max_width_px = max_width_px
        self.jpeg_quality = jpeg_quality
        self._sampler = RateSampler(fps)
        self._still_period_s = None if still_fps is None else 1.0 / still_fps
        self._stored_grey: np.ndarray | None = None
        self._entries: deque[_Entry] = deque()
        self._lock = threading.Lock()
        self._ended = False

    def add(self, pts_s: float, image_bgr: np.ndarray) -> bool:
        """Offers a frame; returns whether it was kept (decimation may skip it)."""
        if not self._sampler.keep(pts_s) or self._still(pts_s, image_bgr):
            return False
        jpeg = encode_jpeg(fit_width(image_bgr, self.max_width_px), self.jpeg_quality)
        with self._lock:
            if self._entries and pts_s <= self._entries[-1].pts_s:
                self._entries.clear()  # the source restarted its clock: old frames no longer fit
            self._entries.append(_Entry(pts_s, jpeg))
            while self._entries[0].pts_s < pts_s - self.duration_s - 1e-6:
                self._entries.popleft()
            self._ended = False
        return True

    def _still(self, pts_s: float, image_bgr: np.ndarray) -> bool:
        """True when the frame may be left out: unchanged since the last one stored, which
        is less than a still period old."""
        if self._still_period_s is None:
            return False
        grey = small_grey(image_bgr)
        previous, latest_s = self._stored_grey, self.latest_pts_s
        if previous is not None and latest_s is not None and pts_s - latest_s >= 0:
            recent = pts_s - latest_s < self._still_period_s - 1e-6
            if recent and changed_fraction(previous, grey, PIXEL_THRESHOLD) < STILL_FRACTION:
                return True
        self._stored_grey = grey
        return False

    def frames_between(self, t0_s: float, t1_s: float) -> list[tuple[float, np.ndarray]]:
        """Decoded (pts_s, image) for frames with t0_s <= pts_s <= t1_s, oldest first."""
        with self._lock:
            chosen = [e for e in self._entries if t0_s <= e.pts_s <= t1_s]
        return [(e.pts_s, decode_jpeg(e.jpeg)) for e in chosen]

    @property
    def latest_pts_s(self) -> float | None:
        with self._lock:
            return self._entries[-1].pts_s if self._entries else None

    @property
    def oldest_pts_s(self) -> float | None:
        with self._lock:
            return self._entries[0].pts_s if self._entries else None

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(len(e.jpeg) for e in self._entries)

    @property
    def ended(self) -> bool:
        """True once the source has ended (no more frames will come until a new one starts)."""
        return self._ended

    def mark_ended(self) -> None:
        self._ended = True

"""Clip buffer of decoded cameras: the last seconds of a camera, scaled and JPEG-encoded."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from streams.motion import PIXEL_THRESHOLD, STILL_FRACTION, changed_fraction, small_grey
from streams.sampling import StrideSampler


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
    """Holds the last `duration_s` of video time, every frame up to `fps` a second.

    Frames are stored as JPEG so memory stays bounded whatever the camera's resolution,
    and under `max_bytes` (the oldest go first). While the picture does not change, a new
    picture is encoded only `still_fps` times a second and the frames between repeat the
    last one (they share its JPEG): a clip keeps the camera's frame rate and timing, while
    encoding, most of the buffer's cost, is spared while most rooms are still. A camera
    faster than `fps` keeps every k-th frame (StrideSampler). Thread-safe: the reader adds,
    the clip writer reads.
    """

    def __init__(
        self,
        duration_s: float,
        fps: float,
        max_width_px: int,
        jpeg_quality: int,
        still_fps: float | None = None,
        max_bytes: int = 64 << 20,
    ) -> None:
        if duration_s <= 0:
            raise ValueError(f"duration_s must be positive, got {duration_s}")
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        self.duration_s = duration_s
        self.max_width_px = max_width_px
        self.jpeg_quality = jpeg_quality
        self.max_bytes = max_bytes
        self.encoded = 0  # pictures JPEG-encoded (the rest of the frames repeat one)
        self._sampler = StrideSampler(fps)
        self._still_period_s = None if still_fps is None else 1.0 / still_fps
        self._picture: tuple[float, np.ndarray, bytes] | None = None  # last encoded, grey, JPEG
        self._entries: deque[_Entry] = deque()
        self._bytes = 0
        self._lock = threading.Lock()
        self._ended = False

    def add(self, pts_s: float, image_bgr: np.ndarray) -> bool:
        """Offers a frame; returns whether it was kept (decimation may skip it)."""
        if not self._sampler.keep(pts_s):
            return False
        grey = None if self._still_period_s is None else small_grey(image_bgr)
        jpeg = self._repeat(pts_s, grey)
        if jpeg is None:
            jpeg = encode_jpeg(fit_width(image_bgr, self.max_width_px), self.jpeg_quality)
            self.encoded += 1
            self._picture = None if grey is None else (pts_s, grey, jpeg)
        with self._lock:
            if self._entries and pts_s <= self._entries[-1].pts_s:
                self._clear()  # the source restarted its clock: old frames no longer fit
            if not self._entries or self._entries[-1].jpeg is not jpeg:
                self._bytes += len(jpeg)
            self._entries.append(_Entry(pts_s, jpeg))
            while self._entries[0].pts_s < pts_s - self.duration_s - 1e-6:
                self._pop()
            while len(self._entries) > 1 and self._bytes > self.max_bytes:
                self._pop()
            self._ended = False
        return True

    def _repeat(self, pts_s: float, grey: np.ndarray | None) -> bytes | None:
        """The last picture's JPEG when a frame (its small grey) may repeat it: the picture
        has not changed since, and is less than a still period old. None: encode the frame."""
        picture, period_s = self._picture, self._still_period_s
        if grey is None or picture is None or period_s is None:
            return None
        encoded_s, encoded_grey, jpeg = picture
        if not 0 <= pts_s - encoded_s < period_s - 1e-6:
            return None
        changed = changed_fraction(encoded_grey, grey, PIXEL_THRESHOLD)
        return jpeg if changed < STILL_FRACTION else None

    def _pop(self) -> None:
        entry = self._entries.popleft()
        if not self._entries or self._entries[0].jpeg is not entry.jpeg:
            self._bytes -= len(entry.jpeg)  # the last frame showing this picture

    def _clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def frames_between(self, t0_s: float, t1_s: float) -> Iterator[tuple[float, np.ndarray]]:
        """(pts_s, image) for frames with t0_s <= pts_s <= t1_s, oldest first, decoded one
        at a time (a repeated picture once: its frames share one image, not to be drawn on)."""
        with self._lock:
            chosen = [e for e in self._entries if t0_s <= e.pts_s <= t1_s]
        return _decoded(chosen)

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
            return self._bytes

    @property
    def ended(self) -> bool:
        """True once the source has ended (no more frames will come until a new one starts)."""
        return self._ended

    def mark_ended(self) -> None:
        self._ended = True


def _decoded(entries: list[_Entry]) -> Iterator[tuple[float, np.ndarray]]:
    jpeg: bytes | None = None
    image: np.ndarray | None = None
    for entry in entries:
        if entry.jpeg is not jpeg or image is None:
            jpeg, image = entry.jpeg, decode_jpeg(entry.jpeg)
        yield entry.pts_s, image

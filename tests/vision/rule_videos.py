"""Videos for the rule tests: a generated corridor with one scripted change, and real clips
played backwards, written as H.264 into tmp_path."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

WIDTH, HEIGHT = 640, 360
FPS = 4
# The camera turned: the view slides this share of its width along a wider panorama.
TURN_FRACTION = 0.2
# The box left in the exit: light cardboard with dark tape and a white label (BGR pixels).
BOX_XYXY = (384, 200, 480, 324)

Change = Callable[[np.ndarray], np.ndarray]


@functools.cache
def panorama() -> np.ndarray:
    """A corridor wider than the view: rectangles and lines on a gradient lit from one side."""
    width = round(WIDTH * (1 + TURN_FRACTION) + 1)
    rng = np.random.default_rng(1)
    ramp = np.linspace(70, 180, width, dtype=np.float32)[None, :, None]
    image = np.repeat(np.repeat(ramp, HEIGHT, 0), 3, 2)
    image += np.linspace(-25, 25, HEIGHT, dtype=np.float32)[:, None, None]
    image = image.astype(np.uint8)
    for _ in range(54):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, HEIGHT))
        size = (int(rng.integers(10, 110)), int(rng.integers(10, 80)))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        thickness = -1 if rng.random() < 0.6 else 2
        cv2.rectangle(image, (x, y), (x + size[0], y + size[1]), colour, thickness)
    for _ in range(24):
        start, end = rng.integers(0, [width, HEIGHT], (2, 2))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        cv2.line(image, (int(start[0]), int(start[1])), (int(end[0]), int(end[1])), colour, 2)
    return image


def view() -> np.ndarray:
    return panorama()[:, :WIDTH].copy()


def with_box(image: np.ndarray) -> np.ndarray:
    out = image.copy()
    x1, y1, x2, y2 = BOX_XYXY
    cv2.rectangle(out, (x1, y1), (x2, y2), (150, 200, 230), -1)
    middle = (x1 + x2) // 2
    cv2.rectangle(out, (middle - 6, y1), (middle + 6, y2), (60, 90, 120), -1)
    cv2.rectangle(out, (x1 + 14, y1 + 30), (x1 + 44, y1 + 52), (255, 255, 255), -1)
    cv2.rectangle(out, (x1, y1), (x2, y2), (10, 20, 30), 2)
    return out


def covered(image: np.ndarray) -> np.ndarray:
    """A hand or cloth on the lens: dark, nearly uniform, a faint shading across."""
    shade = np.linspace(16, 22, image.shape[1], dtype=np.float32)[None, :, None]
    return np.repeat(np.repeat(shade, image.shape[0], 0), 3, 2).astype(np.uint8)


def turned(image: np.ndarray) -> np.ndarray:
    """The camera panned: a fifth of the view is new, the rest slid sideways."""
    shift = round(TURN_FRACTION * WIDTH)
    return panorama()[:, shift : shift + WIDTH].copy()


def blurred(image: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), 5.0)


@dataclass(frozen=True, slots=True)
class Script:
    """`change` applies to the corridor from `from_s` until `until_s` of a `duration_s` video."""

    duration_s: float
    change: Change | None = None
    from_s: float = 0.0
    until_s: float = 0.0

    def picture(self, t_s: float) -> np.ndarray:
        if self.change is not None and self.from_s <= t_s < self.until_s:
            return self.change(view())
        return view()


def _noise() -> list[np.ndarray]:
    """Sensor noise (sigma 2 grey levels), a few fixed patterns taken in turn."""
    shape = (HEIGHT, WIDTH, 3)
    return [np.random.default_rng(seed).normal(0, 2, shape).astype(np.float32) for seed in range(4)]


def write_scripted(path: Path, script: Script, fps: int = FPS) -> Path:
    noise = _noise()
    pictures = (
        np.clip(script.picture(i / fps) + noise[i % len(noise)], 0, 255).astype(np.uint8)
        for i in range(round(script.duration_s * fps))
    )
    return write_video(path, pictures, Fraction(fps))


def write_video(path: Path, pictures: Iterable[np.ndarray], fps: Fraction) -> Path:
    """H.264 (libx264) MP4 of BGR pictures at a constant rate."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "veryfast"})
        stream.pix_fmt = "yuv420p"
        for index, picture in enumerate(pictures):
            if index == 0:
                stream.height, stream.width = picture.shape[:2]
            container.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="bgr24")))
        container.mux(stream.encode(None))
    return path


def write_reversed(source: Path, path: Path) -> Path:
    """The clip played backwards, at its own frame rate."""
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or Fraction(25)
        pictures = [frame.to_ndarray(format="bgr24") for frame in container.decode(stream)]
    return write_video(path, reversed(pictures), Fraction(rate))

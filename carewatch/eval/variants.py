"""Evaluation variants: every clip as a night camera, a sub-stream, a slow or badly placed one."""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from carewatch.eval.metrics import ORIGINAL
from streams.frame import Frame
from streams.sampling import RateSampler
from streams.sources import iter_file_frames

Change = Callable[[np.ndarray, int], np.ndarray]  # (picture, frame index) -> picture


@dataclass(frozen=True, slots=True)
class Variant:
    """A way of changing a clip: the camera's own frame rate (None: the clip's), and a change
    to each picture."""

    name: str
    description: str
    camera_fps: float | None = None
    change: Change | None = None


# ---- night camera ---------------------------------------------------------------------------

INFRARED_WIDTH_PX = 640
INFRARED_GAMMA = 1.2  # >1 darkens the shadows and mid-tones, as a dim scene under an IR lamp
INFRARED_CONTRAST = 0.5  # grey levels kept of each original step, as the night camera
INFRARED_BLACK = 16  # the darkest grey level: IR pictures have no true black
INFRARED_NOISE_SIGMA = 14.0  # sensor noise per pixel, grey levels, new every frame
INFRARED_HOT_SPOT = 100.0  # grey levels added at the centre of the illuminator's glare
INFRARED_HOT_SPOT_RADIUS = 0.22  # of the picture width (Gaussian sigma)
INFRARED_HOT_SPOT_XY = (0.5, 0.35)  # glare centre, as fractions of width and height


def infrared(image_bgr: np.ndarray, index: int) -> np.ndarray:
    """A dim infrared night picture of the same scene, harder than the reported night camera
    (grey, contrast halved, darkened, sensor noise σ ≈ 14, 640 px wide): grey, 640 px wide,
    mid-tones darkened (gamma 1.4), contrast cut to 0.45 above a black of 20, the glare of the
    illuminator (up to +150 grey levels, blown out where it adds to a light surface) and
    Gaussian sensor noise σ = 16 that changes every frame (seeded by the frame index).
    """
    grey = cv2.cvtColor(_resized_to_width(image_bgr, INFRARED_WIDTH_PX), cv2.COLOR_BGR2GRAY)
    level = (grey.astype(np.float32) / 255.0) ** INFRARED_GAMMA * 255.0
    level = INFRARED_BLACK + INFRARED_CONTRAST * level + _hot_spot(grey.shape)
    noise = np.random.default_rng(index).normal(0.0, INFRARED_NOISE_SIGMA, grey.shape)
    out = np.clip(level + noise, 0, 255).astype(np.uint8)
    return cv2.cvtColor(out, cv2.COLOR_GRAY2BGR)


@functools.lru_cache(maxsize=8)
def _hot_spot(shape_hw: tuple[int, int]) -> np.ndarray:
    height, width = shape_hw
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy = INFRARED_HOT_SPOT_XY[0] * width, INFRARED_HOT_SPOT_XY[1] * height
    sigma = INFRARED_HOT_SPOT_RADIUS * width
    glare = np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * sigma**2))
    return (INFRARED_HOT_SPOT * glare).astype(np.float32)


def grey(image_bgr: np.ndarray, index: int) -> np.ndarray:
    """No colour, same three channels the models expect (the old night-camera stand-in)."""
    return cv2.cvtColor(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)


# ---- cheap installations --------------------------------------------------------------------


def _resized_to_width(image_bgr: np.ndarray, width_px: int) -> np.ndarray:
    height, width = image_bgr.shape[:2]
    size = (width_px, max(1, round(height * width_px / width)))
    return cv2.resize(image_bgr, size, interpolation=cv2.INTER_AREA)


def sub_stream(size_wh: tuple[int, int]) -> Change:
    """The camera's low-resolution second stream, scaled to exactly `size_wh`."""

    def change(image_bgr: np.ndarray, index: int) -> np.ndarray:
        return cv2.resize(image_bgr, size_wh, interpolation=cv2.INTER_AREA)

    return change


def cut(top: float, bottom: float) -> Change:
    """Part of the view lost: the top and bottom fractions of the picture cut off."""

    def change(image_bgr: np.ndarray, index: int) -> np.ndarray:
        height = image_bgr.shape[0]
        return image_bgr[round(top * height) : height - round(bottom * height)]

    return change


HIGH_MOUNT_TILT_DEG = 15.0
HIGH_MOUNT_HFOV_DEG = 90.0  # a typical wide CCTV lens, for the focal length the warp needs


def high_mount(image_bgr: np.ndarray, index: int) -> np.ndarray:
    """The perspective of a camera tilted 15° further down (90° lens), re-centred on the same
    point and cropped to the pixels the clip has."""
    height, width = image_bgr.shape[:2]
    matrix = _tilt_homography(width, height)
    return cv2.warpPerspective(
        image_bgr, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


@functools.lru_cache(maxsize=8)
def _tilt_homography(width: int, height: int) -> np.ndarray:
    """K·R·K⁻¹ for the tilt, then the scale and shift that fill the picture with its inside."""
    focal_px = width / 2 / math.tan(math.radians(HIGH_MOUNT_HFOV_DEG / 2))
    k = np.array([[focal_px, 0, width / 2], [0, focal_px, height / 2], [0, 0, 1]])
    angle = math.radians(HIGH_MOUNT_TILT_DEG)
    rotation = np.array(
        [[1, 0, 0], [0, math.cos(angle), -math.sin(angle)], [0, math.sin(angle), math.cos(angle)]]
    )
    tilt = k @ rotation @ np.linalg.inv(k)
    centre = _apply(tilt, np.array([[width / 2, height / 2]]))[0]
    shift = np.array([[1, 0, width / 2 - centre[0]], [0, 1, height / 2 - centre[1]], [0, 0, 1]])
    warp = shift @ tilt
    corners = _apply(warp, np.array([[0, 0], [width, 0], [width, height], [0, height]]))
    x1, x2 = max(corners[0, 0], corners[3, 0]), min(corners[1, 0], corners[2, 0])
    y1, y2 = max(corners[0, 1], corners[1, 1]), min(corners[2, 1], corners[3, 1])
    fill = np.array(
        [
            [width / (x2 - x1), 0, -x1 * width / (x2 - x1)],
            [0, height / (y2 - y1), -y1 * height / (y2 - y1)],
            [0, 0, 1],
        ]
    )
    return fill @ warp


def _apply(matrix: np.ndarray, points_xy: np.ndarray) -> np.ndarray:
    homogeneous = np.hstack([points_xy, np.ones((len(points_xy), 1))]) @ matrix.T
    return homogeneous[:, :2] / homogeneous[:, 2:]


def flip(image_bgr: np.ndarray, index: int) -> np.ndarray:
    return cv2.flip(image_bgr, 1)


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("flip", "mirrored left to right", change=flip),
        Variant("grey", "greyscale, nothing else", change=grey),
        Variant(
            "infrared", "dim infrared night camera (see eval.variants.infrared)", change=infrared
        ),
        Variant("sub640", "640×360 sub-stream", change=sub_stream((640, 360))),
        Variant("sub480", "480×270 sub-stream", change=sub_stream((480, 270))),
        Variant("fps10", "camera at 10 fps", camera_fps=10.0),
        Variant("fps6", "camera at 6 fps", camera_fps=6.0),
        Variant("cut_bottom", "bottom 25 % of the view cut off", change=cut(0.0, 0.25)),
        Variant("cut_top", "top 20 % of the view cut off", change=cut(0.2, 0.0)),
        Variant("high_mount", "camera tilted 15° further down", change=high_mount),
    )
}
NIGHT_AND_INSTALLATION = [name for name in VARIANTS if name not in ("flip", "grey")]


def variant_frames(
    path: str, camera_id: str, sample_fps: float | None, variant: str
) -> Iterator[Frame]:
    """A clip's frames as `variant` shows them, sampled to `sample_fps` (raises SourceError)."""
    if variant == ORIGINAL:
        return iter_file_frames(path, camera_id, sample_fps)
    spec = VARIANTS[variant]
    if spec.camera_fps is None:
        return apply_change(iter_file_frames(path, camera_id, sample_fps), spec.change)
    # The first frame at or after each camera tick (no slack; 1e-6 for rounding), then the
    # analysis's own sampling.
    camera, analysis = RateSampler(spec.camera_fps, slack=1e-6), RateSampler(sample_fps)
    kept = (f for f in iter_file_frames(path, camera_id, None) if camera.keep(f.pts_s))
    return apply_change((f for f in kept if analysis.keep(f.pts_s)), spec.change)


def apply_change(frames: Iterable[Frame], change: Change | None) -> Iterator[Frame]:
    for frame in frames:
        if change is None:
            yield frame
        else:
            yield dataclasses.replace(frame, image_bgr=change(frame.image_bgr, frame.index))

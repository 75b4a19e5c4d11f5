"""Night (infrared) mode read from the picture, and a cleaner picture for pose at night."""

from __future__ import annotations

import logging
from typing import Protocol

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)

_THUMB_WIDTH_PX = 64
_CHECK_PERIOD_S = 1.0


class NightConfig(BaseModel):
    """How a camera's switch to infrared at dusk is followed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        True,
        description="Follow the camera's infrared mode: when the picture turns grey, pose runs "
        "on a contrast-stretched, denoised copy of it.",
    )
    grey_chroma_max: float = Field(
        2.0,
        ge=0.0,
        le=30.0,
        description="Mean colour (Lab chroma, 0-128) below which the picture counts as the "
        "grey picture of an infrared camera. Daylight scenes measure 6-30.",
    )
    switch_s: float = Field(
        3.0,
        ge=0.0,
        le=600.0,
        description="The picture must read as the other mode this long before detection "
        "follows (a grey wall filling the view for a moment does not switch it).",
    )
    noise_min: float = Field(
        3.0,
        ge=0.0,
        le=50.0,
        description="Sensor noise (grey levels, estimated at pose_width_px) above which the "
        "night picture is cleaned for pose; a clean grey picture goes to pose as it is.",
    )
    pose_width_px: int = Field(
        256, ge=128, le=1280, description="Width the night picture is cleaned at (pose's input)."
    )
    clahe_clip: float = Field(
        2.0, ge=0.5, le=10.0, description="Local contrast stretch (CLAHE clip limit)."
    )
    denoise_strength: float = Field(
        8.0,
        ge=0.0,
        le=40.0,
        description="Non-local-means denoising strength (grey levels); 0 turns it off.",
    )
    min_pose_score: float = Field(
        0.12,
        ge=0.02,
        le=0.9,
        description="At night, fall.min_pose_score: pose scores people lower in cleaned "
        "infrared pictures.",
    )
    keep_pose_score: float = Field(
        0.06, ge=0.01, le=0.9, description="At night, fall.keep_pose_score."
    )
    down_keep_pose_score: float = Field(
        0.05, ge=0.01, le=0.9, description="At night, fall.down_keep_pose_score."
    )
    temporal_blend: float = Field(
        0.8,
        ge=0.0,
        le=0.95,
        description="Share of the previous night picture kept where a pixel has not changed "
        "(averages sensor noise away over frames); 0 turns it off.",
    )
    temporal_change_max: float = Field(
        15.0,
        ge=1.0,
        le=255.0,
        description="A pixel whose neighbourhood changed by this many grey levels is taken as "
        "new (motion), not noise: moving people leave no trail.",
    )

    @property
    def version(self) -> str:
        """What changes pose's input, for caches of what pose saw ('' when off)."""
        if not self.enabled:
            return ""
        return (
            f"night/g{self.grey_chroma_max}/s{self.switch_s}/n{self.noise_min}/w{self.pose_width_px}"
            f"/c{self.clahe_clip}/d{self.denoise_strength}"
            f"/t{self.temporal_blend}-{self.temporal_change_max}"
        )


def chroma(image_bgr: np.ndarray) -> float:
    """Mean colourfulness of a picture: the distance from grey in Lab's a/b plane (0-128)."""
    height, width = image_bgr.shape[:2]
    size = (_THUMB_WIDTH_PX, max(1, round(height * _THUMB_WIDTH_PX / max(width, 1))))
    thumb = cv2.resize(image_bgr, size, interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(thumb, cv2.COLOR_BGR2LAB).astype(np.float32)
    return float(np.hypot(lab[:, :, 1] - 128.0, lab[:, :, 2] - 128.0).mean())


_NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)


def noise_sigma(grey: np.ndarray) -> float:
    """Gaussian noise level of a grey picture, in grey levels (Immerkær's fast estimate)."""
    height, width = grey.shape
    if height < 3 or width < 3:
        return 0.0
    response = cv2.filter2D(grey.astype(np.float32), -1, _NOISE_KERNEL)[1:-1, 1:-1]
    return float(np.sqrt(np.pi / 2) * np.abs(response).mean() / 6.0)


def small_grey(image_bgr: np.ndarray, width_px: int) -> np.ndarray:
    """The picture in grey, at most `width_px` wide, as float grey levels."""
    grey = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
    height, width = grey.shape
    if width > width_px:
        size = (width_px, max(1, round(height * width_px / width)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    return grey.astype(np.float32)


def blend_still(previous: np.ndarray, grey: np.ndarray, config: NightConfig) -> np.ndarray:
    """Motion-adaptive temporal noise reduction: where a pixel's neighbourhood barely changed
    since the last picture, keep `temporal_blend` of the running average; where it changed,
    take it new. Changes are measured blurred (σ 2 px), where sensor noise is small."""
    change = np.abs(cv2.GaussianBlur(grey, (0, 0), 2.0) - cv2.GaussianBlur(previous, (0, 0), 2.0))
    weight = np.clip(1.0 - change / config.temporal_change_max, 0.0, 1.0) * config.temporal_blend
    return weight * previous + (1.0 - weight) * grey


def cleaned(grey: np.ndarray, config: NightConfig) -> np.ndarray:
    """Local contrast stretched (CLAHE), then non-local-means denoised, as BGR for pose."""
    picture = np.clip(grey, 0, 255).astype(np.uint8)
    picture = cv2.createCLAHE(clipLimit=config.clahe_clip, tileGridSize=(4, 4)).apply(picture)
    if config.denoise_strength > 0:
        picture = cv2.fastNlMeansDenoising(picture, None, config.denoise_strength, 5, 11)
    return cv2.cvtColor(picture, cv2.COLOR_GRAY2BGR)


class NightView(Protocol):
    """What analysis needs of a camera's night mode: the picture for pose, and whether pose
    is running on a cleaned night picture (whose people score lower: night pose scores)."""

    cleaning: bool

    def pose_picture(self, image_bgr: np.ndarray, pts_s: float) -> np.ndarray: ...


class NightMode:
    """Follows one camera's day/night mode from its pictures (checked once a second)."""

    def __init__(self, config: NightConfig, camera_id: str = "") -> None:
        self.config = config
        self.camera_id = camera_id
        self.night = False
        self._checked_s: float | None = None
        self._other_since_s: float | None = None  # when the picture began to read as the other
        self._average: tuple[float, np.ndarray] | None = None  # (pts_s, running night picture)
        self.cleaning = False  # night, and the picture noisy enough to be cleaned for pose

    def pose_picture(self, image_bgr: np.ndarray, pts_s: float) -> np.ndarray:
        """The picture to run pose on now: the frame by day, its cleaned copy at night."""
        if not self.config.enabled:
            return image_bgr
        checked = self._update(image_bgr, pts_s)
        if not self.night:
            self._average, self.cleaning = None, False
            return image_bgr
        # A clean grey picture goes to pose as it is: nothing to shrink or average for it.
        grey = (
            small_grey(image_bgr, self.config.pose_width_px) if checked or self.cleaning else None
        )
        if checked:
            assert grey is not None
            self.cleaning = noise_sigma(grey) >= self.config.noise_min
        if grey is None or not self.cleaning:
            self._average = None
            return image_bgr
        return cleaned(self._averaged(grey, pts_s), self.config)

    def _averaged(self, grey: np.ndarray, pts_s: float) -> np.ndarray:
        """The night picture averaged over recent frames where nothing moved."""
        last = self._average
        fresh = last is None or last[1].shape != grey.shape or not 0 < pts_s - last[0] <= 1.0
        if not fresh and self.config.temporal_blend > 0:
            assert last is not None
            grey = blend_still(last[1], grey, self.config)
        self._average = (pts_s, grey)
        return grey

    def _update(self, image_bgr: np.ndarray, pts_s: float) -> bool:
        """Check the mode if a check is due; True when the picture was checked now."""
        if self._checked_s is not None and 0 <= pts_s - self._checked_s < _CHECK_PERIOD_S:
            return False
        first = self._checked_s is None
        self._checked_s = pts_s
        self._follow(chroma(image_bgr) <= self.config.grey_chroma_max, pts_s, first)
        return True

    def _follow(self, reads_night: bool, pts_s: float, first: bool) -> None:
        """Switch once the picture has read as the other mode for switch_s."""
        if reads_night == self.night:
            self._other_since_s = None
            return
        if first:  # the camera starts in whatever mode its first picture shows
            self.night = reads_night
            return
        self._other_since_s = pts_s if self._other_since_s is None else self._other_since_s
        if pts_s - self._other_since_s >= self.config.switch_s:
            self.night, self._other_since_s = reads_night, None
            mode = "night (infrared)" if self.night else "day (colour)"
            log.info("camera %s: picture switched to %s mode", self.camera_id, mode)

"""Camera tampering per frame: lens covered, out of focus, or view moved from its reference."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

# Tiles (columns, rows) over which sharpness and detail are measured; a person covers few.
_GRID_WH = (16, 12)
# Detail is this percentile of the tiles' local contrast: a tenth of the picture has edges.
_DETAIL_PERCENTILE = 90.0
# A reference tile this flat (grey std) has no edges to lose, so it does not vote on focus.
_TEXTURED_TILE_STD = 6.0
# Learning keeps at most this many frames; more are thinned to every other one.
_MAX_CANDIDATES = 24
_ORB_FEATURES = 1500
# Features are kept per cell of this grid (columns, rows), at most this many each.
_FEATURE_GRID_WH = (8, 6)
_FEATURES_PER_CELL = 8
# RANSAC reprojection tolerance in work-image pixels.
_RANSAC_TOLERANCE_PX = 3.0


class SceneHealthConfig(BaseModel):
    """Thresholds of the tampering checks; tune per camera."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    learn_s: float = Field(
        5.0,
        ge=0.0,
        le=600.0,
        description="Seconds of frames from which the reference view is learned (0: the first "
        "frame alone). Covered frames are skipped, so learning waits for a clear view.",
    )
    covered_std_max: float = Field(
        4.0,
        ge=0.0,
        le=64.0,
        description="Grey standard deviation (0-255) below which the picture is uniform: lens "
        "covered, painted over, or pointed at a blank surface.",
    )
    covered_detail_max: float = Field(
        0.05,
        ge=0.0,
        le=1.0,
        description="Local contrast (grey std / grey mean within small tiles; 90th percentile "
        "of the tiles) below which the picture has no edges whatever its brightness: a hand or "
        "a sheet over the lens. A dark but textured night scene keeps its local contrast.",
    )
    defocus_ratio_max: float = Field(
        0.35,
        gt=0.0,
        le=1.0,
        description="Sharpness relative to the reference (median over textured tiles of "
        "Laplacian energy per unit of grey variance) below which the picture is out of focus.",
    )
    moved_match_min: float = Field(
        0.06,
        ge=0.0,
        le=1.0,
        description="Share of the reference's ORB features found again in one consistent "
        "position (RANSAC similarity) below which the camera looks elsewhere.",
    )
    moved_shift_max: float = Field(
        0.08,
        gt=0.0,
        le=1.0,
        description="Mean displacement of the picture corners under that similarity, as a share "
        "of the picture diagonal, above which the camera has moved or turned.",
    )
    moved_check_interval_s: float = Field(
        1.0,
        ge=0.0,
        le=60.0,
        description="Feature matching (the costly check) runs at most this often; frames in "
        "between repeat its last result (0: every frame).",
    )
    min_reference_features: int = Field(
        40,
        ge=4,
        le=_FEATURE_GRID_WH[0] * _FEATURE_GRID_WH[1] * _FEATURES_PER_CELL,
        description="A reference with fewer ORB features than this cannot show a move; the "
        "move check is then off (match_fraction reads NaN).",
    )
    work_width_px: int = Field(
        320,
        ge=64,
        le=1920,
        description="Pictures are shrunk to this width (keeping the aspect) before measuring.",
    )


@dataclass(frozen=True, slots=True)
class SceneHealthReading:
    """One frame's verdicts and the measures behind them; a measure not taken reads NaN.

    Covered needs no reference and is judged from the first frame on. While learning,
    defocused and moved are False; while covered they are False too (covering explains
    both), and so is moved while defocused (blur hides the features).
    """

    pts_s: float
    learning: bool
    covered: bool
    defocused: bool
    moved: bool
    grey_std: float  # 0-255
    detail: float  # local contrast, see SceneHealthConfig.covered_detail_max
    sharpness_ratio: float  # current / reference
    match_fraction: float  # inlier matches / reference features
    shift_fraction: float  # mean corner displacement / picture diagonal


def work_grey(image_bgr: np.ndarray, width_px: int) -> np.ndarray:
    """Grey picture `width_px` wide; halves first, as area averaging a large picture is slow."""
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3 or 0 in image_bgr.shape:
        raise ValueError(f"expected image of shape (H, W, 3), got {image_bgr.shape}")
    height, width = image_bgr.shape[:2]
    small = image_bgr
    while small.shape[1] >= 2 * width_px:
        half_wh = (small.shape[1] // 2, max(1, small.shape[0] // 2))
        small = cv2.resize(small, half_wh, interpolation=cv2.INTER_LINEAR)
    size_wh = (width_px, max(1, round(height * width_px / width)))
    small = cv2.resize(small, size_wh, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)


@dataclass(frozen=True, slots=True)
class _Look:
    """What is measured of one frame before comparing it with the reference."""

    grey: np.ndarray  # (H, W) uint8, work size
    grey_std: float
    detail: float
    tile_sharpness: np.ndarray  # (rows, columns) of _GRID_WH
    tile_std: np.ndarray  # (rows, columns)


@dataclass(frozen=True, slots=True)
class _Reference:
    tile_sharpness: np.ndarray  # NaN where the reference tile is too flat to judge focus
    keypoints_xy: np.ndarray  # (K, 2) work pixels
    descriptors: np.ndarray | None  # (K, 32) uint8
    size_wh: tuple[int, int]


def _tile_means(values: np.ndarray) -> np.ndarray:
    return cv2.resize(values, _GRID_WH, interpolation=cv2.INTER_AREA)


def _look(grey: np.ndarray) -> _Look:
    pixels = grey.astype(np.float32)
    laplacian = cv2.Laplacian(pixels, cv2.CV_32F)
    mean = _tile_means(pixels)
    variance = np.maximum(_tile_means(pixels * pixels) - mean * mean, 0.0)
    tile_std = np.sqrt(variance)
    sharpness = _tile_means(laplacian * laplacian) / (variance + 1.0)
    detail = float(np.percentile(tile_std / np.maximum(mean, 1.0), _DETAIL_PERCENTILE))
    return _Look(grey, float(pixels.std()), detail, sharpness, tile_std)


def _normalised(grey: np.ndarray) -> np.ndarray:
    """Fixed mean and spread, so that features are found alike by day and at night."""
    pixels = grey.astype(np.float32)
    spread = max(float(pixels.std()), 1.0)
    return np.clip((pixels - pixels.mean()) * (48.0 / spread) + 128.0, 0, 255).astype(np.uint8)


def _features(orb: cv2.ORB, grey: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Strongest corners of each grid cell, so that one busy region (a person, a clock
    overlay) cannot hold all the features."""
    normalised = _normalised(grey)
    candidates = _spread(orb.detect(normalised, None), grey.shape)
    keypoints, descriptors = orb.compute(normalised, candidates)
    points = np.array([k.pt for k in keypoints], dtype=np.float32).reshape(-1, 2)
    return points, descriptors


def _spread(keypoints: Sequence[cv2.KeyPoint], shape_hw: tuple[int, ...]) -> list[cv2.KeyPoint]:
    if not keypoints:
        return []
    columns, rows = _FEATURE_GRID_WH
    xy = np.array([k.pt for k in keypoints], dtype=np.float32)
    cell = (xy[:, 1] * rows // shape_hw[0]) * columns + xy[:, 0] * columns // shape_hw[1]
    response = np.array([k.response for k in keypoints], dtype=np.float32)
    order = np.lexsort((-response, cell))
    rank = np.arange(len(order)) - np.searchsorted(cell[order], cell[order])
    return [keypoints[i] for i in order[rank < _FEATURES_PER_CELL]]


def _corner_shift_fraction(transform: np.ndarray, size_wh: tuple[int, int]) -> float:
    width, height = size_wh
    corners = np.array([[0, 0, 1], [width, 0, 1], [0, height, 1], [width, height, 1]], np.float64)
    shift = np.linalg.norm(corners @ transform.T - corners[:, :2], axis=1).mean()
    return float(shift / math.hypot(width, height))


def _sharpness_ratio(look: _Look, reference: _Reference) -> float:
    ratios = look.tile_sharpness / reference.tile_sharpness
    ratios = ratios[np.isfinite(ratios)]
    return float(np.median(ratios)) if ratios.size else math.nan


def _is_covered(look: _Look, config: SceneHealthConfig) -> bool:
    return look.grey_std < config.covered_std_max or look.detail < config.covered_detail_max


class SceneHealthMonitor:
    """Learns a reference view from the first `learn_s` seconds, then judges each frame by it."""

    def __init__(self, config: SceneHealthConfig) -> None:
        self._config = config
        self._orb = cv2.ORB.create(nfeatures=_ORB_FEATURES, fastThreshold=10, nlevels=4)
        self._matcher = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True)
        self._reference: _Reference | None = None
        self._candidates: list[_Look] = []
        self._learn_from_s: float | None = None
        self._last_match: tuple[float, float, float] | None = None  # (pts_s, fraction, shift)

    @property
    def learning(self) -> bool:
        return self._reference is None

    def relearn(self) -> None:
        """Accepts the view from the next frames on as the new reference (operator action)."""
        self._reference = None
        self._candidates = []
        self._learn_from_s = None
        self._last_match = None

    def update(self, image_bgr: np.ndarray, pts_s: float) -> SceneHealthReading:
        look = _look(work_grey(image_bgr, self._config.work_width_px))
        if self._reference is not None and look.grey.shape[::-1] != self._reference.size_wh:
            self.relearn()  # another picture size is another stream: its view is new
        covered = _is_covered(look, self._config)
        if self._reference is None and not covered:
            self._learn(look, pts_s)
        if self._reference is None or covered:
            return _plain_reading(pts_s, look, learning=self._reference is None, covered=covered)
        return self._judge(look, pts_s, self._reference)

    def _learn(self, look: _Look, pts_s: float) -> None:
        if self._learn_from_s is None:
            self._learn_from_s = pts_s
        self._candidates.append(look)
        if len(self._candidates) > _MAX_CANDIDATES:
            self._candidates = self._candidates[::2]
        if pts_s - self._learn_from_s >= self._config.learn_s:
            self._reference = self._build_reference(self._candidates)
            self._candidates = []

    def _build_reference(self, looks: list[_Look]) -> _Reference:
        """Pixel-wise median, so that people passing during learning leave no trace."""
        grey = np.median(np.stack([look.grey for look in looks]), axis=0).astype(np.uint8)
        sharpness = np.median(np.stack([look.tile_sharpness for look in looks]), axis=0)
        textured = np.median(np.stack([look.tile_std for look in looks]), axis=0)
        sharpness = np.where(textured >= _TEXTURED_TILE_STD, sharpness, np.nan)
        points, descriptors = _features(self._orb, grey)
        height, width = grey.shape
        return _Reference(sharpness, points, descriptors, (width, height))

    def _judge(self, look: _Look, pts_s: float, reference: _Reference) -> SceneHealthReading:
        config = self._config
        sharpness_ratio = _sharpness_ratio(look, reference)
        defocused = sharpness_ratio < config.defocus_ratio_max
        match_fraction, shift_fraction = self._match_at(pts_s, look.grey, reference)
        moved = match_fraction < config.moved_match_min or shift_fraction > config.moved_shift_max
        return SceneHealthReading(
            pts_s=pts_s,
            learning=False,
            covered=False,
            defocused=defocused,
            moved=moved and not defocused,
            grey_std=look.grey_std,
            detail=look.detail,
            sharpness_ratio=sharpness_ratio,
            match_fraction=match_fraction,
            shift_fraction=shift_fraction,
        )

    def _match_at(
        self, pts_s: float, grey: np.ndarray, reference: _Reference
    ) -> tuple[float, float]:
        """The last match result while it is recent enough, else a fresh one."""
        last = self._last_match
        if last is not None and 0.0 <= pts_s - last[0] < self._config.moved_check_interval_s:
            return last[1], last[2]
        fraction, shift = self._match(grey, reference)
        self._last_match = (pts_s, fraction, shift)
        return fraction, shift

    def _match(self, grey: np.ndarray, reference: _Reference) -> tuple[float, float]:
        """(inlier share of the reference features, corner shift); NaN where not judged."""
        reference_count = len(reference.keypoints_xy)
        if reference.descriptors is None or reference_count < self._config.min_reference_features:
            return math.nan, math.nan
        points, descriptors = _features(self._orb, grey)
        if descriptors is None:
            return 0.0, math.nan
        matches = self._matcher.match(reference.descriptors, descriptors)
        source = reference.keypoints_xy[[m.queryIdx for m in matches]]
        target = points[[m.trainIdx for m in matches]]
        inlier_count, shift = _similarity(source, target, reference.size_wh)
        return inlier_count / reference_count, shift


def _similarity(
    source_xy: np.ndarray, target_xy: np.ndarray, size_wh: tuple[int, int]
) -> tuple[int, float]:
    """(inlier count, corner shift fraction) of the similarity that carries most matches."""
    if len(source_xy) < 4:
        return 0, math.nan
    transform, inliers = cv2.estimateAffinePartial2D(
        source_xy, target_xy, method=cv2.RANSAC, ransacReprojThreshold=_RANSAC_TOLERANCE_PX
    )
    if transform is None:
        return 0, math.nan
    return int(inliers.sum()), _corner_shift_fraction(transform, size_wh)


def _plain_reading(
    pts_s: float, look: _Look, *, learning: bool, covered: bool
) -> SceneHealthReading:
    return SceneHealthReading(
        pts_s=pts_s,
        learning=learning,
        covered=covered,
        defocused=False,
        moved=False,
        grey_std=look.grey_std,
        detail=look.detail,
        sharpness_ratio=math.nan,
        match_fraction=math.nan,
        shift_fraction=math.nan,
    )

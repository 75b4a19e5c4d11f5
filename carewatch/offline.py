"""Offline analysis of one video file: the code path behind `carewatch analyze` and `eval`."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from carewatch.config import ConfigError, Settings
from models.registry import ModelError
from streams.frame import Frame
from streams.sources import SourceError, iter_file_frames
from vision.config import ModelsConfig, VisionConfig
from vision.events import SafetyEvent
from vision.fallen import load_fall_classifier
from vision.pipeline import Analyzer, PoseEstimator, SecondOpinion
from vision.pose import load_pose

log = logging.getLogger(__name__)


class AnalyzeError(RuntimeError):
    """The video or a model cannot be used; one line for people."""


def camera_for(
    settings: Settings | None, camera_id: str | None, video: Path
) -> tuple[str, VisionConfig, ModelsConfig]:
    """The camera id and analysis settings that apply to a video file."""
    if settings is None or not settings.cameras:
        models = settings.models if settings else ModelsConfig()
        return camera_id or video.stem, VisionConfig(), models
    cameras = {c.id: c for c in settings.cameras}
    camera = cameras.get(camera_id) if camera_id else settings.cameras[0]
    if camera is None:
        raise ConfigError(f"--camera: no camera {camera_id!r} (known: {', '.join(cameras)})")
    return camera.id, camera.vision(), settings.models


def build_estimator(models: ModelsConfig) -> PoseEstimator:
    """The perception stage every analysis path uses (live, analyze, eval)."""
    return load_pose(models.pose_path, models.threads)


def build_second_opinion(models: ModelsConfig) -> SecondOpinion | None:
    """The YOLO Normal/Fall model when enabled and installed; analysis goes on without it."""
    if not models.second_opinion:
        return None
    try:
        return load_fall_classifier(models.threads)
    except ModelError as error:
        log.warning("second opinion off: %s", error)
        return None


def build_analyzer(
    camera_id: str, vision: VisionConfig, models: ModelsConfig, second_opinion: SecondOpinion | None
) -> Analyzer:
    """A camera's analysis; the second opinion is thread-safe and may serve every camera."""
    return Analyzer(camera_id, vision, build_estimator(models), second_opinion)


def analyze_frames(frames: Iterable[Frame], analyzer: Analyzer) -> Iterator[SafetyEvent]:
    """Each finished event of a frame sequence; open events are closed at the last frame."""
    last: Frame | None = None
    for last in frames:
        yield from (e for e in analyzer.process(last).events if not e.is_open)
    if last is not None:
        yield from analyzer.finish(last)


def analyze_file(
    video: Path, camera_id: str, vision: VisionConfig, models: ModelsConfig
) -> Iterator[SafetyEvent]:
    """Yield each finished event of a file, analysed at `vision.analysis_fps` of video time."""
    try:
        frames = iter_file_frames(str(video), camera_id, vision.analysis_fps)
        analyzer = build_analyzer(camera_id, vision, models, build_second_opinion(models))
        yield from analyze_frames(frames, analyzer)
    except (SourceError, ModelError) as error:
        raise AnalyzeError(str(error)) from None

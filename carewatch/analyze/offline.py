"""Offline analysis of one video file: the code path behind `carewatch analyze` and `eval`."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

from carewatch.analyze.lookahead import Answers, Lookahead
from carewatch.config import ConfigError, Settings
from models.registry import ModelError
from streams.frame import Frame
from streams.sources import SourceError, iter_file_frames
from vision.assembly import SharedModels, build_analyzer, build_pose_pool, build_shared_models
from vision.config import ModelsConfig, VisionConfig
from vision.events import SafetyEvent
from vision.motion import MotionConfig, MotionGate
from vision.pipeline import Analyzer, PoseEstimator

log = logging.getLogger(__name__)
T = TypeVar("T")
AHEAD_PER_WORKER = 4  # frames analysed ahead per worker: enough to keep each one busy
DECODE_AHEAD = 4  # frames decoded ahead of those (a 720p frame is 2.8 MB)


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
    return camera.id, settings.vision_for(camera), settings.models


def default_workers() -> int:
    """Model workers for one video analysed as fast as it can be: one per core."""
    return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class OfflineModels:
    """What a video analysed ahead runs on: a thread-safe pool of `workers` pose estimators
    and the shared models."""

    pose: PoseEstimator
    shared: SharedModels
    workers: int


def build_offline_models(
    models: ModelsConfig, workers: int, shared: SharedModels | None = None
) -> OfflineModels:
    """A pose pool of `workers` and the shared models (loaded the same way unless given)."""
    shared = build_shared_models(models, workers) if shared is None else shared
    return OfflineModels(build_pose_pool(models, workers), shared, workers)


def analyze_ahead(
    frames: Iterable[Frame],
    camera_id: str,
    vision: VisionConfig,
    models: ModelsConfig,
    offline: OfflineModels,
) -> Iterator[SafetyEvent]:
    """`analyze_frames` (gated, as a live camera) on a fresh analyzer, with decoding and pose
    run ahead on other threads: the same events, sooner."""
    answers = Answers(offline.pose)
    analyzer = build_analyzer(camera_id, vision, models, offline.shared, answers)
    depth = AHEAD_PER_WORKER * offline.workers
    ahead = Lookahead(
        answers, offline.workers, depth, DECODE_AHEAD, vision.motion, analyzer.watching
    )
    yield from analyze_frames(ahead.frames(frames), analyzer, gated=True)


def analyze_frames(
    frames: Iterable[Frame], analyzer: Analyzer, *, gated: bool
) -> Iterator[SafetyEvent]:
    """Each finished event of a frame sequence; open events are closed at the last frame.

    `gated`: frames pass the analyzer's motion gate (`config.motion`) as a live camera's do,
    fire checks included. Otherwise every frame is analysed and every due fire check runs the
    model (recorded perception is replayed so: it keeps no pictures to compare).
    """
    motion = analyzer.config.motion if gated else MotionConfig(enabled=False)
    gate = MotionGate(motion)
    last: Frame | None = None
    for last in frames:
        if analyzer.fire_due(last.pts_s):
            people = analyzer.people_xyxy()
            analyzer.check_fire(last, gate.fire_unchanged(last.image_bgr, last.pts_s, people))
        if gate.should_analyse(last.image_bgr, last.pts_s, analyzer.watching()):
            yield from (e for e in analyzer.process(last).events if not e.is_open)
    if last is not None:
        yield from analyzer.finish(last)


def live_frames(video: Path, camera_id: str, fps: float) -> Iterator[Frame]:
    """A file's frames at `fps`, decoded as a live camera decodes them by default (without
    deblocking: `fast_decode`), so that offline analysis sees the pictures live analysis sees."""
    return iter_file_frames(str(video), camera_id, fps, fast_decode=True)


def on_clock(frames: Iterable[Frame], start_epoch_s: float) -> Iterator[Frame]:
    """Frames stamped as if the video's first frame was captured at `start_epoch_s`."""
    for frame in frames:
        yield replace(frame, captured_at=start_epoch_s + frame.pts_s)


def exact_frames(video: Path, camera_id: str, fps: float) -> Iterator[Frame]:
    """A file's frames at `fps`, decoded exactly (with deblocking): for clips carewatch
    wrote itself, whose pictures are the camera's as analysed. Skipping the deblocking of
    such a clip (one keyframe for its whole length) drifts further from them every frame."""
    return iter_file_frames(str(video), camera_id, fps, fast_decode=False)


def analyze_file(
    video: Path,
    camera_id: str,
    vision: VisionConfig,
    models: ModelsConfig,
    start_epoch_s: float | None = None,
    shared: SharedModels | None = None,
    workers: int | None = None,
    decode: Callable[[Path, str, float], Iterator[Frame]] = live_frames,
) -> Iterator[SafetyEvent]:
    """Yield each finished event of a file, analysed at `vision.analysis_fps` of video time.

    Frames are stamped from `start_epoch_s` (default: now) plus their video time, so that
    zone schedules see the time of day the video shows, at whatever speed it is analysed.
    `shared` models are loaded from `models` when not given (a running service passes its own).
    The models run on `workers` threads ahead of the analysis (default: one per core).
    `decode` gives the frames: as a live camera decodes a file (`live_frames`), or exactly
    (`exact_frames`, for recorded event clips).
    """
    start_epoch_s = time.time() if start_epoch_s is None else start_epoch_s
    try:
        frames = on_clock(decode(video, camera_id, vision.analysis_fps), start_epoch_s)
        offline = build_offline_models(models, workers or default_workers(), shared)
        yield from analyze_ahead(frames, camera_id, vision, models, offline)
    except (SourceError, ModelError) as error:
        raise AnalyzeError(str(error)) from None

"""Assembling a camera's analysis: its pose model, the shared models, and the Analyzer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from models.registry import ModelError
from models.runtime import resolve_backend
from vision.config import ModelsConfig, VisionConfig
from vision.fallen import load_fall_classifier
from vision.fire import load_fire_detector
from vision.pipeline import Analyzer, FireModel, PoseEstimator, SecondOpinion
from vision.pool import PosePool
from vision.pose import load_pose

log = logging.getLogger(__name__)
T = TypeVar("T")


def build_estimator(models: ModelsConfig) -> PoseEstimator:
    """The perception stage every analysis path uses (live, analyze, eval)."""
    return load_pose(models.pose_path, models.threads_for(1), models.backend)


@dataclass(frozen=True, slots=True)
class SharedModels:
    """Thread-safe models that one process loads once and every camera uses."""

    second_opinion: SecondOpinion | None
    fire: FireModel | None


def _optional(what: str, load: Callable[[], T]) -> T | None:
    try:
        return load()
    except ModelError as error:
        log.warning("%s off: %s", what, error)
        return None


def build_second_opinion(models: ModelsConfig, workers: int = 1) -> SecondOpinion | None:
    """The YOLO Normal/Fall model when enabled; fall detection goes on without it."""
    if not models.second_opinion:
        return None
    backend = resolve_backend(models.backend)  # an explicit backend that cannot run is an error
    threads = models.threads_for(workers)
    return _optional("second opinion", lambda: load_fall_classifier(threads, backend))


def build_fire_model(models: ModelsConfig, workers: int = 1) -> FireModel | None:
    """The fire/smoke model when enabled; the other rules go on without it."""
    if not models.fire:
        return None
    backend = resolve_backend(models.backend)  # an explicit backend that cannot run is an error
    threads = models.threads_for(workers)
    return _optional(
        "fire detection",
        lambda: load_fire_detector(threads, models.fire_input_px, backend=backend),
    )


def build_shared_models(models: ModelsConfig, workers: int = 1) -> SharedModels:
    """The shared models, each with the threads of `workers` running at once."""
    return SharedModels(build_second_opinion(models, workers), build_fire_model(models, workers))


def build_analyzer(
    camera_id: str,
    vision: VisionConfig,
    models: ModelsConfig,
    shared: SharedModels,
    pose: PoseEstimator | None = None,
) -> Analyzer:
    """A camera's analysis: its own state, the shared models, and its own pose model unless
    `pose` is given (a service shares a pool of them among its cameras)."""
    pose = build_estimator(models) if pose is None else pose
    return Analyzer(camera_id, vision, pose, shared.second_opinion, shared.fire)


def build_pose_pool(models: ModelsConfig, workers: int) -> PosePool:
    """`workers` pose estimators, one per worker, with the machine's threads shared out
    among them (a service's cameras share one; so do the look-ahead's workers)."""
    threads = models.threads_for(workers)
    return PosePool([load_pose(models.pose_path, threads, models.backend) for _ in range(workers)])

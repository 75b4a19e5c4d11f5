"""One `carewatch bench` run: the real service on N cameras looping real clips in real time.

Readers pace each clip at its native rate (what a camera does), so the figures are what
the machine sustains: decode, scheduler, models, rules, event rows in the database.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import func, select

from carewatch.bench.report import CameraSample, RunFigures, RunSetup, Sample, run_figures
from carewatch.bench.workload import CameraClip, TypicalClips, substream_clips, workload_clips
from carewatch.config import ConfigError, Settings, load_settings, parse_settings
from carewatch.run.service import Service
from supervision.events.store import EventStore
from supervision.tables import Event
from vision.assembly import build_estimator
from vision.config import ModelsConfig
from vision.events import EventType
from vision.pipeline import PoseEstimator

log = logging.getLogger(__name__)

FACILITY = "bench"
# Sections the bench writes itself; from a --config file only the others are used (models,
# analysis, clips, ...). Publishing is left out: a bench must not notify anybody.
OWN_SECTIONS = ("districts", "facilities", "cameras", "storage", "database", "publish")
CAMERA_OWN_FIELDS = ("id", "name", "facility", "source", "analysis_fps")
RSS_EVERY_S = 0.5


class BenchError(RuntimeError):
    """The bench cannot run as asked; one line for people."""


@dataclass(frozen=True, slots=True)
class BenchSpec:
    """What one run is asked to do."""

    workload: str
    camera_count: int
    target_fps: float
    warmup_s: float
    duration_s: float
    manifest: Path
    clip_size_wh: tuple[int, int]
    data_dir: Path
    database_url: str | None = None
    config: Path | None = None
    keep: bool = False
    substream: tuple[int, int, float] | None = None  # width, height, fps of each camera's feed
    motion_gate: bool = True  # off: every frame goes through the models (the strictest test)


def machine_cores() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def base_sections(config: Path | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Settings sections and a camera template (the file's first camera) from --config."""
    if config is None:
        return {}, {}
    settings = load_settings(config)
    data = settings.model_dump(exclude=set(OWN_SECTIONS))
    template = (
        settings.cameras[0].model_dump(exclude=set(CAMERA_OWN_FIELDS)) if settings.cameras else {}
    )
    return data, template


def bench_settings(
    spec: BenchSpec,
    clips: Sequence[CameraClip],
    run_dir: Path,
    base: Mapping[str, Any] | None = None,
    camera_template: Mapping[str, Any] | None = None,
) -> Settings:
    """Settings for N cameras, each looping its clip at the clip's own rate."""
    cameras = [
        {
            **(camera_template or {}),
            "id": camera_id(index),
            "name": f"Bench camera {index + 1}",
            "facility": FACILITY,
            "source": {"type": "file", "path": str(clip.path), "loop": True, "realtime": True},
            "analysis_fps": spec.target_fps,
        }
        for index, clip in enumerate(clips)
    ]
    if not spec.motion_gate:
        motion = {**(camera_template or {}).get("motion", {}), "enabled": False}
        cameras = [{**camera, "motion": motion} for camera in cameras]
    database = spec.database_url or f"sqlite:///{run_dir.resolve() / 'bench.db'}"
    data = {
        **(base or {}),
        "facilities": [{"id": FACILITY, "name": "Benchmark"}],
        "cameras": cameras,
        "storage": {"data_dir": str(run_dir)},
        "database": {"url": database},
    }
    return parse_settings(data, "bench")


def camera_id(index: int) -> str:
    return f"cam{index + 1:02d}"


class ResourceMonitor:
    """CPU seconds and peak resident memory of this process and its children."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="bench-rss", daemon=True)
        self.peak_rss_bytes = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2.0)

    def cpu_s(self) -> float:
        times = self._process.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        for child in self._children():
            try:
                child_times = child.cpu_times()
            except psutil.Error:  # ended between the listing and the read
                continue
            total += child_times.user + child_times.system
        return total

    @property
    def peak_rss_mb(self) -> float:
        return self.peak_rss_bytes / 1e6

    def _children(self) -> list[psutil.Process]:
        try:
            return self._process.children(recursive=True)
        except psutil.Error:
            return []

    def _watch(self) -> None:
        while True:
            rss = self._process.memory_info().rss
            for child in self._children():
                try:
                    rss += child.memory_info().rss  # shared pages count twice: an upper bound
                except psutil.Error:
                    continue
            self.peak_rss_bytes = max(self.peak_rss_bytes, rss)
            if self._stop.wait(RSS_EVERY_S):
                return


def fall_counts(store: EventStore) -> dict[str, int]:
    """Fall rows per camera."""
    query = (
        select(Event.camera_id, func.count())
        .where(Event.type == str(EventType.FALL))
        .group_by(Event.camera_id)
    )
    with store.sessions() as session:
        return {camera: int(count) for camera, count in session.execute(query).all()}


def take_sample(service: Service, monitor: ResourceMonitor, at_s: float) -> Sample:
    loads = {load.camera_id: load for load in service.camera_loads()}
    latencies = {latency.camera_id: latency for latency in service.event_latencies()}
    falls = fall_counts(service.store)
    cameras: dict[str, CameraSample] = {}
    for camera in service.camera_ids():
        health, load, latency = service.health(camera), loads.get(camera), latencies.get(camera)
        cameras[camera] = CameraSample(
            camera,
            str(health.state) if health else "unknown",
            health.frames_read if health else 0,
            health.frames_dropped if health else 0,
            load.frames_analysed if load else 0,
            load.frames_gated if load else 0,
            load.frames_shed if load else 0,
            load.fire_checks if load else 0,
            load.result_latency_p50_s if load else None,
            load.result_latency_p95_s if load else None,
            latency.samples_s if latency else (),
            falls.get(camera, 0),
        )
    return Sample(at_s, monitor.cpu_s(), cameras)


def check_cameras(service: Service, settings: Settings) -> None:
    """The database's stored camera versions run over the file's: refuse a database that
    already holds other configurations of the bench's cameras."""
    running = [camera.model_dump() for camera in service.settings.cameras]
    if running != [camera.model_dump() for camera in settings.cameras]:
        raise BenchError(
            "the database already holds other configurations of cameras "
            f"{camera_id(0)}..: give the bench an empty database"
        )


def measure(service: Service, setup: RunSetup, duration_s: float) -> RunFigures:
    """Start, wait out the warm-up, sample, wait the measured window, sample, stop."""
    monitor, clock = ResourceMonitor(), threading.Event()
    service.start()
    monitor.start()
    try:
        clock.wait(setup.warmup_s)
        start = take_sample(service, monitor, time.monotonic())
        clock.wait(duration_s)
        end = take_sample(service, monitor, time.monotonic())
    finally:
        monitor.stop()
        service.stop()
    return run_figures(setup, start, end, monitor.peak_rss_mb)


def pose_factory(models_data: Mapping[str, Any]) -> Callable[[], PoseEstimator]:
    """MoveNet as the settings load it (checks the typical workload's empty rooms)."""
    return lambda: build_estimator(ModelsConfig.model_validate(models_data))


def run_bench(spec: BenchSpec) -> RunFigures:
    """One run of the real service; BenchError (or ConfigError) when it cannot start."""
    base, template = base_sections(spec.config)
    typical = TypicalClips(spec.data_dir / "clips", pose_factory(base.get("models", {})))
    clips = workload_clips(
        spec.workload, spec.manifest, spec.clip_size_wh, spec.camera_count, typical
    )
    if spec.substream is not None:
        width, height, fps = spec.substream
        clips = substream_clips(clips, (width, height), fps, spec.data_dir / "clips")
    runs = spec.data_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix=f"{spec.workload}-{spec.camera_count}-", dir=runs))
    try:
        settings = bench_settings(spec, clips, run_dir, base, template)
        service = Service(settings)
        check_cameras(service, settings)
        names = {camera_id(i): clip.label for i, clip in enumerate(clips)}
        setup = RunSetup(spec.workload, spec.target_fps, spec.warmup_s, names, machine_cores())
        return measure(service, setup, spec.duration_s)
    except ConfigError as error:
        raise BenchError(str(error)) from None
    finally:
        _clean(run_dir, spec.keep)


def _clean(run_dir: Path, keep: bool) -> None:
    if keep:
        log.info("bench: run data kept in %s", run_dir)
    else:
        shutil.rmtree(run_dir, ignore_errors=True)

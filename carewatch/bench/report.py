"""`carewatch bench` figures: per camera and per run, whether the run sustained its target."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

FPS_SHARE = 0.9  # a camera keeps up when it reaches this share of its target rate
LATENCY_LIMIT_S = 1.5  # capture -> event row, p95 (issue 7)
BUSY, TYPICAL = "busy", "typical"
WORKLOADS = (BUSY, TYPICAL)


@dataclass(frozen=True, slots=True)
class CameraSample:
    """One camera's counters at one moment (scheduler load, reader health, event writes)."""

    camera_id: str
    state: str
    frames_read: int = 0
    frames_dropped: int = 0
    frames_analysed: int = 0
    frames_gated: int = 0
    frames_shed: int = 0
    fire_checks: int = 0
    result_latency_p50_s: float | None = None
    result_latency_p95_s: float | None = None
    event_latencies_s: tuple[float, ...] = ()  # every sample since the service started
    falls_written: int = 0


@dataclass(frozen=True, slots=True)
class Sample:
    """The whole service at one moment: monotonic time, process CPU seconds, each camera."""

    at_s: float
    cpu_s: float
    cameras: Mapping[str, CameraSample]


@dataclass(frozen=True, slots=True)
class CameraFigures:
    """One camera over the measured window (rates from counter differences)."""

    camera_id: str
    clip: str
    state: str
    target_fps: float
    analysed_fps: float
    checked_fps: float  # analysed + gated
    frames_read: int
    frames_dropped: int
    frames_analysed: int
    frames_gated: int
    frames_shed: int
    fire_checks: int  # fire/smoke model runs
    result_latency_p50_s: float | None  # the scheduler's recent window at the end
    result_latency_p95_s: float | None
    event_latency_p50_s: float | None
    event_latency_p95_s: float | None
    events_written: int
    falls_written: int


@dataclass(frozen=True, slots=True)
class RunFigures:
    """One bench run: its cameras, the machine's load, and whether it sustained the target."""

    workload: str
    camera_count: int
    target_fps: float
    warmup_s: float
    duration_s: float  # measured window, wall clock
    cpu_cores: float  # CPU seconds per wall second (this process and its children)
    machine_cores: int
    peak_rss_mb: float
    event_latency_p50_s: float | None
    event_latency_p95_s: float | None
    event_latency_samples: int
    falls_written: int
    sustained: bool
    reasons: tuple[str, ...]  # why not, one line each
    cameras: tuple[CameraFigures, ...] = ()
    error: str | None = None  # the run itself failed

    @property
    def cpu_percent(self) -> float:
        """Share of the whole machine's CPU."""
        return 100.0 * self.cpu_cores / max(1, self.machine_cores)

    def to_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "cpu_percent": round(self.cpu_percent, 1)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunFigures:
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        values["cameras"] = tuple(CameraFigures(**c) for c in data.get("cameras", ()))
        values["reasons"] = tuple(data.get("reasons", ()))
        return cls(**values)


def quantiles(samples_s: Sequence[float]) -> tuple[float | None, float | None]:
    """p50 and p95 (linear interpolation), None for no samples."""
    if not samples_s:
        return None, None
    p50, p95 = np.percentile(np.asarray(samples_s, float), [50, 95])
    return float(p50), float(p95)


def camera_figures(
    start: CameraSample | None, end: CameraSample, window_s: float, target_fps: float, clip: str
) -> CameraFigures:
    """A camera's figures between two samples; a camera absent at the start counts from 0."""
    begin = start or CameraSample(end.camera_id, end.state)

    def delta(name: str) -> int:
        # A reader that reconnected restarts its counts: then the end value is the delta.
        before, after = getattr(begin, name), getattr(end, name)
        return after - before if after >= before else after

    analysed, gated = delta("frames_analysed"), delta("frames_gated")
    new_latencies = end.event_latencies_s[len(begin.event_latencies_s) :]
    p50, p95 = quantiles(new_latencies)
    per_s = 1.0 / window_s if window_s > 0 else 0.0
    return CameraFigures(
        end.camera_id,
        clip,
        end.state,
        target_fps,
        analysed * per_s,
        (analysed + gated) * per_s,
        delta("frames_read"),
        delta("frames_dropped"),
        analysed,
        gated,
        delta("frames_shed"),
        delta("fire_checks"),
        end.result_latency_p50_s,
        end.result_latency_p95_s,
        p50,
        p95,
        len(new_latencies),
        delta("falls_written"),
    )


def camera_reasons(camera: CameraFigures, workload: str) -> list[str]:
    """Why a camera did not keep up; empty when it did.

    Busy cameras always have someone moving, so only analysed frames count. A typical camera
    that the motion gate skips is still being watched (a gated frame is checked, just not
    worth a model run), so there analysed + gated frames count.
    """
    floor_fps = FPS_SHARE * camera.target_fps
    rate, what = (
        (camera.analysed_fps, "analysed") if workload == BUSY else (camera.checked_fps, "checked")
    )
    reasons = []
    if rate < floor_fps:
        reasons.append(f"{camera.camera_id}: {rate:.2f} {what} fps < {floor_fps:.2f}")
    p95 = camera.result_latency_p95_s
    if p95 is not None and p95 > LATENCY_LIMIT_S:
        # An event row cannot come sooner than the analysis result it comes from.
        reasons.append(f"{camera.camera_id}: result p95 {p95:.2f} s > {LATENCY_LIMIT_S} s")
    return reasons


def judge(
    cameras: Sequence[CameraFigures], workload: str, event_p95_s: float | None
) -> tuple[bool, tuple[str, ...]]:
    """Sustained: every camera keeps its rate, and p95 capture -> event row ≤ the limit."""
    if not cameras:
        return False, ("no cameras",)
    reasons = [reason for camera in cameras for reason in camera_reasons(camera, workload)]
    if event_p95_s is not None and event_p95_s > LATENCY_LIMIT_S:
        reasons.append(f"event p95 {event_p95_s:.2f} s > {LATENCY_LIMIT_S} s")
    return not reasons, tuple(reasons)


@dataclass(frozen=True, slots=True)
class RunSetup:
    """What a run was asked for, beside its measurements."""

    workload: str
    target_fps: float
    warmup_s: float
    clips: Mapping[str, str]  # camera id -> clip name
    machine_cores: int


def run_figures(setup: RunSetup, start: Sample, end: Sample, peak_rss_mb: float) -> RunFigures:
    """The run's figures from the samples at the end of the warm-up and at the end."""
    window_s = end.at_s - start.at_s
    cameras = tuple(
        camera_figures(
            start.cameras.get(camera_id),
            sample,
            window_s,
            setup.target_fps,
            setup.clips.get(camera_id, ""),
        )
        for camera_id, sample in sorted(end.cameras.items())
    )
    new = [_window_latencies(start.cameras.get(c), s) for c, s in end.cameras.items()]
    latencies = [value for values in new for value in values]
    p50, p95 = quantiles(latencies)
    sustained, reasons = judge(cameras, setup.workload, p95)
    cpu_cores = (end.cpu_s - start.cpu_s) / window_s if window_s > 0 else math.nan
    return RunFigures(
        setup.workload,
        len(cameras),
        setup.target_fps,
        setup.warmup_s,
        window_s,
        cpu_cores,
        setup.machine_cores,
        peak_rss_mb,
        p50,
        p95,
        len(latencies),
        sum(camera.falls_written for camera in cameras),
        sustained,
        reasons,
        cameras,
    )


def _window_latencies(start: CameraSample | None, end: CameraSample) -> tuple[float, ...]:
    return end.event_latencies_s[len(start.event_latencies_s) if start else 0 :]


def failed_run(workload: str, camera_count: int, target_fps: float, error: str) -> RunFigures:
    """A run that did not finish: not sustained, and why."""
    return RunFigures(
        workload, camera_count, target_fps, 0.0, 0.0, 0.0, 0, 0.0, None, None, 0, 0, False,
        (error,), error=error,
    )  # fmt: skip


def _ms(value_s: float | None) -> str:
    return "-" if value_s is None else f"{value_s * 1000:.0f}"


HEADER = (
    f"{'camera':<8} {'clip':<32} {'state':<8} {'anl/s':>6} {'chk/s':>6} {'read':>6} "
    f"{'drop':>6} {'gated':>6} {'shed':>5} {'fire':>5} {'result p50/p95 ms':>17} "
    f"{'event p50/p95 ms':>16} {'events':>6} {'falls':>5}"
)


def camera_line(camera: CameraFigures) -> str:
    result = f"{_ms(camera.result_latency_p50_s)}/{_ms(camera.result_latency_p95_s)}"
    event = f"{_ms(camera.event_latency_p50_s)}/{_ms(camera.event_latency_p95_s)}"
    return (
        f"{camera.camera_id:<8} {camera.clip[-32:]:<32} {camera.state:<8} "
        f"{camera.analysed_fps:>6.2f} {camera.checked_fps:>6.2f} {camera.frames_read:>6} "
        f"{camera.frames_dropped:>6} {camera.frames_gated:>6} {camera.frames_shed:>5} "
        f"{camera.fire_checks:>5} "
        f"{result:>17} {event:>16} {camera.events_written:>6} {camera.falls_written:>5}"
    )


def run_summary(run: RunFigures) -> str:
    """One line: cameras, workload, verdict, CPU, memory, event latency."""
    if run.error is not None:
        return f"{run.camera_count} camera(s) {run.workload}: FAILED ({run.error})"
    verdict = "SUSTAINED" if run.sustained else "not sustained"
    return (
        f"{run.camera_count} camera(s) {run.workload} at {run.target_fps:g} fps: {verdict}; "
        f"CPU {run.cpu_cores:.2f} cores ({run.cpu_percent:.0f}% of {run.machine_cores}), "
        f"peak RSS {run.peak_rss_mb:.0f} MB, event latency p50/p95 "
        f"{_ms(run.event_latency_p50_s)}/{_ms(run.event_latency_p95_s)} ms "
        f"({run.event_latency_samples} events, {run.falls_written} falls) "
        f"over {run.duration_s:.0f} s"
    )


def render_run(run: RunFigures) -> str:
    lines = [HEADER, *(camera_line(camera) for camera in run.cameras), run_summary(run)]
    lines += [f"  {reason}" for reason in run.reasons if run.error is None]
    return "\n".join(lines)

"""Prometheus metrics of the running service, read from its figures at scrape time."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Protocol

from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from dashboard.disk_metrics import disk_metrics, media_write_metrics
from dashboard.live import LiveFeed
from dashboard.service_health import HealthSource, problem_metrics
from streams.health import CameraHealth, CameraState
from supervision.retention.disk import DiskState

CAMERA = ("camera",)


class CameraLoadFigures(Protocol):
    """One camera's analysis figures (vision.scheduler.CameraLoad has these)."""

    @property
    def camera_id(self) -> str: ...
    @property
    def target_fps(self) -> float: ...
    @property
    def frames_analysed(self) -> int: ...
    @property
    def frames_gated(self) -> int: ...
    @property
    def frames_shed(self) -> int: ...
    @property
    def fire_checks(self) -> int: ...
    @property
    def analysed_fps(self) -> float: ...
    @property
    def checked_fps(self) -> float: ...
    @property
    def result_latency_p50_s(self) -> float | None: ...
    @property
    def result_latency_p95_s(self) -> float | None: ...


class EventLatencyFigures(Protocol):
    """Capture → event row figures of one camera (the service's EventLatency has these)."""

    @property
    def camera_id(self) -> str: ...
    @property
    def events_written(self) -> int: ...
    @property
    def p50_s(self) -> float | None: ...
    @property
    def p95_s(self) -> float | None: ...
    @property
    def max_s(self) -> float | None: ...


class ClipBufferFigures(Protocol):
    """A camera's clip buffer (the service's ClipBufferLoad has these)."""

    @property
    def camera_id(self) -> str: ...
    @property
    def nbytes(self) -> int: ...
    @property
    def overflows(self) -> int: ...


class MetricsSource(Protocol):
    """What /metrics reads besides the live feed's health; called once per scrape, cheap."""

    def camera_loads(self) -> Sequence[CameraLoadFigures]: ...

    def event_latencies(self) -> Sequence[EventLatencyFigures]: ...

    def clip_buffers(self) -> Sequence[ClipBufferFigures]: ...

    def disk_state(self) -> DiskState: ...

    def media_write_failures(self) -> Mapping[tuple[str, str], int]: ...


Family = GaugeMetricFamily | CounterMetricFamily


def _per_camera(
    kind: type[Family], name: str, text: str, rows: Sequence[tuple[str, float]]
) -> Family:
    family = kind(f"carewatch_camera_{name}", text, labels=CAMERA)
    for camera_id, value in rows:
        family.add_metric([camera_id], value)
    return family


def _quantiles(
    name: str, text: str, rows: Sequence[tuple[str, float | None, float | None]]
) -> Metric:
    """A gauge per camera and quantile (0.5, 0.95); a camera without samples has none."""
    family = GaugeMetricFamily(f"carewatch_camera_{name}", text, labels=("camera", "quantile"))
    for camera_id, p50_s, p95_s in rows:
        for quantile, value in (("0.5", p50_s), ("0.95", p95_s)):
            if value is not None:
                family.add_metric([camera_id, quantile], value)
    return family


LOAD_FIGURES: tuple[tuple[type[Family], str, str, Callable[[CameraLoadFigures], float]], ...] = (
    (GaugeMetricFamily, "target_fps", "Configured analysis rate.", lambda x: x.target_fps),
    (
        GaugeMetricFamily,
        "analysed_fps",
        "Frames through the models a second.",
        lambda x: x.analysed_fps,
    ),
    (
        GaugeMetricFamily,
        "checked_fps",
        "Frames analysed or gated a second.",
        lambda x: x.checked_fps,
    ),
    (
        CounterMetricFamily,
        "frames_analysed",
        "Frames through the models.",
        lambda x: x.frames_analysed,
    ),
    (
        CounterMetricFamily,
        "frames_gated",
        "Frames skipped by the motion gate.",
        lambda x: x.frames_gated,
    ),
    (
        CounterMetricFamily,
        "frames_shed",
        "Analyses skipped under overload.",
        lambda x: x.frames_shed,
    ),
    (CounterMetricFamily, "fire_checks", "Fire/smoke model runs.", lambda x: x.fire_checks),
)


def load_metrics(loads: Sequence[CameraLoadFigures]) -> Iterator[Metric]:
    for kind, name, text, value in LOAD_FIGURES:
        yield _per_camera(kind, name, text, [(x.camera_id, value(x)) for x in loads])
    yield _quantiles(
        "result_latency_seconds",
        "Frame capture to analysis result, recent window.",
        [(x.camera_id, x.result_latency_p50_s, x.result_latency_p95_s) for x in loads],
    )


def latency_metrics(latencies: Sequence[EventLatencyFigures]) -> Iterator[Metric]:
    yield _per_camera(
        CounterMetricFamily,
        "events_written",
        "Event rows written.",
        [(x.camera_id, x.events_written) for x in latencies],
    )
    yield _quantiles(
        "event_latency_seconds",
        "Capture of the frame that emitted an event to its row written, since start.",
        [(x.camera_id, x.p50_s, x.p95_s) for x in latencies],
    )
    yield _per_camera(
        GaugeMetricFamily,
        "event_latency_max_seconds",
        "Longest capture to event row, since start.",
        [(x.camera_id, x.max_s) for x in latencies if x.max_s is not None],
    )


def buffer_metrics(buffers: Sequence[ClipBufferFigures]) -> Iterator[Metric]:
    yield _per_camera(
        GaugeMetricFamily,
        "clip_buffer_bytes",
        "Memory the camera's clip buffer holds (clips.stream_buffer_mb caps a stream's).",
        [(x.camera_id, x.nbytes) for x in buffers],
    )
    yield _per_camera(
        CounterMetricFamily,
        "clip_buffer_overflows",
        "Keyframe groups dropped whole for outgrowing the buffer (keyframes too far apart).",
        [(x.camera_id, x.overflows) for x in buffers],
    )


def health_metrics(healths: Sequence[CameraHealth]) -> Iterator[Metric]:
    counter = CounterMetricFamily
    yield _per_camera(
        counter, "frames_read", "Frames read.", [(h.camera_id, h.frames_read) for h in healths]
    )
    yield _per_camera(
        counter,
        "frames_dropped",
        "Frames replaced in the reader's slot before analysis took them.",
        [(h.camera_id, h.frames_dropped) for h in healths],
    )
    yield _per_camera(
        counter, "reconnects", "Reconnects.", [(h.camera_id, h.reconnects) for h in healths]
    )
    state = GaugeMetricFamily(
        "carewatch_camera_state",
        "1 for the camera's state, 0 for the others.",
        labels=("camera", "state"),
    )
    for health in healths:
        for name in CameraState:
            state.add_metric([health.camera_id, name.value], float(health.state is name))
    yield state


class ServiceCollector:
    """Reads the live feed's health and the metrics source at every scrape."""

    def __init__(
        self, live: LiveFeed, source: MetricsSource | None, health: HealthSource | None = None
    ) -> None:
        self.live = live
        self.source = source
        self.health = health

    def describe(self) -> list[Metric]:
        return []  # nothing to read at registration: the figures exist only at scrape time

    def collect(self) -> Iterator[Metric]:
        healths = [self.live.health(camera_id) for camera_id in self.live.camera_ids()]
        yield from health_metrics([h for h in healths if h is not None])
        if self.source is not None:
            yield from load_metrics(self.source.camera_loads())
            yield from latency_metrics(self.source.event_latencies())
            yield from buffer_metrics(self.source.clip_buffers())
            yield from disk_metrics(self.source.disk_state())
            yield from media_write_metrics(self.source.media_write_failures())
        if self.health is not None:
            yield from problem_metrics(self.health.problems())


def metrics_registry(
    live: LiveFeed, source: MetricsSource | None, health: HealthSource | None = None
) -> CollectorRegistry:
    """A private registry: the service's figures and this process's CPU and memory."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServiceCollector(live, source, health))
    ProcessCollector(registry=registry)
    return registry

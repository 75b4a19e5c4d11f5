"""/metrics: Prometheus text from the service's figures, behind the metrics token when set."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from carewatch.run.camera import ClipBufferLoad
from carewatch.run.latency import EventLatency
from dashboard.app import create_app
from dashboard.config import DashboardConfig
from dashboard.live import StaticLiveFeed
from supervision.events.store import EventStore
from supervision.retention.disk import UNCHECKED, DiskReading, DiskSpace, DiskState
from vision.scheduler import CameraLoad

TOKEN = "prometheus-scrape-secret-1"


@dataclass
class Figures:
    """A MetricsSource holding records set by the test (what the service would return)."""

    loads: list[CameraLoad] = field(default_factory=list)
    latencies: list[EventLatency] = field(default_factory=list)
    buffers: list[ClipBufferLoad] = field(default_factory=list)
    disk: DiskState = UNCHECKED
    write_failures: dict[tuple[str, str], int] = field(default_factory=dict)

    def camera_loads(self) -> list[CameraLoad]:
        return self.loads

    def event_latencies(self) -> list[EventLatency]:
        return self.latencies

    def clip_buffers(self) -> list[ClipBufferLoad]:
        return self.buffers

    def disk_state(self) -> DiskState:
        return self.disk

    def media_write_failures(self) -> dict[tuple[str, str], int]:
        return self.write_failures


FIGURES = Figures(
    [
        CameraLoad(
            camera_id="cam-1",
            target_fps=5.0,
            frames_analysed=300,
            frames_gated=120,
            frames_shed=4,
            fire_checks=90,
            analysed_fps=4.8,
            checked_fps=6.9,
            result_latency_p50_s=0.08,
            result_latency_p95_s=0.31,
        )
    ],
    [EventLatency("cam-1", 3, 0.2, 0.6, 0.7, (0.1, 0.2, 0.7))],
    [ClipBufferLoad("cam-1", 3_500_000, 2)],
)


def scrape(client: TestClient, headers: dict[str, str] | None = None) -> dict[str, float]:
    """`name{label=value,...}` -> value for every sample of a 200 answer."""
    response = client.get("/metrics", headers=headers or {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def client_for(
    store: EventStore,
    live: StaticLiveFeed,
    media_root: Path,
    source: Figures | None,
    token: str | None = None,
) -> TestClient:
    config = DashboardConfig(metrics_token=token)
    return TestClient(create_app(config, store, live, media_root, metrics=source))


def test_figures_per_camera(store: EventStore, live_feed: StaticLiveFeed, media_root: Path) -> None:
    samples = scrape(client_for(store, live_feed, media_root, FIGURES))
    expected = {
        "carewatch_camera_target_fps{camera=cam-1}": 5.0,
        "carewatch_camera_analysed_fps{camera=cam-1}": 4.8,
        "carewatch_camera_checked_fps{camera=cam-1}": 6.9,
        "carewatch_camera_frames_analysed_total{camera=cam-1}": 300,
        "carewatch_camera_frames_gated_total{camera=cam-1}": 120,
        "carewatch_camera_frames_shed_total{camera=cam-1}": 4,
        "carewatch_camera_fire_checks_total{camera=cam-1}": 90,
        "carewatch_camera_result_latency_seconds{camera=cam-1,quantile=0.5}": 0.08,
        "carewatch_camera_result_latency_seconds{camera=cam-1,quantile=0.95}": 0.31,
        "carewatch_camera_events_written_total{camera=cam-1}": 3,
        "carewatch_camera_event_latency_seconds{camera=cam-1,quantile=0.5}": 0.2,
        "carewatch_camera_event_latency_seconds{camera=cam-1,quantile=0.95}": 0.6,
        "carewatch_camera_event_latency_max_seconds{camera=cam-1}": 0.7,
        "carewatch_camera_clip_buffer_bytes{camera=cam-1}": 3_500_000,
        "carewatch_camera_clip_buffer_overflows_total{camera=cam-1}": 2,
        # from the live feed's health
        "carewatch_camera_frames_read_total{camera=cam-1}": 100,
        "carewatch_camera_frames_dropped_total{camera=cam-1}": 2,
        "carewatch_camera_reconnects_total{camera=cam-1}": 1,
        "carewatch_camera_state{camera=cam-1,state=online}": 1,
        "carewatch_camera_state{camera=cam-1,state=offline}": 0,
    }
    assert {name: samples.get(name) for name in expected} == expected
    assert samples["process_cpu_seconds_total{}"] >= 0
    assert samples["process_resident_memory_bytes{}"] > 0


def test_a_camera_without_latency_samples_has_no_quantiles(
    store: EventStore, live_feed: StaticLiveFeed, media_root: Path
) -> None:
    idle = replace(
        FIGURES.loads[0],
        frames_analysed=0,
        frames_gated=0,
        frames_shed=0,
        fire_checks=0,
        analysed_fps=0.0,
        checked_fps=0.0,
        result_latency_p50_s=None,
        result_latency_p95_s=None,
    )
    quiet = Figures([idle], [])
    samples = scrape(client_for(store, live_feed, media_root, quiet))
    assert samples["carewatch_camera_frames_analysed_total{camera=cam-1}"] == 0
    assert not [name for name in samples if "latency" in name]


def test_disks_and_media_write_failures(
    store: EventStore, live_feed: StaticLiveFeed, media_root: Path
) -> None:
    readings = (
        DiskReading("media", Path("/data/media"), DiskSpace(2 << 20, 100 << 20), low=True),
        DiskReading("spool", Path("/spool"), None, low=True, error="gone"),
    )
    disk = DiskState(True, "media disk low", None, readings, "", None)
    figures = replace(FIGURES, disk=disk, write_failures={("snapshot", "ENOSPC"): 3})
    samples = scrape(client_for(store, live_feed, media_root, figures))
    expected = {
        "carewatch_disk_free_bytes{folder=media}": 2 << 20,
        "carewatch_disk_size_bytes{folder=media}": 100 << 20,
        "carewatch_disk_free_ratio{folder=media}": 0.02,
        "carewatch_disk_low{folder=media}": 1,
        "carewatch_disk_low{folder=spool}": 1,
        "carewatch_media_write_failures_total{cause=ENOSPC,kind=snapshot}": 3,
    }
    assert {name: samples.get(name) for name in expected} == expected
    assert "carewatch_disk_free_bytes{folder=spool}" not in samples  # unreadable: no figure


@pytest.mark.parametrize(
    ("source", "live"),
    [
        (Figures(), StaticLiveFeed()),  # nothing running yet
        (None, StaticLiveFeed()),  # an app without a metrics source
    ],
)
def test_empty(
    store: EventStore, media_root: Path, source: Figures | None, live: StaticLiveFeed
) -> None:
    samples = scrape(client_for(store, live, media_root, source))
    assert not [name for name in samples if name.startswith("carewatch_")]
    assert "process_cpu_seconds_total{}" in samples


@pytest.mark.parametrize(
    ("token", "header", "status"),
    [
        (None, None, 200),  # no token configured: open
        (None, "Bearer anything", 200),
        (TOKEN, f"Bearer {TOKEN}", 200),
        (TOKEN, f"bearer  {TOKEN} ", 200),
        (TOKEN, None, 401),
        (TOKEN, "Bearer wrong-token-of-some-length", 401),
        (TOKEN, f"Basic {TOKEN}", 401),
        (TOKEN, "Bearer ", 401),
    ],
)
def test_token(
    store: EventStore,
    live_feed: StaticLiveFeed,
    media_root: Path,
    token: str | None,
    header: str | None,
    status: int,
) -> None:
    client = client_for(store, live_feed, media_root, FIGURES, token)
    response = client.get("/metrics", headers={"Authorization": header} if header else {})
    assert response.status_code == status
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "carewatch_" not in response.text


def test_not_in_the_api_description(
    store: EventStore, live_feed: StaticLiveFeed, media_root: Path
) -> None:
    client = client_for(store, live_feed, media_root, FIGURES)
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize("token", ["short", "x" * 513])
def test_token_length_is_checked(token: str) -> None:
    with pytest.raises(ValueError, match="metrics_token"):
        DashboardConfig(metrics_token=token)

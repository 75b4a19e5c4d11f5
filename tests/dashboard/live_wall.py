"""A wall of demo cameras for the officer's page: 16 live feeds, banner latency, server CPU."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from playwright.sync_api import Page

from dashboard.app import create_app
from dashboard.config import DashboardConfig
from streams.config import DemoSourceConfig, ReconnectConfig
from streams.health import CameraHealth
from streams.reader import CameraReader
from supervision.events.reads import list_camera_health
from supervision.events.store import EventStore
from supervision.org import tree as org
from tests.dashboard.conftest import serving
from tests.store_calls import read
from vision.events import SafetyEvent

REPORTS = Path(__file__).resolve().parents[2] / "test-output"
# cam-1 and cam-2 are fac-1's cameras in every test database; the wall adds 14 more there.
WALL_CAMERAS = ("cam-1", "cam-2", *(f"cam-{n:02d}" for n in range(3, 17)))
DEMO_SOURCE = DemoSourceConfig(width=640, height=360, fps=15)  # the demo camera's defaults


class DemoWall:
    """A LiveFeed of demo cameras, each rendered and read on its own threads like a real one.

    There is no analysis, so the picture with and without overlays is the same.
    """

    def __init__(self, camera_ids: Sequence[str], source: DemoSourceConfig) -> None:
        reconnect = ReconnectConfig()
        self.readers = {cid: CameraReader(cid, source, reconnect) for cid in camera_ids}

    def start(self) -> None:
        for reader in self.readers.values():
            reader.start()

    def stop(self) -> None:
        for reader in self.readers.values():
            reader.stop()

    def camera_ids(self) -> list[str]:
        return list(self.readers)

    def latest_frame(self, camera_id: str, overlay: bool = True) -> np.ndarray | None:
        reader = self.readers.get(camera_id)
        frame = None if reader is None else reader.slot.peek()
        return None if frame is None else frame.image_bgr

    def health(self, camera_id: str) -> CameraHealth | None:
        reader = self.readers.get(camera_id)
        return None if reader is None else reader.health()


@contextmanager
def running(wall: DemoWall) -> Iterator[DemoWall]:
    wall.start()
    try:
        yield wall
    finally:
        wall.stop()


def add_wall_cameras(store: EventStore, facility_id: str = "fac-1") -> None:
    """The wall's cameras that the test database lacks, in the officer's facility."""
    known = {camera.id for camera in read(store, list_camera_health)}
    with store.sessions.begin() as session:
        for camera_id in WALL_CAMERAS:
            if camera_id not in known:
                org.create_camera(session, camera_id, facility_id, f"Room {camera_id}", "demo")


def cpu_percent(window_s: float) -> float:
    """This process's CPU use (all threads: web server, WebRTC encoders, cameras) over a
    window, in percent of one core."""
    cpu_start_s, wall_start_s = time.process_time(), time.monotonic()
    time.sleep(window_s)
    return 100 * (time.process_time() - cpu_start_s) / (time.monotonic() - wall_start_s)


def stream_size(page: Page) -> str:
    """The picture size the first live tile receives."""
    size: str = page.evaluate(
        """() => {
            const video = document.querySelector("[data-testid=live-video]");
            return `${video.videoWidth}x${video.videoHeight}`;
        }"""
    )
    return size


def wait_all_playing(page: Page, count: int) -> None:
    """Until `count` live videos have a picture and each one's time has moved on."""
    page.wait_for_function(
        """(count) => {
            const videos = [...document.querySelectorAll("[data-testid=live-video]")];
            const playing = (v) => v.videoWidth > 0 && v.currentTime > 0;
            return videos.length === count && videos.every(playing);
        }""",
        arg=count,
    )
    times: list[float] = page.evaluate(
        "[...document.querySelectorAll('[data-testid=live-video]')].map((v) => v.currentTime)"
    )
    page.wait_for_function(
        """(before) => [...document.querySelectorAll("[data-testid=live-video]")]
            .every((v, i) => v.currentTime > before[i])""",
        arg=times,
    )


WATCH_BANNER = """() => {
    window.bannerShownAt = null;
    const banner = document.querySelector("[data-testid=alert-banner]");
    const observer = new MutationObserver(() => {
        if (banner.hidden) return;
        observer.disconnect();
        // The next frame is when the banner is painted.
        requestAnimationFrame(() => { window.bannerShownAt = Date.now(); });
    });
    observer.observe(banner, { attributes: true, attributeFilter: ["hidden"] });
}"""


def banner_latency_s(page: Page, store: EventStore, event: SafetyEvent) -> float:
    """Seconds from recording a critical event to its alert banner on screen."""
    page.evaluate(WATCH_BANNER)
    created_ms = time.time() * 1000
    store.record_event(event)
    page.wait_for_function("() => window.bannerShownAt !== null")
    shown_ms: float = page.evaluate("window.bannerShownAt")
    page.get_by_test_id("alert-close").click()
    return (shown_ms - created_ms) / 1000


WATCH_LONG_TASKS = """() => {
    window.longTasksMs = [];
    new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.longTasksMs.push(entry.duration);
    }).observe({ type: "longtask" });
}"""


@dataclass(frozen=True)
class WallReport:
    cameras: int
    viewers: int  # pages, each with every camera's tile playing
    camera_size: str
    stream_size: str  # what the tiles asked for (scaled down on the server)
    live_fps: float
    banner_latency_s: list[float]
    longest_main_thread_task_ms: float
    server_cpu_idle_pct: float  # cameras running, nobody watching
    server_cpu_live_pct: float  # the same with every viewer's tiles playing
    cores: int

    @property
    def live_view_cpu_pct(self) -> float:
        return round(self.server_cpu_live_pct - self.server_cpu_idle_pct, 1)

    def write(self, name: str) -> Path:
        REPORTS.mkdir(parents=True, exist_ok=True)
        path = REPORTS / f"{name}.json"
        data = {**asdict(self), "live_view_cpu_pct": self.live_view_cpu_pct}
        path.write_text(json.dumps(data, indent=2) + "\n")
        return path


@contextmanager
def wall_server(store: EventStore, media_root: Path, config: DashboardConfig) -> Iterator[str]:
    """The dashboard over a wall of 16 demo cameras in fac-1, served; yields its URL."""
    add_wall_cameras(store)
    wall = DemoWall(WALL_CAMERAS, DEMO_SOURCE)
    app = create_app(config, store, wall, media_root)
    with running(wall), serving(app) as url:
        yield url


def measure_wall(
    open_pages: Callable[[], list[Page]],
    store: EventStore,
    events: Sequence[SafetyEvent],
    config: DashboardConfig,
    cpu_window_s: float,
) -> tuple[WallReport, list[Page]]:
    """Banner latencies and server CPU while every page plays all the wall's tiles.

    Call it with the cameras running; `open_pages` signs the viewers in (after the idle
    measurement). Returns the report and the pages, still open.
    """
    idle_pct = cpu_percent(cpu_window_s / 2)
    pages = open_pages()
    for page in pages:
        page.evaluate(WATCH_LONG_TASKS)
        wait_all_playing(page, len(WALL_CAMERAS))
    live_pct = cpu_percent(cpu_window_s)
    latencies_s = [banner_latency_s(pages[0], store, event) for event in events]
    for page in pages:
        wait_all_playing(page, len(WALL_CAMERAS))  # still playing after the alerts
    longest_ms = max(max(page.evaluate("window.longTasksMs"), default=0.0) for page in pages)
    report = WallReport(
        cameras=len(WALL_CAMERAS),
        viewers=len(pages),
        camera_size=f"{DEMO_SOURCE.width}x{DEMO_SOURCE.height}",
        stream_size=stream_size(pages[0]),
        live_fps=config.live_fps,
        banner_latency_s=[round(latency, 3) for latency in latencies_s],
        longest_main_thread_task_ms=round(longest_ms, 1),
        server_cpu_idle_pct=round(idle_pct, 1),
        server_cpu_live_pct=round(live_pct, 1),
        cores=os.cpu_count() or 0,
    )
    return report, pages

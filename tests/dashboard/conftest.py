"""Fixtures: media on disk, a static live feed, the app and a live server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dashboard.app import create_app
from dashboard.config import DashboardConfig
from dashboard.live import StaticLiveFeed
from dashboard.server import DashboardServer
from streams.health import CameraHealth, CameraState
from supervision.store import EventStore
from tests.conftest import T0_EPOCH_S
from tests.dashboard.media_helpers import draw_picture, write_h264_clip, write_jpeg
from vision.events import SafetyEvent


@pytest.fixture
def media_root(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    return root


@pytest.fixture
def live_feed() -> StaticLiveFeed:
    """cam-1 runs with a picture and health; cam-2 is configured but not running."""
    feed = StaticLiveFeed()
    feed.set_frame("cam-1", draw_picture(320, 240, index=3))
    feed.set_health(
        CameraHealth(
            camera_id="cam-1",
            state=CameraState.ONLINE,
            last_frame_at=T0_EPOCH_S,
            fps=9.5,
            frames_read=100,
            frames_dropped=2,
            reconnects=1,
        )
    )
    return feed


@pytest.fixture
def config() -> DashboardConfig:
    return DashboardConfig(event_poll_s=0.05, live_fps=15)


@pytest.fixture
def app(
    config: DashboardConfig, store: EventStore, live_feed: StaticLiveFeed, media_root: Path
) -> FastAPI:
    return create_app(config, store, live_feed, media_root)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def record_with_media(
    store: EventStore, media_root: Path, make_event: Callable[..., SafetyEvent]
) -> Callable[..., int]:
    """Record an event with a real JPEG snapshot and H.264 clip under the media root."""

    def record(**overrides: Any) -> int:
        event = make_event(**overrides)
        event_id = store.record_event(event)
        snapshot = write_jpeg(media_root / "snapshots" / f"{event.key}.jpg", draw_picture())
        clip = write_h264_clip(media_root / "clips" / f"{event.key}.mp4")
        store.attach_media(
            event.key,
            snapshot_path=snapshot.relative_to(media_root),
            clip_path=clip.relative_to(media_root),
            clip_start_s=event.start_s - 1.0,
        )
        return event_id

    return record


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: FastAPI


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[LiveServer]:
    """The app under uvicorn on a free loopback port, in a background thread."""
    port = free_port()
    config = DashboardConfig(port=port, shutdown_grace_s=1)
    server = DashboardServer(app, config, log_level="warning")
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield LiveServer(url=f"http://127.0.0.1:{port}", app=app)
    server.should_exit = True
    thread.join(timeout=15)

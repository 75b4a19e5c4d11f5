"""Fixtures: media on disk, a static live feed, the app and a live server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright

from dashboard.app import create_app
from dashboard.config import DashboardConfig
from dashboard.live import StaticLiveFeed
from dashboard.server import DashboardServer
from streams.health import CameraHealth, CameraState
from supervision.events.store import EventStore
from supervision.org import tree as org
from supervision.org.passwords import ScryptParams
from supervision.org.scope import Role
from supervision.org.tokens import issue_token
from supervision.org.tree import NodeKind, NodeRef
from supervision.org.users import create_user
from tests.conftest import T0_EPOCH_S
from tests.dashboard.camera_control_fake import FakeCameraControl
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
def camera_control(live_feed: StaticLiveFeed) -> FakeCameraControl:
    return FakeCameraControl(live_feed)


@pytest.fixture
def app(
    config: DashboardConfig,
    store: EventStore,
    live_feed: StaticLiveFeed,
    media_root: Path,
    camera_control: FakeCameraControl,
) -> FastAPI:
    return create_app(config, store, live_feed, media_root, camera_control=camera_control)


# Cheap scrypt for tests; logins rehash to the default parameters like in production.
FAST_SCRYPT = ScryptParams(log2_n=4, r=1)
PASSWORD = "correct horse battery"
# name -> (role, node): fac-1 (cam-1, cam-2) is in street s1; fac-2 (cam-9) in street s2.
PEOPLE: dict[str, tuple[Role, NodeRef | None]] = {
    "admin": (Role.ADMIN, None),
    "officer-1": (Role.FACILITY_OFFICER, NodeRef(NodeKind.FACILITY, "fac-1")),
    "officer-2": (Role.FACILITY_OFFICER, NodeRef(NodeKind.FACILITY, "fac-2")),
    "street-1": (Role.STREET_INSPECTOR, NodeRef(NodeKind.STREET, "s1")),
    "street-2": (Role.STREET_INSPECTOR, NodeRef(NodeKind.STREET, "s2")),
    "district": (Role.DISTRICT_INSPECTOR, NodeRef(NodeKind.DISTRICT, "d1")),
    "operator": (Role.OPERATOR, None),
}


@pytest.fixture
def tokens(store: EventStore) -> dict[str, str]:
    """A district with two streets and facilities, a user of every role, and their tokens."""
    with store.sessions.begin() as session:
        org.create_district(session, "d1", "Gulou District")
        org.create_street(session, "s1", "d1", "Drum Tower Street")
        org.create_street(session, "s2", "d1", "Lake Street")
        org.move_facility(session, "fac-1", "s1")
        org.create_facility(session, "fac-2", "Lakeside Centre", "s2")
        org.create_camera(session, "cam-9", "fac-2", "Lakeside hall", "file")
        found = {}
        for name, (role, node) in PEOPLE.items():
            user = create_user(session, name, PASSWORD, role, node, params=FAST_SCRYPT)
            found[name] = issue_token(session, user.id, ttl_s=3600).token
    return found


@pytest.fixture
def client_as(app: FastAPI, tokens: dict[str, str]) -> Iterator[Callable[[str], TestClient]]:
    """`client_as("officer-2")`: a client signed in as one of PEOPLE."""
    opened: list[TestClient] = []

    def make(name: str) -> TestClient:
        client = TestClient(app, headers={"Authorization": f"Bearer {tokens[name]}"})
        opened.append(client.__enter__())
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def client(client_as: Callable[[str], TestClient]) -> TestClient:
    """Signed in as the safety officer of fac-1 (cam-1, cam-2)."""
    return client_as("officer-1")


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
    headers: dict[str, str]  # signed in as officer-1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """The app under uvicorn on a loopback port (a free one by default), in a background
    thread; yields its URL."""
    port = port or free_port()
    config = DashboardConfig(port=port, shutdown_grace_s=1)
    server = DashboardServer(app, config, log_level="warning")
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture
def live_server(app: FastAPI, tokens: dict[str, str]) -> Iterator[LiveServer]:
    """The app under uvicorn on a free loopback port, in a background thread."""
    headers = {"Authorization": f"Bearer {tokens['officer-1']}"}
    with serving(app) as url:
        yield LiveServer(url=url, app=app, headers=headers)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, launched once per test module; every page it opens is watched
    for CSP violations (`_no_csp_violations` fails the test that caused one).

    Not once per session: Playwright's sync API keeps an event loop running on this thread
    while it is open, which would break the asyncio tests that run after it.
    """
    from tests.dashboard.browser import CHROMIUM, CHROMIUM_ARGS, watching_csp

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield watching_csp(launched)
        launched.close()


@pytest.fixture
def csp_violations(browser: Browser) -> list[str]:
    """The Content-Security-Policy violations of the browser's pages since the test began."""
    from tests.dashboard.browser import violations_of

    return violations_of(browser)


@pytest.fixture(autouse=True)
def _no_csp_violations(request: pytest.FixtureRequest) -> Iterator[None]:
    """A browser test fails when any page it opened broke the Content-Security-Policy."""
    if "browser" not in request.fixturenames:
        yield
        return
    from tests.dashboard.browser import flush_console, violations_of

    browser: Browser = request.getfixturevalue("browser")
    violations = violations_of(browser)
    violations.clear()
    yield
    flush_console(browser)
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations))

"""The operator's pages in a real Chromium over a real Service: draw an exit zone with the mouse on
the camera's picture, replay it over a recorded clip (the box left in the exit is a new event),
apply it (version 2 runs), roll back (version 3 equals version 1); add a camera after testing its
source; screenshots of each page at desktop and phone width, accessibility checks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from carewatch.config import Settings, parse_settings
from carewatch.run.service import Service, dashboard_app
from dashboard.config import DashboardConfig
from dashboard.server import DashboardServer
from supervision.cameras.versions import list_versions
from supervision.org.passwords import ScryptParams
from supervision.org.scope import Role
from supervision.org.users import create_user
from supervision.tables import AuditEntry
from tests.dashboard.browser import (
    BROWSER,
    DESKTOP,
    PHONE,
    assert_accessible,
    open_page,
    screenshot,
)
from tests.dashboard.conftest import PASSWORD, _no_csp_violations, browser, free_port
from tests.vision import rule_videos as videos
from tests.vision.rule_videos import Script
from vision.events import EventType, SafetyEvent, Severity

pytestmark = BROWSER
# The module-scoped Chromium of tests/dashboard/conftest.py, and its CSP check.
__all__ = ["_no_csp_violations", "browser"]

FAST_SCRYPT = ScryptParams(log2_n=4, r=1)
# The exit zone drawn around the box the clips leave in the corridor (normalised corners).
EXIT_CORNERS = [(0.55, 0.45), (0.85, 0.45), (0.85, 0.95), (0.55, 0.95)]
CLIP = "clips/hall/box-left.mp4"


@dataclass(frozen=True)
class Operated:
    url: str
    service: Service
    clip: Path


def make_settings(data: Path, live_clip: Path, database_url: str) -> Settings:
    hall = {"type": "file", "path": str(live_clip), "loop": True}
    # Analysed twice a second: the replay and the live camera stay quick on two cores.
    return parse_settings(
        {
            "districts": [{"id": "d1", "name": "Gulou", "streets": [{"id": "s1", "name": "Drum"}]}],
            "facilities": [{"id": "fac-1", "name": "Sunrise Home", "street": "s1"}],
            "cameras": [
                {
                    "id": "hall",
                    "name": "Hall",
                    "facility": "fac-1",
                    "source": hall,
                    "analysis_fps": 2,
                },
            ],
            "storage": {"data_dir": str(data)},
            "database": {"url": database_url},
            "models": {"fire": False, "second_opinion": False, "threads": 1},
        }
    )


def record_clip_event(service: Service, media: Path) -> None:
    """An event of the hall whose clip shows a box left in the exit from 3 s on."""
    clip = media / CLIP
    clip.parent.mkdir(parents=True)
    videos.write_scripted(clip, Script(10.0, videos.with_box, 3.0, 10.0))
    event = SafetyEvent(
        EventType.CAMERA_MOVED, Severity.WARNING, "hall", 20.0, 21.0, time.time() - 60, 0.8
    )
    service.store.record_event(event)
    service.store.attach_media(event.key, clip_path=CLIP, clip_start_s=15.0)


@pytest.fixture
def operated(tmp_path: Path, database_url: str) -> Iterator[Operated]:
    data = tmp_path / "data"
    live_clip = videos.write_scripted(tmp_path / "hall.mp4", Script(6.0, videos.with_box, 0, 6))
    settings = make_settings(data, live_clip, database_url)
    service = Service(settings)
    with service.store.sessions.begin() as session:
        for name, role in (("operator", Role.OPERATOR), ("admin", Role.ADMIN)):
            create_user(session, name, PASSWORD, role, None, params=FAST_SCRYPT)
    record_clip_event(service, settings.storage.media_dir)
    dashboard = DashboardConfig(port=free_port(), shutdown_grace_s=1)
    server = DashboardServer(dashboard_app(service), dashboard, "warning")
    thread = threading.Thread(target=server.run, name="uvicorn-operator", daemon=True)
    service.start()
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not (server.started and service.latest_picture("hall") is not None):
            assert time.monotonic() < deadline, "server or camera did not start"
            time.sleep(0.05)
        yield Operated(f"http://127.0.0.1:{server.config.port}", service, live_clip)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        service.stop()


def versions(service: Service) -> list[tuple[int, str, int | None]]:
    with service.store.sessions() as session:
        return [(v.version, v.kind, v.rolled_back_to) for v in list_versions(session, "hall")]


def audit_actions(service: Service) -> list[tuple[str, str, Any]]:
    with service.store.sessions() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        mine = [row for row in rows if row.object_id == "hall" and row.action != "live_view"]
        return [(row.actor, row.action, row.detail) for row in mine]


def draw_zone(page: Page, corners: list[tuple[float, float]]) -> None:
    """Click the corners on the drawing area with the mouse, then finish the zone."""
    page.get_by_test_id("zone-kind").select_option("exit")
    page.get_by_test_id("zone-draw").click()
    canvas = page.get_by_test_id("zone-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    for x, y in corners:  # the mouse, at each corner (Playwright checks nothing covers it)
        canvas.click(position={"x": x * box["width"], "y": y * box["height"]})
    page.get_by_test_id("draw-finish").click()


def open_camera(page: Page) -> None:
    page.locator("[data-testid=camera-row][data-camera-id=hall] a").click()
    expect(page.get_by_test_id("camera-title")).to_have_text("Hall")
    picture = page.get_by_test_id("zone-picture").element_handle()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture)


def test_operator_draws_replays_applies_and_rolls_back(
    browser: Browser, operated: Operated
) -> None:
    service = operated.service
    errors: list[str] = []
    page = open_page(browser, operated.url, errors, DESKTOP, user="operator")
    expect(page.get_by_test_id("camera-row")).to_have_count(1)  # the operator's home
    screenshot(page, "operator-cameras-desktop")
    assert_accessible(page)

    open_camera(page)
    expect(page.get_by_test_id("running-version")).to_have_text("Version 1 running")
    draw_zone(page, EXIT_CORNERS)
    zone = page.locator("[data-testid=zone-item][data-zone-id=exit-1]")
    expect(zone).to_be_visible()
    expect(page.locator("[data-testid=zone-canvas] polygon[data-zone-id=exit-1]")).to_have_count(1)
    xs = [
        float(v) for v in zone.get_by_test_id("corner-x").evaluate_all("n => n.map(i => i.value)")
    ]
    assert xs == pytest.approx([x for x, _ in EXIT_CORNERS], abs=0.01)
    expect(page.get_by_test_id("draft-state")).to_have_text("Changed, not applied yet.")
    # The camera's default is a minute; the recorded clip is ten seconds long.
    zone.get_by_label("Seconds before its rule fires (empty: camera default)").fill("2")
    page.keyboard.press("Tab")

    page.get_by_test_id("replay").click()
    new = page.locator("[data-testid=replay-event][data-outcome=new]")
    expect(new).to_have_count(1, timeout=60_000)
    expect(new).to_contain_text("Exit blocked")
    expect(new).to_contain_text("exit-1")
    expect(page.get_by_test_id("replay-summary")).to_contain_text("0 kept, 1 new, 0 dropped")
    # Ten seconds of clip cannot show the default minute of lying: the page says so.
    expect(page.get_by_test_id("replay-limit")).to_have_text(
        "Long lie cannot be reproduced from this clip: it needs 60 s of lying and the clip "
        "holds only 10.0 s."
    )
    assert versions(service) == [(1, "seeded", None)]  # a replay changes nothing
    screenshot(page, "operator-camera-desktop")

    page.get_by_test_id("apply-note").fill("keep the east exit clear")
    page.get_by_test_id("apply").click()
    expect(page.get_by_test_id("running-version")).to_have_text("Version 2 running")
    expect(page.get_by_test_id("apply-message")).to_have_text("Applied: version 2 is running.")
    assert versions(service) == [(2, "edited", None), (1, "seeded", None)]
    assert [z.id for z in service.cameras["hall"].analyzer.config.zones] == ["exit-1"]
    assert_accessible(page)

    page.get_by_test_id("rollback-1").click()
    expect(page.get_by_test_id("running-version")).to_have_text("Version 3 running")
    assert versions(service)[0] == (3, "rolled_back", 1)
    assert service.cameras["hall"].analyzer.config.zones == []
    expect(page.get_by_test_id("zone-item")).to_have_count(0)
    actions = [(actor, action) for actor, action, _ in audit_actions(service)]
    assert actions == [
        ("settings", "camera_seed"),
        ("operator", "camera_replay"),
        ("operator", "zones_change"),
        ("operator", "camera_rollback"),
    ]
    assert audit_actions(service)[2][2]["changed"] == ["zones"]
    screenshot(page, "operator-versions-desktop")
    page.close()
    assert errors == []


def test_operator_adds_a_camera_after_testing_its_source(
    browser: Browser, operated: Operated
) -> None:
    errors: list[str] = []
    page = open_page(browser, operated.url, errors, DESKTOP, user="operator")
    page.get_by_test_id("camera-add").click()
    page.locator("[data-testid=camera-form] [data-field=id]").fill("garden")
    page.locator("[data-testid=camera-form] [data-field=name]").fill("Garden")
    page.get_by_test_id("source-type").select_option("file")
    path = page.locator("[data-testid=source-fields] [data-field=path]")
    path.fill(str(operated.clip))
    path.dispatch_event("change")
    page.get_by_test_id("source-test").click()
    picture = page.get_by_test_id("source-test-picture").element_handle()
    page.wait_for_function("img => img.complete && img.naturalWidth === 640", arg=picture)
    expect(page.get_by_test_id("source-test-message")).to_contain_text("Connected")
    screenshot(page, "operator-new-camera-desktop")
    assert_accessible(page)

    page.get_by_test_id("camera-save").click()
    expect(page.get_by_test_id("camera-title")).to_have_text("Garden")
    expect(page.get_by_test_id("running-version")).to_have_text("Version 1 running")
    assert "garden" in operated.service.camera_ids()
    page.close()
    assert errors == []


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_operator_pages_at_phone_width(browser: Browser, operated: Operated, locale: str) -> None:
    errors: list[str] = []
    page = open_page(browser, operated.url, errors, PHONE, user="operator")
    suffix = "phone" if locale == "en" else "phone-zh"
    if locale != "en":
        page.get_by_test_id("locale-select").select_option(locale)
        expect(page.get_by_test_id("nav-operator-cameras")).to_have_text("摄像头配置")
    expect(page.get_by_test_id("camera-row")).to_have_count(1)
    screenshot(page, f"operator-cameras-{suffix}")
    open_camera(page)
    # Without a mouse: a line added by numbers, one end typed in, follows on the picture.
    page.get_by_test_id("line-add").focus()
    page.keyboard.press("Enter")
    line = page.locator("[data-testid=line-item][data-line-id=line-1]")
    line.get_by_test_id("corner-x").first.fill("0.25")
    page.keyboard.press("Tab")
    drawn = page.locator("[data-testid=zone-canvas] line[data-line-id=line-1]")
    view_box = page.get_by_test_id("zone-canvas").get_attribute("viewBox") or ""
    width = float(view_box.split()[2])
    expect(drawn).to_have_attribute("x1", f"{0.25 * width:g}")
    screenshot(page, f"operator-camera-{suffix}")
    assert_accessible(page)
    page.goto(f"{operated.url}/#/operator/cameras/new")
    expect(page.get_by_test_id("camera-form")).to_be_visible()
    screenshot(page, f"operator-new-camera-{suffix}")
    page.close()
    assert errors == []

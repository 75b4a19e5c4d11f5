"""The dashboard in a real Chromium: live WebRTC tile, live event list, clip playback, workflow."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Browser, Page, expect

from supervision.events.reads import get_event
from supervision.events.store import EventStore
from tests.dashboard.browser import (
    BROWSER,
    SCREENSHOTS,
    TIMEOUT_MS,
    open_page,
    sign_in,
    wait_advancing,
)
from tests.dashboard.conftest import LiveServer
from tests.store_calls import read

pytestmark = BROWSER


def _open(browser: Browser, url: str, width: int, height: int, errors: list[str]) -> Page:
    return open_page(browser, url, errors, (width, height))


def test_live_wall_events_and_workflow(
    browser: Browser,
    live_server: LiveServer,
    store: EventStore,
    record_with_media: Callable[..., int],
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    page = _open(browser, live_server.url, 1280, 900, errors)
    expect(page.get_by_test_id("brand")).to_have_text("carewatch")

    tile = "[data-testid=camera-tile][data-camera-id=cam-1]"
    wait_advancing(page, "live-video", scope=tile)
    expect(page.locator(f"{tile} [data-testid=transport]")).to_have_text("webrtc")
    expect(page.locator(f"{tile} [data-testid=health-badge]")).to_contain_text("Online")
    expect(page.locator("[data-camera-id=cam-2]")).to_contain_text("No live feed")

    event_id = record_with_media()
    row = page.locator(f"[data-testid=event-row][data-event-id='{event_id}']")
    expect(row).to_be_visible()
    expect(row.get_by_test_id("event-status")).to_have_text("New")
    expect(page.get_by_test_id("alert-banner")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "desktop-home.png", full_page=True)

    row.get_by_test_id("event-link").click()
    expect(page.get_by_test_id("event-detail")).to_be_visible()
    expect(page.get_by_test_id("home-view")).to_be_hidden()
    expect(page.get_by_test_id("alert-banner")).to_be_hidden()  # the alerted event is open
    snapshot = page.get_by_test_id("detail-snapshot").element_handle()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=snapshot)
    clip = page.get_by_test_id("detail-clip").element_handle()
    page.wait_for_function("v => v.duration > 0", arg=clip)
    clip.evaluate("v => v.play()")
    wait_advancing(page, "detail-clip")

    page.get_by_label("Note (optional)").fill("on my way")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("detail-status")).to_have_text("Acknowledged")
    expect(page.get_by_test_id("detail-history")).to_contain_text("on my way")
    expect(page.get_by_role("button", name="Acknowledge")).to_be_disabled()
    page.screenshot(path=SCREENSHOTS / "desktop-detail.png", full_page=True)

    view = read(store, get_event, event_id)
    assert view is not None
    assert (view.status, view.status_by, view.status_note) == (
        "acknowledged",
        "officer-1",
        "on my way",
    )

    page.get_by_test_id("back-link").click()
    expect(row.get_by_test_id("event-status")).to_have_text("Acknowledged")
    page.close()
    assert errors == []


def test_phone_width_layout(
    browser: Browser, live_server: LiveServer, record_with_media: Callable[..., int]
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    event_id = record_with_media()
    errors: list[str] = []
    page = _open(browser, live_server.url, 390, 844, errors)

    expect(page.locator(f"[data-event-id='{event_id}']")).to_be_visible()
    wait_advancing(page, "live-video")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=SCREENSHOTS / "phone-home.png", full_page=True)

    page.goto(f"{live_server.url}/#/events/{event_id}")
    expect(page.get_by_test_id("detail-status")).to_have_text("New")
    page.wait_for_function(
        "v => v.duration > 0", arg=page.get_by_test_id("detail-clip").element_handle()
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=SCREENSHOTS / "phone-detail.png", full_page=True)
    page.close()
    assert errors == []


def test_live_tile_falls_back_to_mjpeg(browser: Browser, live_server: LiveServer) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    # A proxy or browser that cannot do WebRTC: the offer is refused.
    page.route("**/webrtc*", lambda route: route.fulfill(status=503, json={"detail": "no"}))
    sign_in(page, live_server.url)

    tile = "[data-testid=camera-tile][data-camera-id=cam-1]"
    expect(page.locator(f"{tile} [data-testid=transport]")).to_have_text("mjpeg")
    image = page.locator(f"{tile} [data-testid=live-mjpeg]").element_handle()
    page.wait_for_function("img => img.naturalWidth === 320", arg=image)
    page.close()


def test_on_scene_then_resolving_a_fall_records_the_family_notice(
    browser: Browser,
    live_server: LiveServer,
    store: EventStore,
    record_with_media: Callable[..., int],
) -> None:
    errors: list[str] = []
    event_id = record_with_media()
    page = _open(browser, f"{live_server.url}/#/events/{event_id}", 1280, 900, errors)
    expect(page.get_by_test_id("family-notice")).to_be_visible()  # a fall: it will be asked for

    page.get_by_role("button", name="On scene").click()
    expect(page.get_by_test_id("detail-status")).to_have_text("On scene")
    expect(page.get_by_role("button", name="On scene")).to_be_disabled()

    page.get_by_role("button", name="Resolve").click()  # the family notice is still empty
    expect(page.get_by_test_id("action-message")).to_contain_text("needs the family notification")
    expect(page.get_by_role("button", name="Resolve")).to_be_enabled()
    expect(page.get_by_test_id("detail-status")).to_have_text("On scene")

    page.get_by_label("When").fill("2026-11-23T10:15")
    page.get_by_label("How").select_option("wechat")
    page.get_by_label("By whom").fill("nurse Wang")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_test_id("detail-status")).to_have_text("Resolved")
    expect(page.get_by_test_id("history-family")).to_contain_text("Family told by nurse Wang")
    expect(page.get_by_test_id("family-notice")).to_be_hidden()

    view = read(store, get_event, event_id)
    assert view is not None and view.status == "resolved"
    family = view.transitions[-1].family
    assert family is not None and (family.method, family.by) == ("wechat", "nurse Wang")
    page.close()
    assert errors == []


def test_sign_in_scope_and_sign_out(
    browser: Browser, live_server: LiveServer, record_with_media: Callable[..., int]
) -> None:
    ours = record_with_media(camera_id="cam-1")
    theirs = record_with_media(camera_id="cam-9")
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    sign_in(page, live_server.url, password="wrong password")
    expect(page.get_by_test_id("sign-in-error")).to_have_text("wrong user name or password")
    expect(page.get_by_test_id("app")).to_be_hidden()
    page.screenshot(path=SCREENSHOTS / "desktop-sign-in.png")

    sign_in(page, live_server.url, user="officer-2")
    rows = page.locator("[data-testid=event-list] [data-event-id]")
    expect(rows).to_have_count(1)
    assert rows.first.get_attribute("data-event-id") == str(theirs)
    expect(page.locator(f"[data-event-id='{ours}']")).to_have_count(0)

    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("sign-in")).to_be_visible()
    assert page.context.cookies() == []
    page.close()
    assert errors == []

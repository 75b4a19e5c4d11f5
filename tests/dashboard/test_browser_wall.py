"""The live wall for a control room in a real Chromium: the Live link for every role, 16 cameras
on a 1080p screen, grid sizes, the enlarged camera, full screen and open incidents outlined."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from dashboard.config import DashboardConfig
from dashboard.live import StaticLiveFeed
from supervision.events.incidents import transition_incident
from supervision.events.reads import get_event
from supervision.events.search import list_incidents
from supervision.events.store import EventStore
from tests.conftest import SQLITE_PASS_ONLY
from tests.dashboard.browser import (
    BROWSER,
    PHONE,
    assert_accessible,
    open_page,
    screenshot,
    wait_advancing,
)
from tests.dashboard.conftest import LiveServer
from tests.dashboard.live_wall import WALL_CAMERAS, wall_server
from tests.dashboard.media_helpers import draw_picture
from tests.store_calls import read, write

pytestmark = [*BROWSER, SQLITE_PASS_ONLY]

FULL_HD = (1920, 1080)
MIN_TILE_WIDTH_PX = 320
RED = "rgb(198, 40, 40)"  # --critical
# A solid green box on the annotated picture only, and a pixel inside it (x, y).
BOX_ROWS, BOX_COLS, BOX_PIXEL = slice(150, 220), slice(200, 300), (250, 185)
SHOWS_BOX = """([selector, x, y]) => {
    const video = document.querySelector(selector);
    if (!video || video.videoWidth === 0) return null;
    const canvas = document.createElement("canvas");
    [canvas.width, canvas.height] = [video.videoWidth, video.videoHeight];
    const context = canvas.getContext("2d");
    context.drawImage(video, 0, 0);
    const [red, green, blue] = context.getImageData(x, y, 1, 1).data;
    return green > 180 && red < 90 && blue < 90;
}"""
TILE_BOXES = """() => [...document.querySelectorAll("[data-testid=camera-tile]")].map((tile) => {
    const box = tile.getBoundingClientRect();
    return { id: tile.dataset.cameraId, x: box.x, y: box.y, width: box.width, height: box.height };
})"""


def tile(camera_id: str) -> str:
    return f"[data-testid=camera-tile][data-camera-id={camera_id}]"


def tile_boxes(page: Page) -> dict[str, dict[str, float]]:
    boxes: list[dict[str, float]] = page.evaluate(TILE_BOXES)
    return {str(box["id"]): box for box in boxes}


def offer_widths(page: Page) -> list[tuple[str, int | None, bool]]:
    """Each WebRTC offer the page makes from now on: (camera, width asked, overlay)."""
    offers: list[tuple[str, int | None, bool]] = []

    def on_request(request: Request) -> None:
        url = urlparse(request.url)
        if not url.path.endswith("/webrtc"):
            return
        query = parse_qs(url.query)
        width = int(query["width"][0]) if "width" in query else None
        offers.append((url.path.split("/")[-2], width, query.get("overlay") != ["0"]))

    page.on("request", on_request)
    return offers


def shanghai_clock(store: EventStore, event_id: int) -> str:
    """When the event started on fac-1's clock, as English shows it ("4:53:30 PM")."""
    view = read(store, get_event, event_id)
    assert view is not None
    started = view.started_at.astimezone(ZoneInfo("Asia/Shanghai"))
    return f"{started.hour % 12 or 12}:{started:%M:%S %p}"


@pytest.mark.parametrize(
    ("user", "locale", "home", "live_text"),
    [
        ("street-1", "en", "#/overview", "Live"),
        ("operator", "zh-CN", "#/operator", "实时监控"),
    ],
    ids=["street-1-en", "operator-zh-CN"],
)
def test_the_live_link_reaches_the_wall(
    browser: Browser, live_server: LiveServer, user: str, locale: str, home: str, live_text: str
) -> None:
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors, user=user)
    expect(page).to_have_url(re.compile(f"{re.escape(home)}$"))  # each role's home, as before
    if locale != "en":
        page.get_by_test_id("locale-select").select_option(locale)
        expect(page.locator("html")).to_have_attribute("lang", locale)
    link = page.get_by_test_id("nav-live")
    expect(link).to_have_text(live_text)

    link.click()
    expect(page).to_have_url(re.compile(r"#/live$"))
    expect(link).to_have_attribute("aria-current", "page")
    expect(page.get_by_test_id("live-wall")).to_be_visible()
    expect(page.locator(tile("cam-1"))).to_be_visible()
    wait_advancing(page, "live-video", scope=tile("cam-1"))
    page.close()
    assert errors == []


def test_sixteen_cameras_fill_a_1080p_wall_beside_the_queue(
    browser: Browser, store: EventStore, tokens: dict[str, str], media_root: Path
) -> None:
    errors: list[str] = []
    with wall_server(store, media_root, DashboardConfig()) as url:
        page = open_page(browser, url, errors, size=FULL_HD)
        expect(page).to_have_url(re.compile(r"#/live$"))  # the officer's home
        expect(page.locator("[data-testid=camera-tile]")).to_have_count(len(WALL_CAMERAS))
        for camera_id in WALL_CAMERAS:
            wait_advancing(page, "live-video", scope=tile(camera_id))

        boxes = tile_boxes(page)
        width, height = FULL_HD
        for camera_id, box in boxes.items():
            assert box["width"] >= MIN_TILE_WIDTH_PX, (camera_id, box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (camera_id, box)
            assert box["y"] >= 0 and box["y"] + box["height"] <= height, (camera_id, box)
        assert page.evaluate("window.scrollY") == 0
        queue = page.get_by_test_id("queue-home").bounding_box()
        assert queue is not None
        assert queue["x"] >= max(box["x"] + box["width"] for box in boxes.values())
        assert queue["y"] < height
        screenshot(page, "wall-16-1080p")

        page.set_viewport_size({"width": 1440, "height": 900})
        boxes = tile_boxes(page)
        assert len({box["y"] for box in boxes.values()}) == 4  # still 4 by 4
        assert all(box["y"] + box["height"] <= 900 for box in boxes.values())
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "wall-16-1440")

        page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
        page.wait_for_function(
            "() => new Set([...document.querySelectorAll('[data-testid=camera-tile]')]"
            ".map((t) => t.getBoundingClientRect().x)).size === 1"
        )  # one column
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.close()
    assert errors == []


def test_grid_size_changes_the_layout_and_is_remembered(
    browser: Browser, live_server: LiveServer
) -> None:
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors)
    wait_advancing(page, "live-video", scope=tile("cam-1"))
    expect(page.get_by_test_id("grid-auto")).to_have_attribute("aria-pressed", "true")
    boxes = tile_boxes(page)
    assert boxes["cam-1"]["y"] == boxes["cam-2"]["y"]  # auto: two cameras side by side

    # The tile grows, and asks again for a picture its new size.
    with page.expect_request(re.compile(r"/cam-1/webrtc\?width=960$")):
        page.get_by_test_id("grid-1").click()
    expect(page.get_by_test_id("grid-1")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_test_id("grid-auto")).to_have_attribute("aria-pressed", "false")
    one = tile_boxes(page)
    assert one["cam-2"]["y"] >= one["cam-1"]["y"] + one["cam-1"]["height"]  # one to a row
    assert one["cam-1"]["width"] > 1.9 * boxes["cam-1"]["width"]
    wait_advancing(page, "live-video", scope=tile("cam-1"))

    page.reload()
    expect(page.get_by_test_id("grid-1")).to_have_attribute("aria-pressed", "true")
    wait_advancing(page, "live-video", scope=tile("cam-1"))
    again = tile_boxes(page)  # the header may differ (the alert sound waits for a click)
    assert again["cam-2"]["y"] - again["cam-1"]["y"] == one["cam-2"]["y"] - one["cam-1"]["y"]
    assert [again[c]["width"] for c in again] == [one[c]["width"] for c in again]

    page.get_by_test_id("grid-3").click()
    three = tile_boxes(page)
    assert three["cam-1"]["y"] == three["cam-2"]["y"]
    assert three["cam-1"]["width"] < one["cam-1"]["width"] / 2.5
    page.close()
    assert errors == []


def test_a_tile_enlarges_with_the_overlay_and_the_wall_goes_full_screen(
    browser: Browser, live_server: LiveServer, live_feed: StaticLiveFeed
) -> None:
    raw = draw_picture(320, 240, index=3)
    annotated = raw.copy()
    annotated[BOX_ROWS, BOX_COLS] = (0, 255, 0)
    live_feed.set_frame("cam-1", annotated, raw)
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors)
    offers = offer_widths(page)
    page.locator(f"{tile('cam-1')} [data-testid=overlay-toggle]").click()  # the tile: raw
    tile_video = f"{tile('cam-1')} [data-testid=live-video]"
    page.wait_for_function(f"a => ({SHOWS_BOX})(a) === false", arg=[tile_video, *BOX_PIXEL])

    tile_width = [width for _, width, overlay in offers if not overlay][-1]
    asked_before = len(offers)
    page.locator(tile("cam-1")).click()
    dialog = page.get_by_test_id("enlarged")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("aria-modal", "true")
    expect(dialog.get_by_test_id("enlarged-name")).to_have_text("Corridor")
    expect(dialog.get_by_test_id("enlarged-health")).to_contain_text("Online")
    big_video = "[data-testid=enlarged] [data-testid=live-video]"
    page.wait_for_function(f"a => ({SHOWS_BOX})(a) === true", arg=[big_video, *BOX_PIXEL])
    wait_advancing(page, "live-video", scope="[data-testid=enlarged]")
    big = dialog.get_by_test_id("enlarged-media").bounding_box()
    small = page.locator(tile("cam-1")).bounding_box()
    assert big is not None and small is not None and big["width"] > 2 * small["width"]
    # The enlarged view's own stream: with the overlay, wider than the tile's.
    enlarged_widths = [width for _, width, overlay in offers[asked_before:] if overlay]
    assert enlarged_widths and enlarged_widths[0] is not None and tile_width is not None
    assert enlarged_widths[0] > tile_width
    screenshot(page, "wall-enlarged")

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator(f"{tile('cam-1')} [data-testid=tile-open]")).to_be_focused()
    page.keyboard.press("Enter")  # the focused tile, by keyboard
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("enlarged-close").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(f"{tile('cam-1')} [data-testid=tile-open]")).to_be_focused()

    button = page.get_by_test_id("wall-fullscreen")
    expect(button).to_have_text("Full screen")
    button.click()
    page.wait_for_function("() => document.fullscreenElement?.dataset.testid === 'live-panel'")
    expect(button).to_have_text("Exit full screen")
    wall = page.get_by_test_id("live-wall").bounding_box()
    screen_width = page.evaluate("window.innerWidth")
    assert wall is not None and wall["width"] > 0.95 * screen_width
    wait_advancing(page, "live-video", scope=tile("cam-1"))  # asked again for the larger tile
    screenshot(page, "wall-fullscreen")
    page.locator(tile("cam-1")).click()  # enlarged over the full-screen wall, not behind it
    expect(dialog).to_be_visible()
    on_top = """d => { const box = d.getBoundingClientRect();
        return d.contains(document.elementFromPoint(box.x + box.width / 2, box.y + 10)); }"""
    assert dialog.evaluate(on_top)
    dialog.get_by_test_id("enlarged-close").click()
    expect(page.locator(f"{tile('cam-1')} [data-testid=tile-open]")).to_be_focused()
    button.click()
    page.wait_for_function("() => document.fullscreenElement === null")
    expect(button).to_have_text("Full screen")
    page.close()
    assert errors == []


def test_the_camera_with_an_open_incident_is_outlined(
    browser: Browser,
    live_server: LiveServer,
    store: EventStore,
    record_with_media: Callable[..., int],
) -> None:
    event_id = record_with_media(camera_id="cam-1")
    clock = shanghai_clock(store, event_id)
    (incident,) = [i for i in read(store, list_incidents) if event_id in i.event_ids]
    errors: list[str] = []
    wall_url = f"{live_server.url}/#/live"
    pages = [open_page(browser, wall_url, errors, user=user) for user in ("officer-1", "operator")]
    for page in pages:
        note = page.locator(f"{tile('cam-1')} [data-testid=tile-incident]")
        expect(note).to_have_text(re.compile(rf"^Fall · since .*{re.escape(clock)}$"))
        expect(page.locator(tile("cam-1"))).to_have_class(re.compile(r"\bhas-incident\b"))
        outline = page.locator(tile("cam-1")).evaluate(
            "t => getComputedStyle(t, '::after').borderTopColor"
        )
        assert outline == RED
        expect(page.locator(tile("cam-2"))).not_to_have_class(re.compile(r"\bhas-incident\b"))
        expect(page.locator(f"{tile('cam-2')} [data-testid=tile-incident]")).to_be_hidden()

    page = pages[0]
    screenshot(page, "wall-incident")
    page.locator(tile("cam-1")).click()
    link = page.get_by_test_id("enlarged").get_by_test_id("enlarged-incident")
    expect(link).to_have_text(re.compile(rf"^Fall · since .*{re.escape(clock)}$"))
    link.click()
    expect(page).to_have_url(re.compile(rf"#/events/{event_id}$"))
    expect(page.get_by_test_id("enlarged")).to_be_hidden()
    expect(page.get_by_test_id("detail-status")).to_have_text("New")
    page.get_by_test_id("back-link").click()  # "#/": the officer's home, the wall
    expect(page).to_have_url(re.compile(r"#/live$"))
    expect(page.locator(tile("cam-1"))).to_have_class(re.compile(r"\bhas-incident\b"))

    write(store, transition_incident, incident.id, "false_alarm", "officer-1")
    for page in pages:  # the event stream tells every wall
        expect(page.locator(f"{tile('cam-1')} [data-testid=tile-incident]")).to_be_hidden()
        expect(page.locator(tile("cam-1"))).not_to_have_class(re.compile(r"\bhas-incident\b"))
        page.close()
    assert errors == []


@pytest.mark.parametrize(
    ("locale", "texts"),
    [
        ("en", {"grid-auto": "Auto", "wall-fullscreen": "Full screen", "close": "Close"}),
        ("zh-CN", {"grid-auto": "自动", "wall-fullscreen": "全屏", "close": "关闭"}),
    ],
    ids=["en", "zh-CN"],
)
def test_wall_and_enlarged_view_are_accessible_in_both_languages(
    browser: Browser,
    live_server: LiveServer,
    record_with_media: Callable[..., int],
    locale: str,
    texts: dict[str, str],
) -> None:
    record_with_media(camera_id="cam-1")
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors)
    if locale != "en":
        page.get_by_test_id("locale-select").select_option(locale)
        expect(page.locator("html")).to_have_attribute("lang", locale)
    expect(page.get_by_test_id("grid-auto")).to_have_text(texts["grid-auto"])
    expect(page.get_by_test_id("wall-fullscreen")).to_have_text(texts["wall-fullscreen"])
    note = page.locator(f"{tile('cam-1')} [data-testid=tile-incident]")
    expect(note).to_have_text(re.compile("跌倒 · .* 起" if locale != "en" else "Fall · since"))
    wait_advancing(page, "live-video", scope=tile("cam-1"))
    assert_accessible(page)

    page.locator(f"{tile('cam-1')} [data-testid=tile-open]").focus()
    page.keyboard.press("Space")
    dialog = page.get_by_test_id("enlarged")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("enlarged-close")).to_have_text(texts["close"])
    expect(dialog.get_by_test_id("enlarged-incident")).to_be_visible()
    assert_accessible(page)
    page.close()
    assert errors == []

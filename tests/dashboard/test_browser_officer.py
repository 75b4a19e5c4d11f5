"""The safety officer's pages in a real Chromium: live wall, overlays, alert, incident queue."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from dashboard.config import DashboardConfig
from dashboard.live import StaticLiveFeed
from supervision.events.incidents import get_incident
from supervision.events.reads import get_event
from supervision.events.search import list_incidents
from supervision.events.store import EventStore
from supervision.events.views import IncidentView
from supervision.tables import AuditEntry
from tests.dashboard.browser import (
    BROWSER,
    PHONE,
    assert_accessible,
    open_page,
    screenshot,
    sign_in,
    wait_advancing,
)
from tests.dashboard.conftest import LiveServer
from tests.dashboard.live_wall import WALL_CAMERAS, measure_wall, wall_server
from tests.dashboard.media_helpers import draw_picture
from tests.store_calls import read
from vision.events import EventType, SafetyEvent, Severity

pytestmark = BROWSER

TILE = "[data-testid=camera-tile][data-camera-id=cam-1]"
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


def incident_of(store: EventStore, event_id: int) -> IncidentView:
    found = [i for i in read(store, list_incidents, limit=1000) if event_id in i.event_ids]
    assert len(found) == 1, found
    return found[0]


# The queue beside the live wall, and the queue page (#/queue).
HOME, PAGE = "queue-home", "queue-page"


def queue_item(incident_id: int, panel: str = HOME) -> str:
    return f"[data-testid={panel}] [data-testid=queue-item][data-incident-id='{incident_id}']"


def no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_live_frame_and_one_click_acknowledge_from_the_queue(
    browser: Browser,
    live_server: LiveServer,
    store: EventStore,
    record_with_media: Callable[..., int],
) -> None:
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors)

    wait_advancing(page, "live-video", scope=TILE)
    video = page.locator(f"{TILE} [data-testid=live-video]")
    box = video.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0
    expect(page.locator(f"{TILE} [data-testid=transport]")).to_have_text("webrtc")
    expect(page.locator(f"{TILE} [data-testid=health-badge]")).to_contain_text("Online")
    expect(page.get_by_test_id(HOME).get_by_test_id("queue-empty")).to_be_visible()

    event_id = record_with_media()
    incident = incident_of(store, event_id)
    item = page.locator(queue_item(incident.id))
    expect(item.get_by_test_id("queue-status")).to_have_text("New")
    expect(item.get_by_test_id("queue-title")).to_have_text("Fall · Corridor")
    expect(item.get_by_test_id("queue-age")).to_contain_text("open")
    expect(page.get_by_test_id("alert-banner")).to_be_visible()
    screenshot(page, "officer-live-desktop")
    assert_accessible(page)

    item.get_by_test_id("queue-acknowledge").click()  # the one click
    expect(item.get_by_test_id("queue-status")).to_have_text("Acknowledged")
    expect(item.get_by_test_id("queue-message")).to_have_text("Acknowledged by officer-1.")
    expect(item.get_by_test_id("queue-acknowledge")).to_be_disabled()
    expect(item.get_by_test_id("queue-on-scene")).to_be_focused()  # the next step, by keyboard
    expect(page.get_by_test_id("alert-banner")).to_be_hidden()  # someone has seen to it

    stored = read(store, get_incident, incident.id)
    event = read(store, get_event, event_id)
    assert stored is not None and stored.status == "acknowledged"
    assert event is not None and (event.status, event.status_by) == ("acknowledged", "officer-1")
    step = event.transitions[-1]
    assert (step.from_status, step.to_status, step.actor) == ("new", "acknowledged", "officer-1")
    with store.sessions() as session:
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "incident_transition")
        ).all()
    assert [(row.actor, row.object_id, row.detail["action"]) for row in audit] == [
        ("officer-1", str(incident.id), "acknowledge")
    ]

    page.get_by_test_id("nav-queue").click()
    expect(page.locator(queue_item(incident.id, PAGE))).to_be_visible()
    screenshot(page, "officer-queue-desktop")
    assert_accessible(page)
    page.close()
    assert errors == []


def test_overlay_toggle_switches_the_picture(
    browser: Browser, live_server: LiveServer, live_feed: StaticLiveFeed
) -> None:
    raw = draw_picture(320, 240, index=3)
    annotated = raw.copy()
    annotated[BOX_ROWS, BOX_COLS] = (0, 255, 0)
    live_feed.set_frame("cam-1", annotated, raw)
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors)
    toggle = page.locator(f"{TILE} [data-testid=overlay-toggle]")
    arg = [f"{TILE} [data-testid=live-video]", *BOX_PIXEL]

    expect(toggle).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(f"a => ({SHOWS_BOX})(a) === true", arg=arg)
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    page.wait_for_function(f"a => ({SHOWS_BOX})(a) === false", arg=arg)

    page.reload()  # the choice is remembered
    expect(toggle).to_have_attribute("aria-pressed", "false")
    page.wait_for_function(f"a => ({SHOWS_BOX})(a) === false", arg=arg)
    wall_toggle = page.get_by_test_id("overlay-all")
    expect(wall_toggle).to_have_attribute("aria-pressed", "true")
    wall_toggle.click()  # the whole wall off, then on again: every tile follows
    expect(wall_toggle).to_have_attribute("aria-pressed", "false")
    wall_toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    page.wait_for_function(f"a => ({SHOWS_BOX})(a) === true", arg=arg)
    page.close()
    assert errors == []


def played(page: Page) -> int:
    return int(page.get_by_test_id("sound-toggle").get_attribute("data-played") or 0)


def test_the_alarm_rings_until_acknowledged_and_its_state_follows_the_user(
    browser: Browser,
    live_server: LiveServer,
    store: EventStore,
    record_with_media: Callable[..., int],
) -> None:
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors)
    sound = page.get_by_test_id("sound-toggle")
    # The sign-in click counts as the gesture browsers want before a page may play sound.
    expect(sound).to_have_attribute("data-audio", "running")
    expect(page.get_by_test_id("sound-blocked")).to_be_hidden()
    expect(sound).to_have_attribute("aria-pressed", "true")
    expect(sound).to_have_text("Alarm sound on")
    expect(sound).to_have_attribute("data-ringing", "")

    # Opened without a click (a bookmark, a reload): the sound waits for the first one.
    other = browser.new_page()
    other.context.add_cookies(page.context.cookies())  # the same signed-in session
    other.on("pageerror", lambda exc: errors.append(str(exc)))
    other.goto(live_server.url)
    blocked = other.get_by_test_id("sound-blocked")
    other_sound = other.get_by_test_id("sound-toggle")
    expect(other_sound).to_have_attribute("data-audio", re.compile(r"^(running|suspended)$"))
    # Chromium sometimes lets a new page play at once (its autoplay policy, not ours); then
    # there is nothing to wait for. Otherwise the hint asks for a click, which arms the sound.
    if other_sound.get_attribute("data-audio") == "suspended":
        expect(blocked).to_have_text("Click or press a key to allow the alarm sound.")
        other.get_by_test_id("live-wall").click()
        expect(other_sound).to_have_attribute("data-audio", "running")
    expect(blocked).to_be_hidden()
    other.close()

    # A critical incident rings, again and again, until someone acknowledges it.
    incident = incident_of(store, record_with_media())
    expect(sound).to_have_attribute("data-ringing", "critical")
    page.wait_for_function(
        "() => Number(document.querySelector('[data-testid=sound-toggle]').dataset.played) >= 3"
    )
    page.locator(queue_item(incident.id)).get_by_test_id("queue-acknowledge").click()
    expect(sound).to_have_attribute("data-ringing", "")
    rung = played(page)
    page.wait_for_timeout(2000)
    assert played(page) == rung  # silent once acknowledged

    # A warning rings its own, slower pattern.
    record_with_media(camera_id="cam-2", severity=Severity.WARNING, type=EventType.SMOKE)
    expect(sound).to_have_attribute("data-ringing", "warning")

    sound.click()  # off: silent at once, and kept with the account
    expect(sound).to_have_attribute("aria-pressed", "false")
    expect(sound).to_have_text("Alarm sound off")
    expect(sound).to_have_attribute("data-ringing", "")
    fresh = browser.new_context(viewport={"width": 1280, "height": 900})
    elsewhere = fresh.new_page()
    sign_in(elsewhere, live_server.url)  # another browser, the same officer
    expect(elsewhere.get_by_test_id("sound-toggle")).to_have_attribute("aria-pressed", "false")
    fresh.close()
    page.close()
    assert errors == []


def test_phone_queue_resolving_a_fall_asks_for_the_family_notice(
    browser: Browser,
    live_server: LiveServer,
    store: EventStore,
    record_with_media: Callable[..., int],
) -> None:
    event_id = record_with_media()
    incident = incident_of(store, event_id)
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors, size=PHONE)

    wait_advancing(page, "live-video", scope=TILE)
    expect(page.locator(queue_item(incident.id))).to_be_visible()
    queue_top = page.get_by_test_id(HOME).bounding_box()
    wall_top = page.get_by_test_id("live-wall").bounding_box()
    assert queue_top is not None and wall_top is not None
    assert queue_top["y"] < wall_top["y"]  # on a phone the queue comes first
    assert no_horizontal_scroll(page)
    screenshot(page, "officer-live-phone")

    page.goto(f"{live_server.url}/#/queue")
    item = page.locator(queue_item(incident.id, PAGE))
    item.get_by_test_id("queue-on-scene").click()
    expect(item.get_by_test_id("queue-status")).to_have_text("On scene")
    item.get_by_test_id("queue-resolve").click()  # a fall: the family notice is asked first
    expect(item.get_by_test_id("queue-family")).to_be_visible()
    expect(item.get_by_test_id("queue-message")).to_contain_text("family was told")
    expect(item.get_by_test_id("queue-family-by")).to_be_focused()
    assert no_horizontal_scroll(page)
    screenshot(page, "officer-queue-phone")
    assert_accessible(page)

    page.keyboard.type("nurse Wang")
    item.get_by_label("Method").select_option("wechat")
    item.get_by_test_id("queue-note").fill("back in bed")
    item.get_by_test_id("queue-resolve").focus()
    page.keyboard.press("Enter")
    expect(item).to_have_count(0)
    expect(page.locator("#queue-page-heading")).to_be_focused()  # the row went with the focus
    page_panel = page.get_by_test_id(PAGE)
    expect(page_panel.get_by_test_id("queue-announce")).to_have_text(
        f"Incident {incident.id}: Resolved."
    )
    expect(page_panel.get_by_test_id("queue-empty")).to_be_visible()

    event = read(store, get_event, event_id)
    assert event is not None and event.status == "resolved"
    family = event.transitions[-1].family
    assert family is not None and (family.method, family.by) == ("wechat", "nurse Wang")
    assert event.transitions[-1].note == "back in bed"
    page.close()
    assert errors == []


def test_banner_within_a_second_with_16_live_cameras(
    browser: Browser,
    store: EventStore,
    tokens: dict[str, str],
    media_root: Path,
    make_event: Callable[..., SafetyEvent],
) -> None:
    """Sixteen demo cameras playing WebRTC on the wall; a new critical event's banner is on
    screen within a second. The server's CPU use is written to test-output/officer-wall.json."""
    config = DashboardConfig()  # production settings: 10 fps live view, 0.3 s stream poll
    events = [make_event(camera_id=camera_id) for camera_id in WALL_CAMERAS[:3]]
    errors: list[str] = []
    with wall_server(store, media_root, config) as url:
        report, [page] = measure_wall(
            lambda: [open_page(browser, url, errors)], store, events, config, cpu_window_s=4.0
        )
        screenshot(page, "officer-wall-16-desktop")
        page.close()
    print(report.write("officer-wall"), report)
    assert max(report.banner_latency_s) <= 1.0, report
    assert errors == []

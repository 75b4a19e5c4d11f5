"""The inspector's pages in a real Chromium: review an incident (play, step, download, audit),
run an inspection, verify a hazard; screenshots of each page at desktop and phone width."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from supervision.config import InspectionConfig
from supervision.events.incidents import transition_event
from supervision.events.search import list_incidents
from supervision.events.store import EventStore
from supervision.inspections.evidence import EventRef
from supervision.inspections.hazards import HazardGrade, create_hazard, fix_hazard
from supervision.tables import Camera, Node, utc_now
from tests.dashboard.browser import (
    BROWSER,
    DESKTOP,
    PHONE,
    TIMEOUT_MS,
    assert_accessible,
    axe_violations,
    open_page,
    screenshot,
)
from tests.dashboard.conftest import LiveServer
from tests.dashboard.media_helpers import draw_picture, write_h264_clip, write_jpeg
from tests.store_calls import read, write
from vision.events import EventType, SafetyEvent

pytestmark = BROWSER


@dataclass(frozen=True)
class Seeded:
    incident_id: int
    fall_id: int
    fixed_hazard_id: int


def _record(store: EventStore, media_root: Path, event: SafetyEvent, clip_s: float = 6.0) -> int:
    """The event with a snapshot and a browser-playable clip of `clip_s` seconds at 10 fps."""
    event_id = store.record_event(event)
    snapshot = write_jpeg(media_root / "snapshots" / f"{event.key}.jpg", draw_picture())
    clip = write_h264_clip(media_root / "clips" / f"{event.key}.mp4", seconds=clip_s)
    store.attach_media(
        event.key,
        snapshot_path=snapshot.relative_to(media_root),
        clip_path=clip.relative_to(media_root),
        clip_start_s=event.start_s - 2.0,
    )
    return event_id


@pytest.fixture
def seeded(
    store: EventStore,
    media_root: Path,
    tokens: dict[str, str],
    make_event: Callable[..., SafetyEvent],
) -> Seeded:
    """fac-1: a fall and its long lie (one incident), smoke next door, an overdue and a fixed
    hazard; fac-2 (another street): a fall."""
    at = time.time() - 2 * 86400  # inside the KPI page's default period (the last 30 days)
    fall = make_event(camera_id="cam-1", started_at=at, start_s=30.0)
    fall_id = _record(store, media_root, fall)
    lie = make_event(
        camera_id="cam-1", type=EventType.LONG_LIE, parent_key=fall.key, started_at=at + 40
    )
    _record(store, media_root, lie)
    smoke = make_event(camera_id="cam-2", type=EventType.SMOKE, started_at=at + 90)
    smoke_id = _record(store, media_root, smoke)
    theirs_id = _record(store, media_root, make_event(camera_id="cam-9", started_at=at + 20))
    write(store, transition_event, smoke_id, "acknowledge", "officer-1", at=_utc(at + 150))
    write(store, transition_event, theirs_id, "false_alarm", "officer-2", at=_utc(at + 80))
    (incident_id,) = [i.id for i in read(store, list_incidents) if fall_id in i.event_ids]
    now = utc_now()
    config = InspectionConfig()
    with store.sessions.begin() as session:
        create_hazard(
            session,
            "fac-1",
            HazardGrade.MAJOR,
            "Fire exit blocked by beds",
            "district",
            config,
            deadline=now - timedelta(days=2),
            now=now - timedelta(days=9),
        )
        fixed = create_hazard(
            session, "fac-1", HazardGrade.GENERAL, "Extinguisher pressure low", "district", config
        )
        fix_hazard(session, fixed.id, "officer-1", "Refilled and tagged", EventRef(fall_id))
        # fac-1's site box for its second camera has gone silent (a district site).
        silent_at = now - timedelta(minutes=5)
        box = Node(id="site-1b", started_at=silent_at, last_seen_at=silent_at, version="1")
        box.silent_since = silent_at
        session.add(box)
        session.get_one(Camera, "cam-2").node_id = box.id
    return Seeded(incident_id, fall_id, fixed.id)


def _utc(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)


def _go(page: Page, url: str, hash_: str) -> None:
    page.evaluate("hash => { location.hash = hash; }", hash_)
    page.wait_for_function("hash => location.hash === hash", arg=hash_)


def test_inspector_reviews_plays_steps_and_downloads_a_clip_which_is_audited(
    browser: Browser, live_server: LiveServer, seeded: Seeded, tmp_path: Path
) -> None:
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors, DESKTOP, user="street-1")
    expect(page.get_by_test_id("inspector-overview")).to_be_visible()  # the inspector's home

    page.get_by_test_id("nav-incidents").click()
    row = page.locator(f"[data-testid=incident-row][data-incident-id='{seeded.incident_id}']")
    expect(page.locator("[data-testid=incident-row]")).to_have_count(2)  # fac-1's, not fac-2's
    row.get_by_test_id("incident-link").click()
    expect(page.get_by_test_id("incident-review")).to_be_visible()
    expect(page.get_by_test_id("review-status-badge")).to_have_text("New")
    expect(page.locator("[data-testid=timeline-event]")).to_have_count(3)

    video = page.get_by_test_id("review-video").element_handle()
    page.wait_for_function("v => v.readyState >= 2 && v.duration > 0", arg=video)
    page.get_by_test_id("play-toggle").click()
    page.wait_for_function("v => v.currentTime > 0.3", arg=video)  # it plays: time advances
    page.get_by_test_id("play-toggle").click()  # pause
    expect(page.get_by_test_id("play-toggle")).to_have_text("Play")
    clock = page.get_by_test_id("review-time")
    frame = int(clock.get_attribute("data-frame") or "0")
    before_s = video.evaluate("v => v.currentTime")
    page.get_by_test_id("step-forward-frame").click()
    expect(clock).to_have_attribute("data-frame", str(frame + 1))
    after_s = video.evaluate("v => v.currentTime")
    assert 0 < after_s - before_s <= 0.1 + 1e-6  # one frame at 10 fps
    page.get_by_test_id("step-back-second").click()
    expect(clock).to_have_attribute("data-frame", str(max(frame + 1 - 10, 1)))

    with page.expect_download() as download_info:
        page.get_by_test_id("download-clip").click()
    saved = tmp_path / "clip.mp4"
    download_info.value.save_as(saved)
    content = saved.read_bytes()
    assert len(content) > 1000 and content[4:8] == b"ftyp"  # an MP4

    export = page.locator("[data-testid=audit-row][data-action=clip_export]")
    expect(export).to_have_count(1)
    expect(export).to_contain_text("street-1")
    rows = page.request.get(f"{live_server.url}/api/audit?action=clip_export").json()
    assert [(r["actor"], r["object_id"]) for r in rows] == [("street-1", str(seeded.fall_id))]
    screenshot(page, "inspector-review-downloaded-desktop")

    page.locator("[data-testid=timeline-event]:has-text('Smoke')").click()
    expect(page.get_by_test_id("review-clip-label")).to_contain_text("Smoke")
    page.wait_for_function("v => v.currentTime > 0", arg=video)
    page.close()
    assert errors == []


# page, address, what shows once it has loaded
PAGES = [
    ("overview", "#/overview", ["[data-testid=overview-facility]"]),
    ("kpis", "#/kpis", ["[data-testid=kpi-row]", "[data-testid=chart-trend]"]),
    ("incidents", "#/incidents", ["[data-testid=incident-row]"]),
    (
        "review",
        "#/incidents/{incident}",
        [
            "[data-testid=timeline-event]",
            "[data-testid=review-detection]",
            "[data-testid=audit-row]",
        ],
    ),
    ("inspections", "#/inspections", ["[data-testid=inspection-start]"]),
    ("hazards", "#/hazards", ["[data-testid=hazard-row]"]),
]


@pytest.mark.parametrize(("size_name", "size"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_of_every_inspector_page(
    browser: Browser, live_server: LiveServer, seeded: Seeded, size_name: str, size: tuple[int, int]
) -> None:
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors, size, user="district")
    for name, hash_, ready in PAGES:
        _go(page, live_server.url, hash_.format(incident=seeded.incident_id))
        if name == "review":
            video = page.get_by_test_id("review-video").element_handle()
            page.wait_for_function("v => v.readyState >= 2 && v.duration > 0", arg=video)
        for selector in ready:
            expect(page.locator(selector).first).to_be_visible(timeout=TIMEOUT_MS)
        if name == "overview":
            facility = page.locator("[data-testid=overview-facility][data-facility-id=fac-1]")
            expect(facility.get_by_test_id("count-incidents")).to_have_attribute("data-count", "2")
            expect(facility.get_by_test_id("count-hazards")).to_have_attribute("data-count", "1")
            expect(facility.get_by_test_id("site-offline")).to_contain_text("site offline")
            other = page.locator("[data-testid=overview-facility][data-facility-id=fac-2]")
            expect(other.get_by_test_id("site-offline")).to_have_count(0)
            if size_name == "desktop":  # a map-free overview that fits one screen
                height = page.evaluate("document.documentElement.scrollHeight")
                assert height <= size[1], height
        page.evaluate("document.activeElement?.blur()")  # no focus ring left by the Tab check
        screenshot(page, f"inspector-{name}-{size_name}")
        if size_name == "desktop":
            assert_accessible(page)
        else:
            assert axe_violations(page) == [], name
    page.close()
    assert errors == []


def test_inspection_from_a_checklist_and_a_hazard_verified(
    browser: Browser, live_server: LiveServer, seeded: Seeded, store: EventStore
) -> None:
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors, DESKTOP, user="street-1")
    page.get_by_test_id("nav-inspections").click()
    form = page.get_by_test_id("inspection-start")
    form.get_by_label("Checklist").select_option("fire_safety")
    form.get_by_label("Note (optional)").fill("Quarterly check")
    form.get_by_test_id("start-submit").click()
    expect(page.get_by_test_id("inspection-detail")).to_be_visible()
    items = page.locator("[data-testid=inspection-item]")
    expect(items.first).to_be_visible()
    count = items.count()
    assert count > 5
    items.get_by_test_id("result-pass").evaluate_all("radios => radios.forEach(r => r.click())")
    first = items.first
    first.get_by_test_id("result-fail").check()
    first.get_by_test_id("item-note").fill("No fire-safety officer named")
    expect(first.get_by_test_id("item-grade")).to_be_visible()  # asked only of failed items
    expect(items.nth(1).get_by_test_id("item-grade")).to_be_hidden()
    # Tab reaches one radio button of a group (arrows move within it): axe rules only here.
    assert axe_violations(page) == []
    page.get_by_test_id("save-results").click()
    expect(page.get_by_test_id("inspection-action-status")).to_contain_text(f"{count} results")
    page.get_by_test_id("complete-inspection").click()
    expect(page.get_by_test_id("inspection-status-badge")).to_have_text("Completed")
    expect(page.get_by_test_id("inspection-hazard")).to_have_count(1)
    screenshot(page, "inspector-inspection-desktop")
    assert_accessible(page)

    _go(page, live_server.url, f"#/hazards/{seeded.fixed_hazard_id}")
    expect(page.get_by_test_id("hazard-status-badge")).to_have_text("Fixed")
    page.get_by_test_id("verify-note").fill("Gauge in the green")
    page.get_by_test_id("verify-form-submit").click()
    expect(page.get_by_test_id("hazard-status-badge")).to_have_text("Verified")
    expect(page.get_by_test_id("hazard-evidence")).to_contain_text(f"#{seeded.fall_id}")
    expect(page.get_by_test_id("reopen-form")).to_be_visible()
    screenshot(page, "inspector-hazard-desktop")
    assert_accessible(page)
    page.close()
    assert errors == []


def test_pages_in_chinese(browser: Browser, live_server: LiveServer, seeded: Seeded) -> None:
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors, DESKTOP, user="street-1")
    page.get_by_test_id("locale-select").select_option("zh-CN")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_test_id("inspector-overview")).to_contain_text("辖区总览")
    expect(page.get_by_test_id("site-offline")).to_have_text("站点离线")
    expect(page.get_by_test_id("nav-hazards")).to_have_text("隐患")
    assert_accessible(page)
    _go(page, live_server.url, f"#/incidents/{seeded.incident_id}")
    expect(page.get_by_test_id("download-clip")).to_have_text("下载视频片段")
    expect(page.get_by_test_id("review-status-badge")).to_have_text("新事件")
    expect(page.get_by_test_id("review-facts")).to_contain_text("Asia/Shanghai")
    _go(page, live_server.url, "#/kpis")
    expect(page.get_by_test_id("kpi-pdf")).to_have_attribute("href", re.compile("lang=zh-CN"))
    page.close()
    assert errors == []

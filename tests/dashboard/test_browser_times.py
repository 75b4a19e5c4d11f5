"""One time-zone story, in a browser whose own zone is not the facility's: the family-notice
time is facility time (and says so), and the overview's "Updated" names the zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page, expect

from supervision.events.incidents import get_incident
from supervision.events.search import list_incidents
from supervision.events.store import EventStore
from tests.conftest import SQLITE_PASS_ONLY
from tests.dashboard.browser import BROWSER, TIMEOUT_MS, sign_in
from tests.dashboard.conftest import LiveServer
from tests.store_calls import read
from vision.events import SafetyEvent

pytestmark = [*BROWSER, SQLITE_PASS_ONLY]
FACILITY_ZONE = ZoneInfo("Asia/Shanghai")  # the test facilities' zone
BROWSER_ZONE = "Europe/Berlin"


def berlin_page(browser: Browser, url: str, user: str) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id=BROWSER_ZONE)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    sign_in(page, url, user=user)
    return page


def test_the_family_notice_is_given_in_facility_time(
    browser: Browser,
    live_server: LiveServer,
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
) -> None:
    page = berlin_page(browser, live_server.url, "officer-1")
    event_id = store.record_event(make_event())
    [incident] = [i for i in read(store, list_incidents) if event_id in i.event_ids]
    item = page.locator(f"[data-testid=queue-home] [data-incident-id='{incident.id}']")
    item.get_by_test_id("queue-resolve").click()
    family = item.get_by_test_id("queue-family")
    expect(family).to_contain_text("facility time, UTC+08:00")
    shown = item.get_by_test_id("queue-family-at").input_value()
    facility_now = datetime.now(FACILITY_ZONE)
    told = datetime.fromisoformat(shown).replace(tzinfo=FACILITY_ZONE)
    assert abs((told - facility_now).total_seconds()) < 120  # now, on the facility's clock
    item.get_by_test_id("queue-family-at").fill("2026-12-07T16:05")
    item.get_by_test_id("queue-family-by").fill("nurse Wang")
    item.get_by_test_id("queue-resolve").click()
    expect(item).to_have_count(0)
    closed = read(store, get_incident, incident.id)
    assert closed is not None and closed.steps[-1].family is not None
    assert closed.steps[-1].family.notified_at == datetime(2026, 12, 7, 8, 5, tzinfo=UTC)
    page.context.close()


def test_the_overview_says_which_zone_its_time_is_in(
    browser: Browser, live_server: LiveServer
) -> None:
    page = berlin_page(browser, live_server.url, "district")
    expect(page.get_by_test_id("overview-updated")).to_contain_text("(UTC+08:00)")
    expect(page.get_by_test_id("zone-note")).to_have_text("Facility time UTC+08:00")
    page.context.close()

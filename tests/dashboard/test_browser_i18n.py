"""Language per user (zh-CN, en) and times in the facility's time zone, in a real Chromium."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, expect

from supervision.events.reads import get_event
from supervision.events.store import EventStore
from tests.dashboard.browser import BROWSER, DESKTOP, TIMEOUT_MS, UNAUTHORISED_LOG, sign_in
from tests.dashboard.conftest import LiveServer
from tests.store_calls import read

pytestmark = BROWSER


def test_language_is_chosen_per_user_and_times_follow_the_facility(
    browser: Browser,
    live_server: LiveServer,
    store: EventStore,
    record_with_media: Callable[..., int],
) -> None:
    event_id = record_with_media(camera_id="cam-1")  # fac-1 is in Asia/Shanghai
    view = read(store, get_event, event_id)
    assert view is not None
    shanghai = view.started_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M:%S")
    # The browser is in New York; the facility's clock must win.
    context = browser.new_context(
        viewport={"width": DESKTOP[0], "height": DESKTOP[1]}, timezone_id="America/New_York"
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url)
    expect(page.get_by_test_id("home-view")).to_be_visible()
    expect(page.get_by_test_id("feed-state")).to_have_text("live")

    page.get_by_test_id("locale-select").select_option("zh-CN")
    expect(page.get_by_test_id("feed-state")).to_have_text("实时")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    row = page.locator(f"[data-testid=event-row][data-event-id='{event_id}']")
    expect(row.get_by_test_id("event-status")).to_have_text("新事件")
    expect(row.get_by_test_id("event-type")).to_contain_text("跌倒")
    expect(row.locator("time")).to_contain_text(shanghai)
    expect(page.get_by_test_id("sign-out")).to_have_text("退出")

    row.get_by_test_id("event-link").click()
    expect(page.get_by_role("button", name="确认")).to_be_enabled()
    expect(page.get_by_test_id("detail-facts")).to_contain_text(shanghai)

    page.reload()  # the choice is kept with the account
    expect(page.get_by_test_id("feed-state")).to_have_text("实时")
    context.close()

    other = browser.new_page()
    other.set_default_timeout(TIMEOUT_MS)
    sign_in(other, live_server.url, user="street-1")
    expect(other.get_by_test_id("feed-state")).to_have_text("live")
    other.close()
    assert errors == [UNAUTHORISED_LOG]

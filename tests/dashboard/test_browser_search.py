"""The inspector's search, review and audit log in Chromium: last week's incidents of one
facility in two clicks, filters kept in the address, CSV exports, one review step per action
with the family notice, and an audit-log page with filters."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from supervision.events.incidents import transition_incident
from supervision.events.search import list_incidents
from supervision.events.store import EventStore
from supervision.events.views import FamilyNotice
from tests.conftest import SQLITE_PASS_ONLY
from tests.dashboard.browser import BROWSER, assert_accessible, open_page, screenshot
from tests.dashboard.conftest import LiveServer
from tests.store_calls import read, write
from vision.events import EventType, SafetyEvent

pytestmark = [*BROWSER, SQLITE_PASS_ONLY]
Make = Callable[..., SafetyEvent]
DAY_S = 86_400
FAMILY = FamilyNotice(datetime(2026, 12, 1, 8, 0, tzinfo=UTC), "phone", "nurse Wang")


@dataclass(frozen=True)
class Week:
    repeated: int  # fac-1: four falls and their long lies of one resident, resolved
    false_alarm: int  # fac-1: a fall marked a false alarm
    old: int  # fac-1: a fall twenty days ago
    elsewhere: int  # fac-2: a fall this week


def incident_id(store: EventStore, event_id: int) -> int:
    [found] = [i.id for i in read(store, list_incidents, limit=1000) if event_id in i.event_ids]
    return found


@pytest.fixture
def week(store: EventStore, tokens: dict[str, str], make_event: Make) -> Week:
    now = time.time()
    ids = []
    for n in range(4):
        fall = make_event(track_id=1, started_at=now - 3 * DAY_S + 30 * n)
        ids.append(store.record_event(fall))
        lie = make_event(
            type=EventType.LONG_LIE,
            track_id=1,
            parent_key=fall.key,
            started_at=fall.started_at + 1,
            detected_at=fall.started_at + 11,
        )
        store.record_event(lie)
    repeated = incident_id(store, ids[0])
    write(store, transition_incident, repeated, "acknowledge", "officer-1", note="on my way")
    write(
        store,
        transition_incident,
        repeated,
        "resolve",
        "officer-1",
        note="helped up",
        family=FAMILY,
    )
    false_alarm = incident_id(store, store.record_event(make_event(started_at=now - DAY_S)))
    write(
        store,
        transition_incident,
        false_alarm,
        "false_alarm",
        "officer-1",
        note="a coat on the floor",
    )
    old = incident_id(store, store.record_event(make_event(started_at=now - 20 * DAY_S)))
    elsewhere = incident_id(
        store, store.record_event(make_event(camera_id="cam-9", started_at=now - DAY_S))
    )
    return Week(repeated, false_alarm, old, elsewhere)


def shown_incidents(page: Page) -> set[int]:
    rows = page.locator("[data-testid=incident-row]")
    return {int(rows.nth(n).get_attribute("data-incident-id") or 0) for n in range(rows.count())}


def test_last_weeks_incidents_of_one_facility_in_two_clicks(
    browser: Browser, live_server: LiveServer, week: Week
) -> None:
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors, user="district")
    # Click one: the district inspector lands on the overview. Click two: a facility's name.
    page.locator("[data-facility-id=fac-1] [data-testid=overview-facility-link]").click()
    expect(page.get_by_test_id("incident-period-filter")).to_have_value("7d")
    expect(page.get_by_test_id("incident-status-filter")).to_have_value("all")
    expect(page.get_by_test_id("incident-facility-filter")).to_have_value("fac-1")
    expect(page.locator("[data-testid=incident-row]")).to_have_count(2)
    assert shown_incidents(page) == {week.repeated, week.false_alarm}  # not the old one
    repeated = page.locator(f"[data-testid=incident-row][data-incident-id='{week.repeated}']")
    expect(repeated).to_contain_text("Fall ×4, Long lie ×4")
    screenshot(page, "inspector-search-desktop")
    assert_accessible(page)

    page.get_by_test_id("incident-status-filter").select_option("false_alarm")
    expect(page.locator("[data-testid=incident-row]")).to_have_count(1)
    assert shown_incidents(page) == {week.false_alarm}
    assert "status=false_alarm" in page.evaluate("location.hash")  # the address keeps it
    page.reload()
    expect(page.locator("[data-testid=incident-row]")).to_have_count(1)

    page.get_by_test_id("incident-status-filter").select_option("all")
    page.get_by_test_id("incident-period-filter").select_option("custom")
    day = lambda days: datetime.fromtimestamp(time.time() - days * DAY_S).strftime("%Y-%m-%d")  # noqa: E731
    page.get_by_test_id("incident-from").fill(day(25))
    page.get_by_test_id("incident-to").fill(day(10))
    page.get_by_test_id("incident-to").dispatch_event("change")
    expect(page.locator("[data-testid=incident-row]")).to_have_count(1)
    assert shown_incidents(page) == {week.old}

    href = page.get_by_test_id("incident-export").get_attribute("href") or ""
    answer = page.request.get(f"{live_server.url}{href}")
    assert answer.ok and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text().lstrip("\ufeff"))))
    assert [int(row["id"]) for row in rows] == [week.old]
    assert rows[0]["opened_at"].endswith("+08:00")  # the facility's time, with its offset
    page.close()
    assert errors == []


def test_the_review_lists_one_step_per_action_with_the_family_notice(
    browser: Browser, live_server: LiveServer, week: Week
) -> None:
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors, user="street-1")
    page.evaluate("id => { location.hash = `#/incidents/${id}`; }", week.repeated)
    steps = page.locator("[data-testid=review-step]")
    expect(steps).to_have_count(2)  # acknowledged, resolved: not once per event
    expect(page.locator("[data-testid=review-detection]")).to_have_count(8)
    expect(steps.nth(0)).to_contain_text("Acknowledged by officer-1")
    expect(steps.nth(1)).to_contain_text("Resolved by officer-1")
    expect(steps.nth(1).get_by_test_id("review-family")).to_contain_text("nurse Wang")
    expect(page.get_by_test_id("review-facts")).to_contain_text("4")  # falls
    page.close()
    assert errors == []


@pytest.mark.parametrize(("user", "locale"), [("admin", "en"), ("district", "zh-CN")])
def test_an_audit_log_page_with_filters_and_export(
    browser: Browser, live_server: LiveServer, week: Week, user: str, locale: str
) -> None:
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors, user=user)
    if locale != "en":
        with page.expect_navigation():
            page.get_by_test_id("locale-select").select_option(locale)
    page.get_by_test_id("nav-audit").click()
    rows = page.locator("[data-testid=audit-log-row]")
    expect(rows.first).to_be_visible()
    page.get_by_test_id("audit-action").select_option("incident_transition")
    expect(rows).to_have_count(3)  # acknowledge, resolve, false alarm
    expect(rows.first).to_contain_text("officer-1")
    expect(rows.first).to_contain_text("变更了状态" if locale == "zh-CN" else "changed the status")
    page.get_by_test_id("audit-actor").fill("nobody")
    page.get_by_test_id("audit-actor").dispatch_event("change")
    expect(page.get_by_test_id("audit-log-table")).to_have_count(0)
    page.get_by_test_id("audit-actor").fill("")
    page.get_by_test_id("audit-actor").dispatch_event("change")
    expect(rows).to_have_count(3)
    href = page.get_by_test_id("audit-export").get_attribute("href") or ""
    answer = page.request.get(f"{live_server.url}{href}")
    exported = list(csv.DictReader(io.StringIO(answer.text().lstrip("\ufeff"))))
    assert [row["action"] for row in exported] == ["incident_transition"] * 3
    screenshot(page, f"audit-log-{locale}")
    assert_accessible(page)
    page.close()
    assert errors == []

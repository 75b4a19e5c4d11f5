"""The officer's incident cards in Chromium, in both languages: an acknowledgement is never
undone by what joins later, repeated falls are counted, other people's falls stand apart, a
long lie says when it was raised, and a background tab gets a desktop notification."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from supervision.events.incidents import get_incident
from supervision.events.overdue import escalate_overdue
from supervision.events.search import list_incidents
from supervision.events.store import EventStore
from supervision.events.views import EventStatus, IncidentView
from tests.conftest import SQLITE_PASS_ONLY, T0_EPOCH_S
from tests.dashboard.browser import BROWSER, assert_accessible, open_page, screenshot, sign_in
from tests.dashboard.conftest import LiveServer
from tests.store_calls import read, write
from vision.events import EventType, SafetyEvent

pytestmark = [*BROWSER, SQLITE_PASS_ONLY]
Make = Callable[..., SafetyEvent]
# Words that differ by language: (status acknowledged, "new since acknowledged", its button).
WORDS = {
    "en": ("Acknowledged", "New since acknowledged: Long lie", "Acknowledge new", "2 falls"),
    "zh-CN": ("已确认", "确认后新增：长时间倒地", "确认新情况", "跌倒 2 次"),
}


def card(page: Page, incident_id: int) -> str:
    return f"[data-testid=queue-home] [data-testid=queue-item][data-incident-id='{incident_id}']"


def incident_of(store: EventStore, event_id: int) -> IncidentView:
    [found] = [i for i in read(store, list_incidents, limit=1000) if event_id in i.event_ids]
    view = read(store, get_incident, found.id)
    assert view is not None
    return view


def signed_in(browser: Browser, server: LiveServer, locale: str, errors: list[str]) -> Page:
    page = open_page(browser, server.url, errors)
    if locale != "en":
        with page.expect_navigation():
            page.get_by_test_id("locale-select").select_option(locale)
        expect(page.get_by_test_id("feed-state")).to_have_class("feed-state live")
    return page


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_what_joins_later_never_undoes_an_acknowledgement(
    browser: Browser, live_server: LiveServer, store: EventStore, make_event: Make, locale: str
) -> None:
    acknowledged, news, ack_new, _ = WORDS[locale]
    errors: list[str] = []
    page = signed_in(browser, live_server, locale, errors)
    fall = make_event(type=EventType.FALL, track_id=7)
    incident = incident_of(store, store.record_event(fall))
    item = page.locator(card(page, incident.id))
    item.get_by_test_id("queue-acknowledge").click()
    expect(item.get_by_test_id("queue-status")).to_have_text(acknowledged)

    # The long lie of the same fall joins seconds later.
    lie = make_event(
        type=EventType.LONG_LIE,
        track_id=7,
        parent_key=fall.key,
        started_at=fall.started_at + 1,
        detected_at=fall.started_at + 61,
    )
    lie_id = store.record_event(lie)
    expect(item.get_by_test_id("queue-news")).to_contain_text(news)
    expect(item.get_by_test_id("queue-status")).to_have_text(acknowledged)  # not New again
    button = item.get_by_test_id("queue-acknowledge")
    expect(button).to_have_text(ack_new)
    expect(item).to_have_attribute("data-unacknowledged", "true")
    screenshot(page, f"officer-new-information-{locale}")
    assert_accessible(page)
    button.click()
    expect(item.get_by_test_id("queue-news")).to_be_hidden()
    expect(item.get_by_test_id("queue-status")).to_have_text(acknowledged)

    view = incident_of(store, lie_id)
    assert view.status is EventStatus.ACKNOWLEDGED
    assert [(s.action, s.from_status, s.event_ids) for s in view.steps] == [
        ("acknowledge", EventStatus.NEW, (view.event_ids[0],)),
        ("acknowledge", EventStatus.ACKNOWLEDGED, (lie_id,)),
    ]
    page.close()
    assert errors == []


def test_repeated_falls_are_counted_and_another_persons_fall_stands_apart(
    browser: Browser, live_server: LiveServer, store: EventStore, make_event: Make
) -> None:
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors)
    first = store.record_event(make_event(type=EventType.FALL, track_id=3))
    store.record_event(make_event(type=EventType.FALL, track_id=3))
    other = store.record_event(make_event(type=EventType.FALL, track_id=4))
    mine, theirs = incident_of(store, first), incident_of(store, other)
    assert mine.id != theirs.id and mine.fall_count == 2
    item = page.locator(card(page, mine.id))
    expect(item.get_by_test_id("queue-title")).to_have_text("Fall ×2 · Corridor")
    expect(item.get_by_test_id("queue-falls")).to_have_text(WORDS["en"][3])
    expect(page.locator(card(page, theirs.id)).get_by_test_id("queue-falls")).to_have_text("1 fall")

    # Escalated for want of an answer: the card says so.
    write(
        store, escalate_overdue, store.push_routing, 1, 10**10
    )  # the test events are old: street, not yet district
    expect(item.get_by_test_id("queue-level")).to_contain_text("raised to Street")
    page.close()
    assert errors == []


def test_a_long_lie_is_listed_when_it_was_raised(
    browser: Browser, live_server: LiveServer, store: EventStore, make_event: Make
) -> None:
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors)
    fall = make_event(type=EventType.FALL, started_at=T0_EPOCH_S, detected_at=T0_EPOCH_S + 2)
    store.record_event(fall)
    lie = make_event(
        type=EventType.LONG_LIE,
        parent_key=fall.key,
        started_at=T0_EPOCH_S + 1,
        detected_at=T0_EPOCH_S + 61,
    )
    lie_id = store.record_event(lie)
    rows = page.get_by_test_id("event-row")
    expect(rows).to_have_count(2)
    first = rows.first  # the newest raised first: the long lie, a minute after the fall
    expect(first).to_have_attribute("data-event-id", str(lie_id))
    times = [rows.nth(n).get_by_test_id("event-time") for n in (0, 1)]
    raised = [time.get_attribute("datetime") for time in times]
    assert raised[0] and raised[1] and raised[0] > raised[1]
    expect(first.get_by_test_id("event-since")).to_be_visible()  # "started …": when lying began
    expect(rows.nth(1).get_by_test_id("event-since")).to_have_count(0)
    page.close()
    assert errors == []


def test_a_background_tab_gets_a_desktop_notification(
    browser: Browser, live_server: LiveServer, store: EventStore, make_event: Make
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["notifications"], origin=live_server.url)
    page = context.new_page()
    sign_in(page, live_server.url)
    toggle = page.get_by_test_id("notify-toggle")
    expect(toggle).to_have_attribute("data-permission", "granted")  # localhost is secure
    expect(toggle).to_have_attribute("aria-pressed", "true")
    store.record_event(make_event(type=EventType.FALL))  # in view: no notification
    expect(page.get_by_test_id("queue-item")).to_have_count(1)
    assert toggle.get_attribute("data-shown") == "0"
    # Playwright tells every page it has the focus; let Chromium say which really has it.
    context.new_cdp_session(page).send("Emulation.setFocusEmulationEnabled", {"enabled": False})
    context.new_page().bring_to_front()  # the officer works in another tab
    page.wait_for_function("() => document.hidden || !document.hasFocus()")
    store.record_event(make_event(type=EventType.FALL))
    expect(toggle).to_have_attribute("data-shown", "1")
    context.close()


def test_the_event_page_acts_on_its_incident(
    browser: Browser, live_server: LiveServer, store: EventStore, make_event: Make
) -> None:
    errors: list[str] = []
    fall = make_event(type=EventType.FALL, track_id=5)
    fall_id = store.record_event(fall)
    lie_id = store.record_event(
        make_event(type=EventType.LONG_LIE, track_id=5, parent_key=fall.key)
    )
    page = open_page(browser, live_server.url, errors)
    page.evaluate("id => { location.hash = `#/events/${id}`; }", lie_id)
    expect(page.get_by_test_id("detail-incident")).to_contain_text("Fall + Long lie")
    page.get_by_test_id("action-acknowledge").click()  # from the long lie's page: both
    expect(page.get_by_test_id("detail-status")).to_have_text("Acknowledged")
    view = incident_of(store, fall_id)
    assert view.status is EventStatus.ACKNOWLEDGED and view.pending_event_ids == ()
    assert [(s.action, s.event_ids) for s in view.steps] == [("acknowledge", (fall_id, lie_id))]
    page.close()
    assert errors == []

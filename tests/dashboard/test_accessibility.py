"""Accessibility basics on every page: axe-core's WCAG 2.1 A/AA rules and keyboard reach."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, expect

from tests.dashboard.browser import (
    BROWSER,
    PHONE,
    TIMEOUT_MS,
    assert_accessible,
    axe_violations,
    open_page,
    unreachable_by_keyboard,
)
from tests.dashboard.conftest import LiveServer

pytestmark = BROWSER


def test_sign_in_page(browser: Browser, live_server: LiveServer) -> None:
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_server.url)
    expect(page.get_by_test_id("sign-in")).to_be_visible()
    assert_accessible(page)
    page.close()


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_live_wall_and_event_detail(
    browser: Browser,
    live_server: LiveServer,
    record_with_media: Callable[..., int],
    locale: str,
) -> None:
    event_id = record_with_media()
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors)
    if locale != "en":
        page.get_by_test_id("locale-select").select_option(locale)
        expect(page.locator("html")).to_have_attribute("lang", locale)
    expect(page.locator(f"[data-event-id='{event_id}']")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}/#/events/{event_id}")
    expect(page.get_by_test_id("detail-status")).to_be_visible()
    assert_accessible(page)
    page.close()


def test_phone_width(
    browser: Browser, live_server: LiveServer, record_with_media: Callable[..., int]
) -> None:
    record_with_media()
    page = open_page(browser, live_server.url, [], PHONE)
    expect(page.get_by_test_id("event-row")).to_be_visible()
    assert axe_violations(page) == []
    page.close()


def test_the_checks_catch_what_they_look_for(browser: Browser, live_server: LiveServer) -> None:
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_server.url)
    expect(page.get_by_test_id("sign-in")).to_be_visible()
    page.evaluate(
        """() => {
            // Through CSSOM: the page's CSP refuses a <style> tag (Playwright's add_style_tag).
            const title = document.querySelector("#sign-in-title").style;
            Object.assign(title, { color: "#ddd", background: "#fff" });
            document.querySelector("[for=sign-in-user]").remove();
            const trap = document.createElement("button");
            trap.textContent = "unreachable";
            trap.tabIndex = -1;
            document.querySelector("[data-testid=sign-in-form]").append(trap);
        }"""
    )
    ids = {violation["id"] for violation in axe_violations(page)}
    assert {"color-contrast", "label"} <= ids
    assert unreachable_by_keyboard(page) == [
        '<button tabindex="-1" data-a11y-control="4">unreachable</button>'
    ]
    page.close()

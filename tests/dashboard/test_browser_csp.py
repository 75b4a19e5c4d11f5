"""In Chromium: the CSP is enforced and seen by the tests; the admin's sign-in locks page."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from tests.dashboard.browser import BROWSER, TIMEOUT_MS, flush_console, open_page
from tests.dashboard.conftest import LiveServer

pytestmark = BROWSER


def test_chromium_enforces_the_policy_and_the_tests_see_violations(
    browser: Browser, live_server: LiveServer, csp_violations: list[str]
) -> None:
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_server.url)
    ran = page.evaluate(
        """() => new Promise((resolve) => {
            window.injected = false;
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
            const styled = document.createElement("div");
            styled.setAttribute("style", "color: red");
            document.body.append(styled);
            setTimeout(() => resolve(window.injected), 100);
        })"""
    )
    flush_console(browser)
    page.close()
    found = list(csp_violations)
    csp_violations.clear()  # wanted here: not a failure of this test

    assert ran is False
    assert any("script-src" in text for text in found), found
    assert any("style-src" in text for text in found), found


def test_admin_sees_a_lock_and_unlocks_it(
    browser: Browser, live_server: LiveServer, client_as: Callable[[str], TestClient]
) -> None:
    guesser = TestClient(live_server.app, client=("10.0.0.66", 40000))
    for n in range(7):
        guesser.post("/api/auth/login", json={"username": "officer-1", "password": f"guess {n}"})
    errors: list[str] = []
    page = open_page(browser, live_server.url, errors, user="admin")

    page.get_by_test_id("nav-sign-in-locks").click()
    row = page.get_by_test_id("lock-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("10.0.0.66")
    expect(row).to_contain_text("officer-1")
    row.get_by_test_id("lock-unlock").click()
    expect(page.get_by_test_id("locks-empty")).to_be_visible()
    expect(page.get_by_test_id("locks-status")).to_have_text("Unlocked.")
    page.close()

    assert client_as("admin").get("/api/auth/throttles").json() == []
    assert errors == []


def test_the_sign_in_form_says_when_to_try_again(
    browser: Browser, live_server: LiveServer, tokens: dict[str, str]
) -> None:
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_server.url)
    codes = []
    for n in range(6):
        page.get_by_test_id("sign-in-user").fill("officer-1")
        page.get_by_test_id("sign-in-password").fill(f"guess number {n}")
        with page.expect_response("**/api/auth/login") as answer:
            page.get_by_test_id("sign-in-submit").click()
        codes.append(answer.value.status)
    expect(page.get_by_test_id("sign-in-error")).to_have_text(
        re.compile(r"^Too many sign-in attempts\. Try again in (29\d|300) s\.$")
    )
    page.close()
    assert codes == [401] * 5 + [429]

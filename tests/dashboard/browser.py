"""Real-Chromium plumbing shared by the browser tests: launch, sign in, wait for video."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect
from playwright.sync_api import Error as PlaywrightError

from tests.dashboard.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
TIMEOUT_MS = 20_000
DESKTOP = (1280, 900)
PHONE = (390, 844)
UNAUTHORISED_LOG = (
    "Failed to load resource: the server responded with a status of 401 (Unauthorized)"
)

# Every page reports its Content-Security-Policy violations to the console, where
# `watch_csp` collects them with Chromium's own "Refused to ..." lines.
CSP_MARK = "CSP violation:"
_REPORT_CSP = f"""document.addEventListener("securitypolicyviolation", (event) => console.error(
    `{CSP_MARK} ${{event.effectiveDirective}} blocked ${{event.blockedURI || "inline"}}`
    + ` at ${{event.sourceFile || event.documentURI}}:${{event.lineNumber}}`));"""


def _is_csp_violation(text: str) -> bool:
    return text.startswith(CSP_MARK) or "Content Security Policy" in text


def watch_csp(context: BrowserContext, violations: list[str]) -> None:
    """Collect the CSP violations of every page of `context` (present and future) in
    `violations`; init scripts run outside the page's CSP, so the listener itself is allowed."""
    context.add_init_script(_REPORT_CSP)

    def on_console(message: ConsoleMessage) -> None:
        if _is_csp_violation(message.text):
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    context.on("console", on_console)


def watching_csp(browser: Browser) -> Browser:
    """`browser` whose new pages and contexts are watched by `watch_csp`, into the list
    `violations_of(browser)` returns."""
    violations: list[str] = []
    new_context, new_page = browser.new_context, browser.new_page

    def watched_context(*args: object, **kwargs: object) -> BrowserContext:
        context = new_context(*args, **kwargs)  # type: ignore[arg-type]
        watch_csp(context, violations)
        return context

    def watched_page(*args: object, **kwargs: object) -> Page:
        page = new_page(*args, **kwargs)  # type: ignore[arg-type]
        watch_csp(page.context, violations)
        return page

    browser.new_context = watched_context  # type: ignore[method-assign]
    browser.new_page = watched_page  # type: ignore[method-assign]
    browser.csp_violations = violations  # type: ignore[attr-defined]
    return browser


def violations_of(browser: Browser) -> list[str]:
    violations: list[str] = browser.csp_violations  # type: ignore[attr-defined]
    return violations


def flush_console(browser: Browser) -> None:
    """A round trip to every open page, so console messages still in flight are delivered."""
    for context in browser.contexts:
        for page in context.pages:
            # A closed or navigating page has nothing left to deliver.
            with contextlib.suppress(PlaywrightError):
                page.evaluate("0")


# Put `pytestmark = BROWSER` in each browser test module.
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's Chromium at /usr/bin/chromium (apt install chromium)",
    ),
]


def open_page(
    browser: Browser,
    url: str,
    errors: list[str],
    size: tuple[int, int] = DESKTOP,
    user: str = "officer-1",
    ready_testid: str = "feed-state",
) -> Page:
    """A signed-in page whose console errors and uncaught exceptions land in `errors`."""
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.set_default_timeout(TIMEOUT_MS)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, url, user=user)
    expect(page.get_by_test_id(ready_testid)).to_have_text("live")
    # Before signing in, the page asks who is signed in and is told 401; Chromium logs that.
    errors.remove(UNAUTHORISED_LOG)
    return page


def sign_in(page: Page, url: str, user: str = "officer-1", password: str = PASSWORD) -> None:
    """Open `url`, which shows the sign-in form first, and sign in through it."""
    page.goto(url)
    page.get_by_test_id("sign-in-user").fill(user)
    page.get_by_test_id("sign-in-password").fill(password)
    page.get_by_test_id("sign-in-submit").click()
    if password == PASSWORD:
        expect(page.get_by_test_id("who-name")).to_contain_text(user)


def wait_advancing(page: Page, testid: str, scope: str = "body") -> None:
    """Wait until the <video> has a picture and its currentTime moves on."""
    video = page.locator(f"{scope} [data-testid={testid}]").element_handle()
    page.wait_for_function("v => v.videoWidth > 0 && v.currentTime > 0", arg=video)
    start_s = video.evaluate("v => v.currentTime")
    page.wait_for_function("([v, t]) => v.currentTime > t", arg=[video, start_s])


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as test-output/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
INTERACTIVE = (
    "a[href], button, input:not([type=hidden]), select, textarea, video[controls], summary, "
    "[tabindex]:not([tabindex='-1'])"
)


def axe_violations(page: Page) -> list[dict[str, object]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now (contrast, labels, names...)."""
    if not AXE.exists():
        reason = f"axe-core not installed at {AXE} (make test runs npm ci in tests/dashboard)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    # Evaluated, not added as a <script>: the page's CSP (rightly) refuses inline scripts.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    script = """async (tags) => {
        const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
        return result.violations.map((v) => ({
            id: v.id, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
        }));
    }"""
    violations: list[dict[str, object]] = page.evaluate(script, AXE_TAGS)
    return violations


def unreachable_by_keyboard(page: Page) -> list[str]:
    """Visible, enabled controls that pressing Tab through the page never focuses."""
    count: int = page.evaluate(
        """(selector) => {
            // Marks left by an earlier check on this page would count hidden controls as missed.
            document.querySelectorAll("[data-a11y-control]").forEach((node) => {
                delete node.dataset.a11yControl;
            });
            // An open modal dialog makes the rest of the page inert, as [inert] does.
            const modal = document.querySelector("dialog:modal");
            const controls = [...document.querySelectorAll(selector)].filter(
                (node) => !node.disabled && node.checkVisibility() && !node.closest("[inert]")
                    && (!modal || modal.contains(node)));
            controls.forEach((node, index) => { node.dataset.a11yControl = String(index); });
            document.activeElement?.blur();
            return controls.length;
        }""",
        INTERACTIVE,
    )
    wanted = {str(index) for index in range(count)}
    reached: set[str] = set()
    # A <video controls> takes several Tab stops (play, timeline, volume...), hence the margin.
    for _ in range(8 * count + 20):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement?.dataset.a11yControl ?? ''"))
        if wanted <= reached:
            break
    missed: list[str] = page.evaluate(
        """(reached) => [...document.querySelectorAll("[data-a11y-control]")]
            .filter((node) => !reached.includes(node.dataset.a11yControl))
            .map((node) => node.outerHTML.slice(0, 120))""",
        sorted(reached),
    )
    return missed


def assert_accessible(page: Page) -> None:
    """No axe-core WCAG A/AA violation, and every visible control reachable with Tab."""
    violations = axe_violations(page)
    assert violations == [], violations
    missed = unreachable_by_keyboard(page)
    assert missed == [], missed

"""Every page in both languages, in a real Chromium: no English left in zh-CN, officer pages
in plain words (engineers' details behind a disclosure), plurals, the header, chart labels."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from carewatch.config import CameraConfig
from dashboard.live import StaticLiveFeed
from dashboard.routes.pages import STATIC_DIR
from streams.health import CameraHealth, CameraState
from supervision.cameras.versions import seed_versions
from supervision.checklists import ChecklistKind, load_checklists
from supervision.config import InspectionConfig
from supervision.events.search import list_incidents
from supervision.events.store import EventStore
from supervision.inspections.evidence import EventRef
from supervision.inspections.runs import (
    InspectionMode,
    ItemResult,
    ResultIn,
    attach_evidence,
    complete_inspection,
    create_inspection,
    record_results,
)
from supervision.org import tree as org
from supervision.org.scope import Role
from supervision.org.users import create_user
from supervision.tables import utc_now
from tests.conftest import SQLITE_PASS_ONLY
from tests.dashboard.browser import BROWSER, DESKTOP, TIMEOUT_MS, sign_in
from tests.dashboard.camera_control_fake import FakeCameraControl, camera_config
from tests.dashboard.conftest import FAST_SCRYPT, PASSWORD, LiveServer
from tests.store_calls import read
from vision.config import FallThresholds, RuleThresholds
from vision.events import EventType

pytestmark = [*BROWSER, SQLITE_PASS_ONLY]

FIRE = load_checklists()[ChecklistKind.FIRE_SAFETY]
MODELS = {
    "pose": "movenet@nfd-0.1.0",
    "second_opinion": "yolov8-fall@0.1.2",
    "fire": "yolov8-fire@1",
}
LONG_NAMES = {
    "fac-zh": "演示养老院第一社区居家养老服务中心",
    "fac-en": "Riverside Community Home-Care and Day Service Centre",
}

# Latin words a zh-CN page may show: product, units, formats, standards and model names.
ALLOWED_WORDS = {
    *("carewatch", "English", "fps", "WebRTC", "webrtc", "MJPEG", "mjpeg", "CSV", "PDF", "KPI"),
    *("JPEG", "PNG", "RTSP", "HTTP", "USB", "GB", "JGJ", "MoveNet", "YOLO", "FFmpeg", "HH", "MM"),
    *("IANA", "UTC", "tcp", "udp"),  # time zones; the RTSP transport's values
}
# Names and user names of the test data (they are what they are in every language).
NAMES = [
    *("Drum Tower Street", "Lake Street", "Gulou District", "Sunrise Home", "Lakeside Centre"),
    *("Lakeside hall", "Corridor", "Room 101", *LONG_NAMES.values()),
    *("district", "operator", "admin"),
]
# A run of Latin letters, digits and id punctuation; one with a digit or - / : @ is an id,
# a version, a path or a number with its unit (cam-1, H.264, Asia/Shanghai, rtsp://, 0.5-1).
RUN = re.compile(r"[A-Za-z0-9_.\-/:@]+")
ID_LIKE = re.compile(r"[\d\-/:@]")
WORD = re.compile(r"[A-Za-z]{2,}")

VISIBLE_TEXTS = """() => {
    const shown = (node) => node.checkVisibility() && !node.closest("[translate=no]");
    const texts = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (node.parentElement && shown(node.parentElement)) texts.push(node.textContent);
    }
    const labelled = document.body.querySelectorAll("[aria-label], [title], [alt], [placeholder]");
    for (const node of labelled) {
        if (!shown(node)) continue;
        for (const name of ["aria-label", "title", "alt", "placeholder"]) {
            if (node.hasAttribute(name)) texts.push(node.getAttribute(name));
        }
    }
    for (const select of document.body.querySelectorAll("select")) {
        if (shown(select)) texts.push(...[...select.options].map((option) => option.text));
    }
    return texts.map((text) => text.trim()).filter(Boolean);
}"""


def latin_words(text: str) -> list[str]:
    """The English-looking words of `text` that are not names, ids, units or allowed terms."""
    for name in sorted(NAMES, key=len, reverse=True):
        text = text.replace(name, " ")
    words = [
        word for run in RUN.findall(text) if not ID_LIKE.search(run) for word in WORD.findall(run)
    ]
    return [word for word in words if word not in ALLOWED_WORDS]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("已保存 1 项结果。", []),
        ("1 results saved.", ["results", "saved"]),
        ("摄像头 Corridor · cam-1 · 15 fps · Asia/Shanghai", []),
        ("pose", ["pose"]),
        ("· fire.duty.responsible_person ·", ["fire", "duty", "responsible", "person"]),
        ("second_opinion", ["second", "opinion"]),
        ("GB 38600-2019 第4章；H.264", []),
    ],
)
def test_latin_words(text: str, expected: list[str]) -> None:
    assert latin_words(text) == expected


class ShippedSchemaControl(FakeCameraControl):
    """The fake with the real camera configuration's schema: the operator's forms as shipped."""

    def schema(self) -> dict[str, Any]:
        return CameraConfig.model_json_schema()


@pytest.fixture
def camera_control(live_feed: StaticLiveFeed) -> FakeCameraControl:
    return ShippedSchemaControl(live_feed)


# cam-1's version 1 as start-up seeds it, with a zone and a line to edit.
CAM_1 = camera_config(
    zones=[{"id": "exit-1", "kind": "exit", "polygon": [[0.1, 0.1], [0.4, 0.1], [0.4, 0.5]]}],
    lines=[{"id": "door-1", "points": [[0.5, 0.2], [0.5, 0.8]]}],
)


@dataclass(frozen=True)
class Seeded:
    fall_id: int
    smoke_id: int
    incident_id: int
    completed_id: int  # an inspection completed with its first item failed (no note)
    open_id: int  # an inspection in progress with evidence on its second item
    hazard_id: int


@pytest.fixture
def seeded(
    store: EventStore, tokens: dict[str, str], record_with_media: Callable[..., int]
) -> Seeded:
    fall_id = record_with_media(
        camera_id="cam-1",
        thresholds=FallThresholds().model_dump(),
        model_versions=MODELS,
    )
    smoke_id = record_with_media(
        camera_id="cam-2",
        type=EventType.SMOKE,
        thresholds={k: float(v) for k, v in RuleThresholds().model_dump().items()},
        model_versions=MODELS,
    )
    (incident_id,) = [i.id for i in read(store, list_incidents) if fall_id in i.event_ids]
    with store.sessions.begin() as session:
        done = create_inspection(session, "fac-1", FIRE, InspectionMode.ON_SITE, "street-1")
        results = [ResultIn(item.item_id, ItemResult.PASS) for item in done.items]
        results[0] = ResultIn(done.items[0].item_id, ItemResult.FAIL)
        record_results(session, done.id, results, "street-1")
        completed = complete_inspection(session, done.id, "street-1", InspectionConfig())
        opened = create_inspection(session, "fac-1", FIRE, InspectionMode.REMOTE, "street-1")
        item_id = opened.items[1].item_id
        attach_evidence(session, opened.id, EventRef(fall_id), "street-1", item_id=item_id)
        seed_versions(session, {"cam-1": CAM_1})
    return Seeded(fall_id, smoke_id, incident_id, completed.id, opened.id, completed.hazard_ids[0])


def _sign_in_chinese(page: Page, url: str, user: str) -> None:
    sign_in(page, url, user=user)
    page.get_by_test_id("locale-select").select_option("zh-CN")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_test_id("feed-state")).to_have_text("实时")


def _show(page: Page, hash_: str, ready: str | None) -> None:
    """Open `hash_`, wait for its content (`ready`, else anything but "loading"), open every
    disclosure so that what it hides is checked too."""
    page.evaluate("hash => { location.hash = hash; }", hash_)  # "#/" may lead home: no wait
    if ready:
        expect(page.locator(ready).first).to_be_visible()
    page.wait_for_function(
        """() => !document.body.innerText.includes("加载中")
            && (document.querySelector("#view").children.length > 0
                || !document.querySelector("#home-view").hidden
                || !document.querySelector("#detail-view").hidden)"""
    )
    page.wait_for_timeout(400)  # lists fill in after their first answer
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")


def _english_left(page: Page) -> dict[str, list[str]]:
    texts: list[str] = page.evaluate(VISIBLE_TEXTS)
    return {text: words for text in texts if (words := latin_words(text))}


def _nav_hashes(page: Page) -> list[str]:
    return page.eval_on_selector_all("[data-testid=nav] a", "links => links.map((a) => a.hash)")


def _pages(seeded: Seeded) -> dict[str, list[tuple[str, str | None]]]:
    """Per user, the pages besides the nav links: (hash, selector that shows it is ready)."""
    event = "[data-testid=detail-thresholds] dt"
    hazard = (f"#/hazards/{seeded.hazard_id}", "[data-testid=hazard-facts] dt")
    return {
        "officer-1": [
            (f"#/events/{seeded.fall_id}", event),
            (f"#/events/{seeded.smoke_id}", event),
            hazard,
        ],
        "street-1": [
            (f"#/incidents/{seeded.incident_id}", "[data-testid=review-detection]"),
            (f"#/inspections/{seeded.completed_id}", "[data-testid=inspection-hazard]"),
            (f"#/inspections/{seeded.open_id}", "[data-testid=evidence-form]"),
            hazard,
        ],
        "operator": [
            ("#/operator/cameras/cam-1", "[data-testid=thresholds-form]"),
            ("#/operator/cameras/new", "[data-testid=source-fields] .op-field"),
        ],
        "admin": [],
    }


@pytest.mark.parametrize("user", ["officer-1", "street-1", "operator", "admin"])
def test_every_page_of_each_role_is_all_chinese(
    browser: Browser, live_server: LiveServer, seeded: Seeded, user: str
) -> None:
    page = browser.new_page(viewport={"width": DESKTOP[0], "height": DESKTOP[1]})
    page.set_default_timeout(TIMEOUT_MS)
    _sign_in_chinese(page, live_server.url, user)
    pages = [(hash_, None) for hash_ in _nav_hashes(page)] + _pages(seeded)[user]
    found = {}
    for hash_, ready in pages:
        _show(page, hash_, ready)
        if english := _english_left(page):
            found[hash_] = english
    page.close()
    shown = [
        f"{hash_} {text[:90]!r}: {words}"
        for hash_, left in found.items()
        for text, words in left.items()
    ]
    assert found == {}, "English left in zh-CN:\n" + "\n".join(shown)


def test_every_english_string_has_a_chinese_one(browser: Browser, live_server: LiveServer) -> None:
    modules = sorted(
        f"/static/{path.relative_to(STATIC_DIR).as_posix()}"
        for path in (STATIC_DIR / "js").rglob("*strings.js")
    )
    assert len(modules) >= 4, modules
    page = browser.new_page()
    page.goto(live_server.url)  # the sign-in page: the shell and its modules are loaded
    missing = page.evaluate(
        r"""async (modules) => {
            for (const module of modules) await import(module);
            const { keysOf } = await import("/static/js/i18n.js");
            const chinese = new Set(keysOf("zh-CN"));
            // A plural form Chinese does not have ("x.one") is covered by its "x.other".
            const plural = (key) => key.replace(/\.(zero|one|two|few|many)$/, ".other");
            const english = keysOf("en");
            const missing = english.filter((key) => !chinese.has(key) && !chinese.has(plural(key)));
            return { count: english.length, missing };
        }""",
        modules,
    )
    page.close()
    assert missing["count"] > 300
    assert missing["missing"] == []


def _signed_in(browser: Browser, url: str, user: str) -> Page:
    page = browser.new_page(viewport={"width": DESKTOP[0], "height": DESKTOP[1]})
    page.set_default_timeout(TIMEOUT_MS)
    sign_in(page, url, user=user)
    return page


def _in_each_language(page: Page) -> Iterator[str]:
    """English first, then the page again in Chinese (the choice reloads it)."""
    yield "en"
    page.get_by_test_id("locale-select").select_option("zh-CN")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    yield "zh-CN"


EVENT_WORDS = {
    "en": ("Technical details", "Pose score to start following", "Pose model", "Flame score"),
    "zh-CN": ("技术详情", "开始跟踪所需姿态得分", "姿态模型", "火焰得分下限"),
}


def test_event_page_keeps_engineer_details_behind_a_disclosure(
    browser: Browser, live_server: LiveServer, seeded: Seeded
) -> None:
    page = _signed_in(browser, live_server.url, "officer-1")
    event = page.evaluate("id => fetch(`/api/events/${id}`).then((r) => r.json())", seeded.fall_id)
    for locale in _in_each_language(page):
        summary, threshold, model, flame = EVENT_WORDS[locale]
        _show_event(page, seeded.fall_id)
        technical = page.get_by_test_id("detail-technical")
        expect(technical).not_to_have_attribute("open", "")
        expect(technical.locator("summary")).to_have_text(summary)
        expect(page.get_by_test_id("detail-thresholds")).to_be_hidden()  # until it is opened
        facts = page.get_by_test_id("detail-facts")
        expect(facts).to_contain_text("Corridor")
        expect(facts).not_to_contain_text(event["key"])  # the key is for engineers

        technical.locator("summary").click()
        expect(page.get_by_test_id("detail-tech-facts")).to_contain_text(event["key"])
        row = page.locator("[data-testid=detail-thresholds] dt[data-key=min_pose_score]")
        expect(row).to_contain_text(threshold)
        expect(row.locator("code[translate=no]")).to_have_text("min_pose_score")  # raw key
        pose = page.locator("[data-testid=detail-models] dt[data-key=pose]")
        expect(pose).to_contain_text(model)
        expect(pose.locator("code")).to_have_text("pose")
        expect(page.get_by_test_id("detail-models")).to_contain_text(MODELS["second_opinion"])

        _show_event(page, seeded.smoke_id)  # the other rules' thresholds have names too
        expect(page.get_by_test_id("detail-thresholds")).to_contain_text(flame)
    page.close()


def _show_event(page: Page, event_id: int) -> None:
    page.evaluate("hash => { location.hash = hash; }", f"#/events/{event_id}")
    expect(page.get_by_test_id("detail-title")).not_to_have_text(re.compile(r"^(Event|事件)$"))
    expect(page.locator("[data-testid=detail-thresholds] dt").first).to_be_attached()


def test_header_names_the_role_once(
    browser: Browser, live_server: LiveServer, store: EventStore
) -> None:
    """A display name that only repeats the role shows the role once; a real name stays."""
    users = {
        "duty": ("Safety officer", {"en": "Safety officer", "zh-CN": "机构安全员"}),
        "li-na": ("Li Na", {"en": "Li Na · Safety officer", "zh-CN": "Li Na · 机构安全员"}),
    }
    with store.sessions.begin() as session:
        node = org.NodeRef(org.NodeKind.FACILITY, "fac-1")
        for username, (display_name, _) in users.items():
            role = Role.FACILITY_OFFICER
            create_user(
                session,
                username,
                PASSWORD,
                role,
                node,
                display_name=display_name,
                params=FAST_SCRYPT,
            )
    for username, (_, expected) in users.items():
        page = browser.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(live_server.url)
        page.get_by_test_id("sign-in-user").fill(username)
        page.get_by_test_id("sign-in-password").fill(PASSWORD)
        page.get_by_test_id("sign-in-submit").click()
        for locale in _in_each_language(page):
            expect(page.get_by_test_id("who-name")).to_have_text(expected[locale])
        page.close()


INSPECTION_WORDS = {
    "en": ("1 result saved.", "2 results saved.", "The whole inspection"),
    "zh-CN": ("已保存 3 项结果。", "已保存 4 项结果。", "整个检查"),
}


def test_inspection_counts_results_and_names_evidence_items_in_the_users_language(
    browser: Browser, live_server: LiveServer, seeded: Seeded
) -> None:
    page = _signed_in(browser, live_server.url, "street-1")
    first, second = FIRE.items[:2]
    for locale in _in_each_language(page):
        one_more, two_more, whole = INSPECTION_WORDS[locale]
        text = second.text.zh if locale == "zh-CN" else second.text.en
        _show(page, f"#/inspections/{seeded.open_id}", "[data-testid=evidence-form]")
        evidence = page.locator(f"[data-testid=evidence-item][data-item-id='{second.id}']")
        expect(evidence).to_contain_text(text)
        expect(evidence).not_to_contain_text(second.id)
        options = page.get_by_test_id("evidence-item-select").locator("option")
        expect(options.first).to_have_text(whole)
        expect(options.nth(2)).to_contain_text(text[:20])

        # English saves one result, then two; Chinese (one form for every count) 3, then 4.
        items = page.locator("[data-testid=inspection-item]")
        done = 0 if locale == "en" else 2
        for expected in (one_more, two_more):
            items.nth(done).get_by_test_id("result-pass").check()
            done += 1
            page.get_by_test_id("save-results").click()
            expect(page.get_by_test_id("inspection-action-status")).to_have_text(expected)

        # The hazard raised from the failed item (no note) reads in the user's language only.
        _show(page, f"#/hazards/{seeded.hazard_id}", "[data-testid=hazard-facts] dt")
        mine, other = (
            (first.text.zh, first.text.en) if locale == "zh-CN" else (first.text.en, first.text.zh)
        )
        expect(page.get_by_test_id("hazard-facts")).to_contain_text(mine)
        expect(page.get_by_test_id("hazard-facts")).not_to_contain_text(other)
    page.close()


ONLINE = {"en": "Cameras online", "zh-CN": "摄像头在线率"}
LABELS_OUTSIDE = """() => [...document.querySelectorAll("[data-testid^=chart-] svg")].flatMap(
  (svg) => {
    const [, , width, height] = svg.getAttribute("viewBox").split(" ").map(Number);
    const axis = svg.querySelector(".chart-axis");  // bar charts: labels stay left of the bars
    const right = axis ? Number(axis.getAttribute("x1")) : width;
    return [...svg.querySelectorAll("text.chart-label")].flatMap((label) => {
        const box = label.getBBox();
        const inside = box.x >= 0 && box.x + box.width <= right
            && box.y >= 0 && box.y + box.height <= height;
        return inside ? [] : [`${label.dataset.name ?? label.textContent}: x ${box.x}, y ${box.y}, `
            + `${box.width} × ${box.height} outside ${right} × ${height}`];
    });
  })"""


def test_long_facility_names_fit_the_chart_labels_and_a_new_camera_is_online(
    browser: Browser, live_server: LiveServer, store: EventStore
) -> None:
    added = utc_now()  # each camera added now and online from then on: online all its time
    with store.sessions.begin() as session:
        for facility_id, name in LONG_NAMES.items():
            org.create_facility(session, facility_id, name, "s1")
            camera_id = f"cam-{facility_id}"
            org.create_camera(session, camera_id, facility_id, "Hall", "file", created_at=added)
    for facility_id in LONG_NAMES:
        health = CameraHealth(f"cam-{facility_id}", CameraState.ONLINE, None, 8.0, 1, 0, 0)
        store.update_camera_health(health, at=added)
    page = _signed_in(browser, live_server.url, "street-1")
    for locale in _in_each_language(page):
        _show(page, "#/kpis", "[data-testid=kpi-row]")
        expect(page.locator("[data-testid=chart-events] text.chart-label")).to_have_count(3)
        assert page.evaluate(LABELS_OUTSIDE) == []
        shown = page.eval_on_selector_all(
            "[data-testid=chart-events] text.chart-label",
            "ls => ls.map((l) => [...l.querySelectorAll('tspan')].map((t) => t.textContent))",
        )
        for name in LONG_NAMES.values():  # wrapped, not cut: every character is there
            whole = name.replace(" ", "")
            assert any("".join(lines).replace(" ", "") == whole for lines in shown), (name, shown)
        for facility_id in LONG_NAMES:
            row = page.locator(f"[data-testid=kpi-row][data-node-id={facility_id}]")
            expect(row.locator(f"td[data-label='{ONLINE[locale]}']")).to_have_text("100%")
    page.close()

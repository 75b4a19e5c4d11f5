"""PushNotice checks and its zh-CN and English rendering."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from supervision.push.notice import (
    EVENT_WORDS,
    MAX_MARKDOWN_BYTES,
    PushNotice,
    event_word,
    render,
)
from vision.events import EventType


def _notice(**overrides: Any) -> PushNotice:
    fields: dict[str, Any] = {
        "incident_id": 7,
        "kind": "new",
        "event_types": ("fall",),
        "fall_count": 1,
        "severity": "critical",
        "facility_name": "演示养老院",
        "camera_name": "101房",
        "opened_at_text": "2026-12-07 16:11:13 (UTC+08:00)",
        "link_url": "https://care.example.cn/#/incidents/7",
    }
    return PushNotice(**(fields | overrides))


def test_a_new_fall_in_chinese() -> None:
    rendered = render(_notice(), "zh-CN")
    assert rendered.title == "【跌倒】演示养老院 · 101房"
    assert rendered.markdown.splitlines() == [
        "### 【跌倒】演示养老院 · 101房",
        "**时间**：2026-12-07 16:11:13 (UTC+08:00)",
        "**机构**：演示养老院",
        "**房间**：101房",
        "**类型**：跌倒",
        "**等级**：紧急",
        "[点击查看并确认](https://care.example.cn/#/incidents/7)",
    ]
    assert rendered.text.splitlines()[-1] == "点击查看并确认：https://care.example.cn/#/incidents/7"
    assert "**" not in rendered.text


def test_a_new_fall_in_english() -> None:
    rendered = render(_notice(event_types=("fall", "long_lie"), fall_count=3), "en")
    assert rendered.title == "[Fall, Long lie] 演示养老院 · 101房"
    assert "**Type**: Fall, Long lie (3 falls)" in rendered.lines
    assert "**Severity**: Critical" in rendered.lines
    assert rendered.markdown.endswith(
        "[Open and acknowledge](https://care.example.cn/#/incidents/7)"
    )


@pytest.mark.parametrize(
    ("overrides", "language", "title", "first_line"),
    [
        (
            {"kind": "reminder", "unacknowledged_s": 185.0},
            "zh-CN",
            "【提醒 · 跌倒】演示养老院 · 101房",
            "**提醒**：已 3 分钟 无人确认",
        ),
        (
            {"kind": "reminder", "unacknowledged_s": 45.0},
            "en",
            "[Reminder · Fall] 演示养老院 · 101房",
            "**Reminder**: not acknowledged for 45 s",
        ),
        (
            {"kind": "escalation", "escalated_to": "street", "unacknowledged_s": 600.0},
            "zh-CN",
            "【升级 · 跌倒】演示养老院 · 101房",
            "**已上报至街道**：已 10 分钟 无人确认",
        ),
        (
            {"kind": "escalation", "escalated_to": "district", "unacknowledged_s": 3900.0},
            "en",
            "[Escalated · Fall] 演示养老院 · 101房",
            "**Escalated to the district**: not acknowledged for 1 h 5 min",
        ),
        (
            {"kind": "escalation", "escalated_to": "district", "unacknowledged_s": 7200.0},
            "zh-CN",
            "【升级 · 跌倒】演示养老院 · 101房",
            "**已上报至区**：已 2 小时 无人确认",
        ),
    ],
)
def test_reminders_and_escalations_say_so(
    overrides: dict[str, Any], language: Any, title: str, first_line: str
) -> None:
    rendered = render(_notice(**overrides), language)
    assert rendered.title == title
    assert rendered.lines[0] == first_line


@pytest.mark.parametrize(
    ("event_types", "language", "expected"),
    [
        ((), "zh-CN", "【事件】"),  # empty: the generic word
        ((), "en", "[Incident]"),
        (("smoke", "smoke", "fire"), "zh-CN", "【烟雾、明火】"),
        (("new_kind",), "en", "[new kind]"),  # unknown: spelled out
        (("fall", "smoke", "fire", "bed_exit"), "zh-CN", "【跌倒、烟雾、明火…】"),
    ],
)
def test_title_event_words(event_types: tuple[str, ...], language: Any, expected: str) -> None:
    assert render(_notice(event_types=event_types), language).title.startswith(expected)


@pytest.mark.parametrize("event_type", list(EventType))
def test_every_event_type_has_words_in_both_languages(event_type: EventType) -> None:
    english, chinese = EVENT_WORDS[event_type]
    assert event_word(event_type.value, 0) == english and english
    assert event_word(event_type.value, 1) == chinese and not chinese.isascii()


def test_a_snapshot_is_a_link_never_an_image() -> None:
    snapshot = "https://care.example.cn/s/9?exp=1&sig=ab(c)"
    rendered = render(_notice(snapshot_url=snapshot), "zh-CN")
    assert "[查看现场截图（限时链接）](https://care.example.cn/s/9?exp=1&sig=ab%28c%29)" in (
        rendered.lines
    )
    assert "![" not in rendered.markdown


def test_names_cannot_inject_markdown_links_tags_or_lines() -> None:
    rendered = render(
        _notice(facility_name="A <@all> [x](https://evil)\n### B", camera_name="`*r*`"), "en"
    )
    assert rendered.title == "[Fall] A ＜@all＞ ［x］(https://evil) ### B · '＊r＊'"
    assert rendered.markdown.count("\n") == len(rendered.lines) + 1
    assert "<" not in rendered.markdown and "](https://evil" not in rendered.markdown


@pytest.mark.parametrize("character", ["x", "养", "😀"])
def test_the_longest_notice_fits_the_wecom_cap(character: str) -> None:
    url = "https://care.example.cn/" + "u" * 976
    notice = _notice(
        kind="escalation",
        escalated_to="district",
        unacknowledged_s=1e9,
        event_types=tuple(character * 40 + str(i) for i in range(20)),
        severity=character * 500,
        facility_name=character * 1000,
        camera_name=character * 1000,
        opened_at_text=character * 1000,
        link_url=url,
        snapshot_url=url,
    )
    for language in ("zh-CN", "en"):
        assert len(render(notice, language).markdown.encode("utf-8")) <= MAX_MARKDOWN_BYTES


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"incident_id": 0}, "incident_id: expected a positive id"),
        ({"kind": "update"}, "kind: expected new, reminder or escalation"),
        ({"fall_count": -1}, "fall_count: expected 0 or more"),
        ({"kind": "escalation", "unacknowledged_s": 5.0}, "escalated_to: an escalation names"),
        ({"kind": "reminder"}, "unacknowledged_s: a reminder needs"),
        ({"link_url": "care.example.cn/m/7"}, "link_url: expected an http(s) URL"),
        ({"link_url": "https://care.example.cn/a b"}, "link_url: expected an http(s) URL"),
        ({"link_url": "https://例子.cn/m/7"}, "link_url: expected an http(s) URL in ASCII"),
        ({"link_url": "https://a.cn/" + "x" * 990}, "link_url: expected an http(s) URL"),
        ({"snapshot_url": "file:///tmp/x.jpg"}, "snapshot_url: expected an http(s) URL"),
    ],
)
def test_a_bad_notice_names_the_field(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _notice(**overrides)


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="language: expected zh-CN or en"):
        render(_notice(), "fr")  # type: ignore[arg-type]


def _doc_examples() -> list[str]:
    text = (Path(__file__).resolve().parents[2] / "docs" / "push.md").read_text(encoding="utf-8")
    return [block.strip() for block in re.findall(r"```text\n(.*?)```", text, re.S)]


def test_the_docs_show_what_render_makes() -> None:
    new = _notice(
        incident_id=42,
        event_types=("fall", "long_lie"),
        fall_count=2,
        link_url="https://care.example.cn/#/incidents/42",
        snapshot_url="https://care.example.cn/api/push/snapshots/42.1796631073.kO8v2Xw5fQ",
    )
    reminder = replace(
        new,
        kind="reminder",
        unacknowledged_s=125.0,
        facility_name="Demo Home",
        camera_name="Room 101",
        snapshot_url=None,
    )
    assert _doc_examples() == [render(new, "zh-CN").markdown, render(reminder, "en").markdown]

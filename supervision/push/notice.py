"""The PushNotice record and its rendering as a short zh-CN or English group message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from vision.events import EventType

NoticeKind = Literal["new", "reminder", "escalation"]
Language = Literal["zh-CN", "en"]

# WeCom: "markdown内容，最长不超过4096个字节，必须是utf8编码" (群机器人配置说明, path/91770);
# the same cap keeps DingTalk and Feishu messages (Feishu: request body ≤ 20 KB) small.
MAX_MARKDOWN_BYTES = 4096
MAX_URL_CHARS = 1000
# UTF-8 bytes per shown value; with the URL bound they keep a message under 3.3 KB.
_NAME_BYTES = 96
_WORD_BYTES = 48
_TITLE_TYPES = 3
_LISTED_TYPES = 6
_URL = re.compile(r"https?://[!-~]+")  # printable ASCII: IRIs come percent-encoded

# (English, 中文) for each EventType, in the dashboard's words (dashboard/static/js/strings.js).
EVENT_WORDS: dict[str, tuple[str, str]] = {
    EventType.FALL: ("Fall", "跌倒"),
    EventType.LONG_LIE: ("Long lie", "长时间倒地"),
    EventType.FIRE: ("Fire", "明火"),
    EventType.SMOKE: ("Smoke", "烟雾"),
    EventType.EXIT_BLOCKED: ("Exit blocked", "安全出口堵塞"),
    EventType.INTRUSION: ("Intrusion", "闯入禁区"),
    EventType.WANDERING: ("Wandering", "夜间走失风险"),
    EventType.BED_EXIT: ("Bed exit", "离床"),
    EventType.UNDERSTAFFED: ("Understaffed", "值守人员不足"),
    EventType.CAMERA_OFFLINE: ("Camera offline", "摄像头离线"),
    EventType.CAMERA_COVERED: ("Camera covered", "摄像头被遮挡"),
    EventType.CAMERA_DEFOCUSED: ("Camera defocused", "摄像头失焦"),
    EventType.CAMERA_MOVED: ("Camera moved", "摄像头被移动"),
}
SEVERITY_WORDS: dict[str, tuple[str, str]] = {
    "critical": ("Critical", "紧急"),
    "warning": ("Warning", "警告"),
    "info": ("Info", "提示"),
}
_LEVEL_WORDS = {"street": ("the street", "街道"), "district": ("the district", "区")}


@dataclass(frozen=True)
class PushNotice:
    """One message to push: an incident that is new, still unacknowledged, or escalated."""

    incident_id: int
    kind: NoticeKind
    event_types: tuple[str, ...]
    fall_count: int
    severity: str
    facility_name: str
    camera_name: str
    opened_at_text: str  # already in the facility's zone with its label
    link_url: str  # opens the incident on the phone (sign-in first)
    snapshot_url: str | None = None  # an expiring link; None: no picture
    escalated_to: Literal["street", "district"] | None = None
    unacknowledged_s: float | None = None

    def __post_init__(self) -> None:
        _check_notice(self)


def _check_notice(notice: PushNotice) -> None:
    if notice.incident_id < 1:
        raise ValueError(f"incident_id: expected a positive id, got {notice.incident_id}")
    if notice.kind not in ("new", "reminder", "escalation"):
        raise ValueError(f"kind: expected new, reminder or escalation, got {notice.kind!r}")
    if notice.fall_count < 0:
        raise ValueError(f"fall_count: expected 0 or more, got {notice.fall_count}")
    if notice.kind == "escalation" and notice.escalated_to not in ("street", "district"):
        raise ValueError("escalated_to: an escalation names street or district")
    if notice.kind != "new" and (notice.unacknowledged_s is None or notice.unacknowledged_s < 0):
        raise ValueError(f"unacknowledged_s: a {notice.kind} needs the time nobody acknowledged")
    _check_url("link_url", notice.link_url)
    if notice.snapshot_url is not None:
        _check_url("snapshot_url", notice.snapshot_url)


def _check_url(field: str, url: str) -> None:
    if len(url) > MAX_URL_CHARS or not _URL.fullmatch(url):
        raise ValueError(
            f"{field}: expected an http(s) URL in ASCII without spaces, up to {MAX_URL_CHARS}"
        )


@dataclass(frozen=True)
class RenderedNotice:
    """A notice in one language: the whole markdown message, its plain text, and its parts."""

    title: str  # one plain line
    markdown: str  # title, facts, links; at most MAX_MARKDOWN_BYTES in UTF-8
    text: str  # the same without markdown
    lines: tuple[str, ...]  # the markdown lines between the title and the main link (cards)
    link_label: str  # the main link's words ("点击查看并确认")
    link_url: str


@dataclass(frozen=True)
class _Words:
    index: int  # into the (English, 中文) pairs
    colon: str
    list_sep: str
    incident: str
    reminder: str
    escalated: str
    time: str
    home: str
    room: str
    types: str
    severity: str
    snapshot: str
    link: str


_WORDS: dict[str, _Words] = {
    "zh-CN": _Words(
        index=1,
        colon="：",
        list_sep="、",
        incident="事件",
        reminder="提醒",
        escalated="升级",
        time="时间",
        home="机构",
        room="房间",
        types="类型",
        severity="等级",
        snapshot="查看现场截图（限时链接）",
        link="点击查看并确认",
    ),
    "en": _Words(
        index=0,
        colon=": ",
        list_sep=", ",
        incident="Incident",
        reminder="Reminder",
        escalated="Escalated",
        time="Time",
        home="Home",
        room="Room",
        types="Type",
        severity="Severity",
        snapshot="Snapshot (expiring link)",
        link="Open and acknowledge",
    ),
}


def render(notice: PushNotice, language: Language) -> RenderedNotice:
    """The notice as a group message; names are made safe for markdown and kept short."""
    if language not in _WORDS:
        raise ValueError(f"language: expected zh-CN or en, got {language!r}")
    words = _WORDS[language]
    title = _title(notice, words)
    facts = _facts(notice, words)
    md_lines = [f"**{label}**{words.colon}{value}" for label, value in facts]
    text_lines = [f"{label}{words.colon}{value}" for label, value in facts]
    if notice.snapshot_url is not None:
        md_lines.append(f"[{words.snapshot}]({_md_url(notice.snapshot_url)})")
        text_lines.append(f"{words.snapshot}{words.colon}{notice.snapshot_url}")
    main_link = f"[{words.link}]({_md_url(notice.link_url)})"
    markdown = "\n".join([f"### {title}", *md_lines, main_link])
    size = len(markdown.encode("utf-8"))
    if size > MAX_MARKDOWN_BYTES:  # the field bounds keep it far below; a guard, not a path
        raise ValueError(f"notice: {size} bytes of markdown, over {MAX_MARKDOWN_BYTES}")
    text = "\n".join([title, *text_lines, f"{words.link}{words.colon}{notice.link_url}"])
    return RenderedNotice(title, markdown, text, tuple(md_lines), words.link, notice.link_url)


def _title(notice: PushNotice, words: _Words) -> str:
    shown = _types(notice, words, _TITLE_TYPES)
    prefix = {"new": "", "reminder": words.reminder, "escalation": words.escalated}[notice.kind]
    tag = f"{prefix} · {shown}" if prefix else shown
    place = f"{_safe(notice.facility_name)} · {_safe(notice.camera_name)}"
    return f"【{tag}】{place}" if words.index == 1 else f"[{tag}] {place}"


def _facts(notice: PushNotice, words: _Words) -> list[tuple[str, str]]:
    facts = []
    if notice.kind != "new":
        facts.append(_overdue(notice, words))
    types = _types(notice, words, _LISTED_TYPES)
    facts += [
        (words.time, _safe(notice.opened_at_text)),
        (words.home, _safe(notice.facility_name)),
        (words.room, _safe(notice.camera_name)),
        (words.types, types + _falls(notice.fall_count, words)),
        (words.severity, severity_word(notice.severity, words.index)),
    ]
    return facts


def _types(notice: PushNotice, words: _Words, most: int) -> str:
    types = [event_word(kind, words.index) for kind in dict.fromkeys(notice.event_types)]
    shown = words.list_sep.join(types[:most]) or words.incident
    return shown + "…" if len(types) > most else shown


def _overdue(notice: PushNotice, words: _Words) -> tuple[str, str]:
    waited = _duration(notice.unacknowledged_s or 0.0, words.index)
    if words.index == 1:
        if notice.kind == "reminder":
            return words.reminder, f"已 {waited} 无人确认"
        level = _LEVEL_WORDS[notice.escalated_to or "street"][1]
        return f"已上报至{level}", f"已 {waited} 无人确认"
    if notice.kind == "reminder":
        return words.reminder, f"not acknowledged for {waited}"
    level = _LEVEL_WORDS[notice.escalated_to or "street"][0]
    return f"Escalated to {level}", f"not acknowledged for {waited}"


def _falls(fall_count: int, words: _Words) -> str:
    if fall_count < 2:
        return ""
    return f"（跌倒 {fall_count} 次）" if words.index == 1 else f" ({fall_count} falls)"


def _duration(seconds: float, index: int) -> str:
    whole = int(seconds)
    hours, minutes = divmod(whole // 60, 60)
    units = (" h", " min", " s") if index == 0 else (" 小时", " 分钟", " 秒")
    if whole < 60:
        return f"{whole}{units[2]}"
    if hours == 0:
        return f"{minutes}{units[1]}"
    return f"{hours}{units[0]} {minutes}{units[1]}" if minutes else f"{hours}{units[0]}"


def event_word(event_type: str, index: int) -> str:
    """An event type in words (index 0: English, 1: 中文); unknown types spelled out."""
    pair = EVENT_WORDS.get(event_type)
    return pair[index] if pair else _safe(event_type.replace("_", " "), _WORD_BYTES)


def severity_word(severity: str, index: int) -> str:
    pair = SEVERITY_WORDS.get(severity)
    return pair[index] if pair else _safe(severity, _WORD_BYTES)


_UNSAFE = str.maketrans({"<": "＜", ">": "＞", "[": "［", "]": "］", "*": "＊", "`": "'"})


def _safe(value: str, max_bytes: int = _NAME_BYTES) -> str:
    # Names come from operators: one line, no markdown links, tags or @-mentions, kept short.
    one_line = " ".join(value.split()).translate(_UNSAFE)
    if len(one_line.encode("utf-8")) <= max_bytes:
        return one_line
    kept = one_line.encode("utf-8")[: max_bytes - 3].decode("utf-8", errors="ignore")
    return kept + "…"


def _md_url(url: str) -> str:
    return url.replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")

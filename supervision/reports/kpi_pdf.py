"""KPI reports as PDF: the KPI table of a period and node, in Chinese or English.

Text is set in reportlab's built-in CJK CID font STSong-Light (the reader's own copy of the
Adobe font is used), so Chinese names render without a font file in the repository.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from supervision.reports.kpis import KpiReport, KpiRow

Language = Literal["zh-CN", "en"]
FONT = "STSong-Light"
NONE_MARK = "—"


@dataclass(frozen=True, slots=True)
class ReportTitle:
    """What the report covers: the node's name and level, and who made it when."""

    node_name: str | None  # None: the whole tree
    node_kind: str  # district, street, facility or "all"
    made_by: str
    made_at: datetime


def _seconds(value: float | None) -> str:
    return NONE_MARK if value is None else f"{value:.0f}"


def _percent(value: float | None) -> str:
    return NONE_MARK if value is None else f"{value * 100:.1f}%"


def _count(value: int | None) -> str:
    return NONE_MARK if value is None else str(value)


_Cell = Callable[[KpiRow], str]
# (English header, Chinese header, cell); seconds and percentages say so in the header.
COLUMNS: list[tuple[str, str, _Cell]] = [
    ("Node", "单位", lambda row: row.node_name),
    ("Facilities", "机构数", lambda row: str(row.facilities)),
    ("Cameras", "摄像头", lambda row: str(row.cameras)),
    ("Events", "事件数", lambda row: str(row.events)),
    ("Closed", "已关闭", lambda row: str(row.closed)),
    ("Ack p50 (s)", "确认中位(秒)", lambda row: _seconds(row.ack_p50_s)),
    ("Ack p90 (s)", "确认P90(秒)", lambda row: _seconds(row.ack_p90_s)),
    ("Close p50 (s)", "关闭中位(秒)", lambda row: _seconds(row.close_p50_s)),
    ("Closure rate", "关闭率", lambda row: _percent(row.closure_rate)),
    ("False alarms", "误报率", lambda row: _percent(row.false_alarm_rate)),
    ("Cameras online", "摄像头在线率", lambda row: _percent(row.camera_online_rate)),
    ("Hazards open", "未整改隐患", lambda row: _count(row.hazards_open)),
    ("Hazards overdue", "逾期隐患", lambda row: _count(row.hazards_overdue)),
    ("Inspections", "检查次数", lambda row: _count(row.inspections_done)),
]

_WORDS = {
    "en": {
        "title": "carewatch KPI report",
        "node": "Scope",
        "level": "Rows per",
        "period": "Period (UTC)",
        "made": "Made by {who} at {at} UTC",
        "empty": "No rows: nothing at this level lies in the scope.",
        "district": "district",
        "street": "street",
        "facility": "facility",
        "all": "all",
    },
    "zh-CN": {
        "title": "carewatch 安防监管指标报表",
        "node": "范围",
        "level": "统计层级",
        "period": "统计周期(UTC)",
        "made": "{who} 于 {at} UTC 生成",
        "empty": "无数据:该层级在范围内没有单位。",
        "district": "区",
        "street": "街道",
        "facility": "机构",
        "all": "全部",
    },
}


def kpi_pdf(
    report: KpiReport, title: ReportTitle, lang: Language = "zh-CN", *, compress: bool = True
) -> bytes:
    """The report as a landscape A4 PDF: a heading, then one table row per node."""
    _register_font()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=_WORDS[lang]["title"],
        author=title.made_by,
        pageCompression=1 if compress else 0,
        invariant=1,  # the same report gives the same bytes (no random document id)
    )
    document.build([*_heading(report, title, lang), _table(report, lang)])
    return buffer.getvalue()


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _style(size: float, leading: float | None = None) -> ParagraphStyle:
    return ParagraphStyle(
        f"kpi-{size}", fontName=FONT, fontSize=size, leading=leading or size * 1.3
    )


def _heading(report: KpiReport, title: ReportTitle, lang: Language) -> list[Flowable]:
    words = _WORDS[lang]
    period = f"{_utc(report.start)} — {_utc(report.end)}"
    kind = words.get(title.node_kind, title.node_kind)
    node = words["all"] if title.node_name is None else f"{_escape(title.node_name)} ({kind})"
    lines = [
        f"{words['node']}: {node}",
        f"{words['level']}: {words.get(str(report.level), str(report.level))}",
        f"{words['period']}: {period}",
        words["made"].format(who=_escape(title.made_by), at=_utc(title.made_at)),
    ]
    flowables: list[Flowable] = [Paragraph(words["title"], _style(16)), Spacer(1, 3 * mm)]
    flowables += [Paragraph(line, _style(9)) for line in lines]
    if not report.rows:
        flowables.append(Paragraph(words["empty"], _style(9)))
    return [*flowables, Spacer(1, 4 * mm)]


def _table(report: KpiReport, lang: Language) -> Table:
    header_index = 1 if lang == "zh-CN" else 0
    cell_style = _style(7.5)
    header = [Paragraph(column[header_index], cell_style) for column in COLUMNS]
    body = [
        [Paragraph(_escape(cell(row)), cell_style) for *_, cell in COLUMNS] for row in report.rows
    ]
    widths = [52 * mm, *[16.5 * mm] * (len(COLUMNS) - 1)]
    table = Table([header, *body], colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.92, 0.96)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _escape(text: str) -> str:
    """Paragraph text is mini-markup: a name with '<' or '&' must not be read as a tag."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

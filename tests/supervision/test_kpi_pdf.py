"""KPI PDF: headings in either language, names as written (markup and Chinese), empty reports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from supervision.reports.kpi_pdf import ReportTitle, kpi_pdf
from supervision.reports.kpis import KpiLevel, KpiReport, KpiRow
from tests.pdf_text import pdf_text

START = datetime(2026, 10, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)
MADE = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)


def _row(name: str, events: int = 4, closed: int = 3) -> KpiRow:
    return KpiRow(
        level=KpiLevel.FACILITY,
        node_id=name,
        node_name=name,
        facilities=1,
        cameras=2,
        events=events,
        acknowledged=events,
        closed=closed,
        false_alarms=1,
        ack_p50_s=42.4,
        ack_p90_s=None,
        close_p50_s=600.0,
        close_p90_s=900.0,
        closure_rate=closed / events if events else None,
        false_alarm_rate=1 / closed if closed else None,
        false_alarm_rate_by_type={},
        camera_online_rate=0.5,
        hazards_open=None,
        hazards_overdue=2,
        hazards_fixed=0,
        inspections_done=1,
    )


def _text(rows: tuple[KpiRow, ...], lang: str, node: str | None = "阳光街道") -> str:
    report = KpiReport(KpiLevel.FACILITY, START, END, rows)
    title = ReportTitle(node_name=node, node_kind="street", made_by="王检查员", made_at=MADE)
    content = kpi_pdf(report, title, lang, compress=False)  # type: ignore[arg-type]
    assert content.startswith(b"%PDF-")
    return "".join(pdf_text(content).split())


@pytest.mark.parametrize(
    ("rows", "lang", "shown"),
    [
        ((), "en", ["carewatchKPIreport", "Norows", "阳光街道(street)"]),
        ((), "zh-CN", ["安防监管指标报表", "无数据", "王检查员于2026-11-0208:30UTC生成"]),
        ((_row("Sunrise <b>Home</b> & Co"),), "en", ["Sunrise<b>Home</b>&Co", "75.0%", "42", "—"]),
        (
            (_row("阳光养老院"), _row("湖畔中心", 0, 0)),
            "zh-CN",
            ["阳光养老院", "湖畔中心", "关闭率"],
        ),
    ],
)
def test_report_text(rows: tuple[KpiRow, ...], lang: str, shown: list[str]) -> None:
    text = _text(rows, lang)
    assert [word for word in shown if word not in text] == []


def test_the_whole_tree_is_named_all() -> None:
    assert "Scope:all" in _text((), "en", node=None)
    assert "范围:全部" in _text((), "zh-CN", node=None)


def test_compressed_and_plain_reports_read_the_same() -> None:
    report = KpiReport(KpiLevel.FACILITY, START, END, (_row("Sunrise Home"),))
    title = ReportTitle("Drum Tower Street", "street", "li", MADE)
    packed, plain = (kpi_pdf(report, title, "en", compress=flag) for flag in (True, False))
    assert len(packed) < len(plain) and pdf_text(packed) == pdf_text(plain)

"""KPI reports as CSV: one row per node; column names carry their unit (_s, _fraction, _count)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from supervision.csv_text import csv_text
from supervision.reports.kpis import KpiReport, KpiRow
from vision.events import EventType

_Cell = Callable[[KpiRow], object]


def _false_alarm_rate_of(event_type: str) -> _Cell:
    return lambda row: row.false_alarm_rate_by_type.get(event_type)


# Every detector gets its column, so the header is the same whatever the period held.
_FALSE_ALARM_COLUMNS: list[tuple[str, _Cell]] = [
    (f"false_alarm_rate_{event_type}_fraction", _false_alarm_rate_of(str(event_type)))
    for event_type in EventType
]

COLUMNS: list[tuple[str, _Cell]] = [
    ("level", lambda row: row.level),
    ("node_id", lambda row: row.node_id),
    ("node_name", lambda row: row.node_name),
    ("facilities_count", lambda row: row.facilities),
    ("cameras_count", lambda row: row.cameras),
    ("events_count", lambda row: row.events),
    ("acknowledged_count", lambda row: row.acknowledged),
    ("closed_count", lambda row: row.closed),
    ("false_alarms_count", lambda row: row.false_alarms),
    ("time_to_ack_p50_s", lambda row: row.ack_p50_s),
    ("time_to_ack_p90_s", lambda row: row.ack_p90_s),
    ("time_to_close_p50_s", lambda row: row.close_p50_s),
    ("time_to_close_p90_s", lambda row: row.close_p90_s),
    ("closure_rate_fraction", lambda row: row.closure_rate),
    ("false_alarm_rate_fraction", lambda row: row.false_alarm_rate),
    *_FALSE_ALARM_COLUMNS,
    ("camera_online_rate_fraction", lambda row: row.camera_online_rate),
    ("hazards_open_count", lambda row: row.hazards_open),
    ("hazards_overdue_count", lambda row: row.hazards_overdue),
    ("hazards_fixed_count", lambda row: row.hazards_fixed),
    ("inspections_done_count", lambda row: row.inspections_done),
]
HEADER = ["period_start_utc", "period_end_utc", *(name for name, _ in COLUMNS)]


def kpi_csv(report: KpiReport) -> str:
    """The report as CSV text (RFC 4180 line ends); an empty cell is a value that is unknown."""
    period = [_utc_text(report.start), _utc_text(report.end)]
    return csv_text(
        HEADER, ([*period, *(value(row) for _, value in COLUMNS)] for row in report.rows)
    )


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()

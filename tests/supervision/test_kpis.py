"""KPI parts: percentiles, the nodes a scope may see, uptime replay, CSV, state history."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from streams.health import CameraHealth, CameraState
from supervision.events.store import EventStore
from supervision.org.tree import NodeKind, NodeNotFound, NodeRef, create_district, create_street
from supervision.reports.kpi_csv import HEADER, kpi_csv
from supervision.reports.kpis import KpiLevel, compute_kpis, kpi_nodes, percentile
from supervision.reports.uptime import online_seconds
from supervision.tables import CameraStateChange

T0 = datetime(2026, 11, 23, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.5, None),
        ([7.0], 0.9, 7.0),
        ([1.0, 2.0], 0.5, 1.5),
        ([30.0, 90.0, 45.0, 30.0], 0.5, 37.5),
        ([30.0, 90.0, 45.0, 30.0], 0.9, 76.5),
        ([5.0, 1.0, 3.0], 0.0, 1.0),
        ([5.0, 1.0, 3.0], 1.0, 5.0),
    ],
)
def test_percentile(values: list[float], fraction: float, expected: float | None) -> None:
    assert percentile(values, fraction) == pytest.approx(expected)


def test_percentile_rejects_a_fraction_outside_0_1() -> None:
    with pytest.raises(ValueError, match="fraction"):
        percentile([1.0], 1.5)


@pytest.mark.parametrize(
    ("level", "under", "expected"),
    [
        (KpiLevel.DISTRICT, None, ["d1", "d2"]),
        (KpiLevel.STREET, None, ["s-empty", "s1", "s2", "s3"]),
        (KpiLevel.FACILITY, None, ["fac-a", "fac-b", "fac-c", "fac-e"]),
        (KpiLevel.DISTRICT, NodeRef(NodeKind.DISTRICT, "d1"), ["d1"]),
        (KpiLevel.STREET, NodeRef(NodeKind.DISTRICT, "d1"), ["s-empty", "s1", "s2"]),
        (KpiLevel.FACILITY, NodeRef(NodeKind.DISTRICT, "d1"), ["fac-a", "fac-b", "fac-c"]),
        (KpiLevel.DISTRICT, NodeRef(NodeKind.STREET, "s1"), []),
        (KpiLevel.STREET, NodeRef(NodeKind.STREET, "s1"), ["s1"]),
        (KpiLevel.FACILITY, NodeRef(NodeKind.STREET, "s1"), ["fac-a", "fac-b"]),
        (KpiLevel.STREET, NodeRef(NodeKind.FACILITY, "fac-a"), []),
        (KpiLevel.FACILITY, NodeRef(NodeKind.FACILITY, "fac-a"), ["fac-a"]),
        (KpiLevel.STREET, NodeRef(NodeKind.STREET, "s-empty"), ["s-empty"]),
    ],
)
def test_nodes_at_a_level_never_reach_above_the_scope(
    tree: sessionmaker[Session], level: KpiLevel, under: NodeRef | None, expected: list[str]
) -> None:
    with tree() as session:
        assert [node.id for node in kpi_nodes(session, level, under)] == expected


def test_node_contents_and_a_missing_node(tree: sessionmaker[Session]) -> None:
    with tree() as session:
        (s1,) = kpi_nodes(session, KpiLevel.STREET, NodeRef(NodeKind.STREET, "s1"))
        assert s1.name == "Street s1"
        assert s1.facility_ids == {"fac-a", "fac-b"}
        assert s1.camera_ids == {"cam-a1", "cam-a2", "cam-b1"}
        with pytest.raises(NodeNotFound):
            kpi_nodes(session, KpiLevel.STREET, NodeRef(NodeKind.STREET, "gone"))


def test_report_without_events_has_empty_values(tree: sessionmaker[Session]) -> None:
    with tree() as session:
        report = compute_kpis(session, "street", T0, T0 + HOUR, now=T0 + 2 * HOUR)
    empty = {row.node_id: row for row in report.rows}["s-empty"]
    assert (empty.events, empty.cameras, empty.ack_p50_s, empty.closure_rate) == (0, 0, None, None)
    assert empty.camera_online_rate is None  # no camera to be online
    s1 = {row.node_id: row for row in report.rows}["s1"]
    assert s1.camera_online_rate == 0.0  # cameras that never reported were not online
    assert s1.false_alarm_rate_by_type == {}


@pytest.mark.parametrize(
    ("start", "end"),
    [(T0, T0), (T0 + HOUR, T0), (T0.replace(tzinfo=None), T0 + HOUR)],
    ids=["empty", "reversed", "naive"],
)
def test_report_rejects_a_bad_period(
    tree: sessionmaker[Session], start: datetime, end: datetime
) -> None:
    with tree() as session, pytest.raises(ValueError, match="period"):
        compute_kpis(session, KpiLevel.FACILITY, start, end)


def test_report_rejects_an_unknown_level(tree: sessionmaker[Session]) -> None:
    with tree() as session, pytest.raises(ValueError):
        compute_kpis(session, "country", T0, T0 + HOUR)


def test_state_changes_are_recorded_only_on_change(tree: sessionmaker[Session]) -> None:
    store = EventStore(tree)
    for minutes, state in [(0, "online"), (1, "online"), (2, "stalled"), (3, "stalled")]:
        health = CameraHealth("cam-a1", CameraState(state), None, 0.0, 0, 0, 0)
        store.update_camera_health(health, at=T0 + timedelta(minutes=minutes))
    with tree() as session:
        rows = session.scalars(select(CameraStateChange).order_by(CameraStateChange.id)).all()
        history = [(row.from_state, row.to_state, row.at) for row in rows]
    assert history == [
        ("stopped", "online", T0),
        ("online", "stalled", T0 + timedelta(minutes=2)),
    ]


@pytest.mark.parametrize(
    ("changes", "expected_s"),
    [
        ([], 0.0),  # never reported: its current state, stopped
        ([(-2, "online")], 3600.0),  # online since before the period
        ([(0.5, "online")], 1800.0),
        ([(2, "online")], 0.0),  # after the period: before it, the state it left
        ([(-1, "online"), (0.25, "offline"), (0.5, "online"), (0.75, "stalled")], 1800.0),
        ([(0.5, "online"), (0.5, "offline")], 0.0),  # two changes at one instant: in order
    ],
)
def test_online_seconds_replays_the_history(
    tree: sessionmaker[Session], changes: list[tuple[float, str]], expected_s: float
) -> None:
    store = EventStore(tree)
    for hours, state in changes:
        health = CameraHealth("cam-a1", CameraState(state), None, 0.0, 0, 0, 0)
        store.update_camera_health(health, at=T0 + timedelta(hours=hours))
    with tree() as session:
        seconds = online_seconds(session, ["cam-a1", "cam-b1"], T0, T0 + HOUR)
    assert seconds == {"cam-a1": pytest.approx(expected_s), "cam-b1": 0.0}


def test_csv_has_units_in_its_header_and_one_row_per_node(tree: sessionmaker[Session]) -> None:
    with tree.begin() as session:
        create_district(session, "d3", "=HYPERLINK(evil)")
        create_street(session, "s9", "d3", "Street nine")
        report = compute_kpis(session, KpiLevel.DISTRICT, T0, T0 + HOUR, now=T0 + HOUR)
    rows = list(csv.DictReader(io.StringIO(kpi_csv(report))))
    assert list(rows[0]) == HEADER
    assert [row["node_id"] for row in rows] == ["d1", "d2", "d3"]
    assert {"time_to_ack_p50_s", "closure_rate_fraction", "events_count"} <= set(HEADER)
    assert "false_alarm_rate_fall_fraction" in HEADER
    assert rows[0]["period_start_utc"] == "2026-11-23T00:00:00+00:00"
    assert rows[0]["events_count"] == "0" and rows[0]["time_to_ack_p50_s"] == ""
    assert rows[0]["camera_online_rate_fraction"] == "0.0"
    assert rows[2]["node_name"] == "'=HYPERLINK(evil)"  # not a formula in a spreadsheet


def test_csv_of_an_empty_report_is_the_header_alone(tree: sessionmaker[Session]) -> None:
    with tree() as session:
        report = compute_kpis(
            session, KpiLevel.DISTRICT, T0, T0 + HOUR, under=NodeRef(NodeKind.STREET, "s1")
        )
    assert kpi_csv(report).splitlines() == [",".join(HEADER)]

"""KPIs per facility, street and district over a period: response, closure, false alarms, uptime.

Definitions (events are those that started in [start, end) on a camera of the node):
- time to acknowledge: from the event's `started_at` to its first workflow step that left
  `new` (acknowledged, on scene, resolved or false alarm; escalation steps stay `new`).
- time to close: from `started_at` to the last step into the event's closed status, for
  events closed now (resolved or false alarm). Both are p50 and p90 in seconds, linear
  interpolation between the nearest ranks (numpy's default), None without any value.
- closure rate: closed events / events. False-alarm rate: false alarms / closed events,
  overall and per detector (event type); None where the denominator is 0.
- camera online rate: seconds online summed over the node's cameras / seconds watched
  summed over them, replayed from camera state changes (camera_uptime.py). A camera is
  watched from when it was added (or the period's start, if later) to the period's end or
  `now`, whichever comes first: time before a camera existed counts for nothing. A camera
  added after that adds to neither sum; None when no camera of the node was watched at all.
- hazards open / overdue / fixed and inspections done come from pluggable counters
  (the inspections module provides them); without one they are None, not zero.
The tree is read as it is now: a facility moved between streets counts under its new one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from supervision.events.views import EventStatus
from supervision.inspections import counts as inspection_counts
from supervision.org.tree import NodeKind, NodeRef, contents_under
from supervision.reports.uptime import Uptime, uptime
from supervision.tables import Camera, District, Event, EventTransition, Facility, Street, utc_now

_NodeTable = type[Facility] | type[Street] | type[District]
CLOSED = frozenset({str(EventStatus.RESOLVED), str(EventStatus.FALSE_ALARM)})


class KpiLevel(StrEnum):
    FACILITY = "facility"
    STREET = "street"
    DISTRICT = "district"


class HazardTally(Protocol):
    """Hazard counts of some facilities over a period (the inspections module's HazardCounts)."""

    @property
    def open(self) -> int: ...

    @property
    def overdue(self) -> int: ...

    @property
    def fixed(self) -> int: ...


class HazardCounter(Protocol):
    def __call__(
        self, session: Session, facility_ids: frozenset[str], start: datetime, end: datetime, /
    ) -> HazardTally | None: ...


class InspectionCounter(Protocol):
    def __call__(
        self, session: Session, facility_ids: frozenset[str], start: datetime, end: datetime, /
    ) -> int | None: ...


_TABLES: dict[KpiLevel, _NodeTable] = {
    KpiLevel.FACILITY: Facility,
    KpiLevel.STREET: Street,
    KpiLevel.DISTRICT: District,
}


@dataclass(frozen=True, slots=True)
class KpiNode:
    """A node of the tree at one level, with what lies under it now."""

    level: KpiLevel
    id: str
    name: str
    facility_ids: frozenset[str]
    camera_ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What the KPIs need of one event; times in seconds from its start."""

    id: int
    type: str
    status: str
    facility_id: str
    ack_s: float | None
    close_s: float | None


@dataclass(frozen=True, slots=True)
class KpiRow:
    level: KpiLevel
    node_id: str
    node_name: str
    facilities: int
    cameras: int
    events: int
    acknowledged: int
    closed: int
    false_alarms: int
    ack_p50_s: float | None
    ack_p90_s: float | None
    close_p50_s: float | None
    close_p90_s: float | None
    closure_rate: float | None
    false_alarm_rate: float | None
    false_alarm_rate_by_type: Mapping[str, float | None]  # event types seen in the period
    camera_online_rate: float | None
    hazards_open: int | None
    hazards_overdue: int | None
    hazards_fixed: int | None
    inspections_done: int | None


@dataclass(frozen=True, slots=True)
class KpiReport:
    level: KpiLevel
    start: datetime
    end: datetime
    rows: tuple[KpiRow, ...]


@dataclass(frozen=True, slots=True)
class _Counters:
    hazards: HazardCounter
    inspections: InspectionCounter


def compute_kpis(
    session: Session,
    level: KpiLevel | str,
    start: datetime,
    end: datetime,
    *,
    under: NodeRef | None = None,
    now: datetime | None = None,
    hazard_counts: HazardCounter = inspection_counts.hazard_counts,
    inspections_done: InspectionCounter = inspection_counts.inspections_done,
) -> KpiReport:
    """One row per node at `level` at or under `under` (None: the whole tree), in id order."""
    level = KpiLevel(level)
    if start.tzinfo is None or end.tzinfo is None or start >= end:
        raise ValueError(f"period: expected aware start < end, got {start} .. {end}")
    nodes = kpi_nodes(session, level, under)
    facility_ids = frozenset().union(*(node.facility_ids for node in nodes))
    facts = event_facts(session, facility_ids, start, end)
    camera_ids = frozenset().union(*(node.camera_ids for node in nodes))
    uptimes = uptime(session, camera_ids, start, min(end, now or utc_now()))
    counters = _Counters(hazard_counts, inspections_done)
    rows = [_row(session, node, facts, uptimes, (start, end), counters) for node in nodes]
    return KpiReport(level=level, start=start, end=end, rows=tuple(rows))


def kpi_nodes(session: Session, level: KpiLevel, under: NodeRef | None) -> list[KpiNode]:
    """The nodes at `level` at or under `under`; a node above `under` is never included."""
    refs = [NodeRef(NodeKind(level), node_id) for node_id in _node_ids(session, level, under)]
    names = _names(session, level)
    nodes = []
    for ref in refs:
        contents = contents_under(session, ref)
        nodes.append(
            KpiNode(level, ref.id, names[ref.id], contents.facility_ids, contents.camera_ids)
        )
    return nodes


def event_facts(
    session: Session, facility_ids: Iterable[str], start: datetime, end: datetime
) -> list[EventFacts]:
    """The events that started in [start, end) on cameras of these facilities."""
    events = (
        select(Event.id, Event.type, Event.status, Event.started_at, Camera.facility_id)
        .join(Camera, Event.camera_id == Camera.id)
        .where(Camera.facility_id.in_(list(facility_ids)))
        .where(Event.started_at >= start, Event.started_at < end)
    )
    rows = session.execute(events).all()
    steps = _steps(session, [row.id for row in rows])
    return [
        _facts(row.id, row.type, row.status, row.started_at, row.facility_id, steps.get(row.id, []))
        for row in rows
    ]


def percentile(values: Iterable[float], fraction: float) -> float | None:
    """Linear interpolation between the nearest ranks (numpy's default); None when empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction: expected 0..1, got {fraction}")
    rank = (len(ordered) - 1) * fraction
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def _node_ids(session: Session, level: KpiLevel, under: NodeRef | None) -> list[str]:
    if under is None:
        table = _TABLES[level]
        return list(session.scalars(select(table.id).order_by(table.id)))
    if level == KpiLevel.FACILITY:
        return sorted(contents_under(session, under).facility_ids)
    if under.kind == NodeKind(level):
        contents_under(session, under)  # raises NodeNotFound for a node that is gone
        return [under.id]
    if level == KpiLevel.STREET and under.kind == NodeKind.DISTRICT:
        query = select(Street.id).where(Street.district_id == under.id).order_by(Street.id)
        return list(session.scalars(query))
    return []  # a level above the node's: its rows would show what lies outside it


def _names(session: Session, level: KpiLevel) -> dict[str, str]:
    table = _TABLES[level]
    rows = session.execute(select(table.id, table.name))
    return {node_id: name for node_id, name in rows}


def _steps(session: Session, event_ids: list[int]) -> dict[int, list[tuple[str, datetime]]]:
    steps: dict[int, list[tuple[str, datetime]]] = {}
    for chunk in _chunks(event_ids, 500):
        query = (
            select(EventTransition.event_id, EventTransition.to_status, EventTransition.at)
            .where(EventTransition.event_id.in_(chunk))
            .order_by(EventTransition.at, EventTransition.id)
        )
        for event_id, to_status, at in session.execute(query):
            steps.setdefault(event_id, []).append((to_status, at))
    return steps


def _chunks(values: list[int], size: int) -> Iterable[list[int]]:
    return (values[index : index + size] for index in range(0, len(values), size))


def _facts(
    event_id: int,
    type_: str,
    status: str,
    started_at: datetime,
    facility_id: str,
    steps: list[tuple[str, datetime]],
) -> EventFacts:
    acks = [at for to_status, at in steps if to_status != str(EventStatus.NEW)]
    closes = [at for to_status, at in steps if to_status == status and status in CLOSED]
    return EventFacts(
        id=event_id,
        type=type_,
        status=status,
        facility_id=facility_id,
        ack_s=_seconds_after(started_at, acks[0]) if acks else None,
        close_s=_seconds_after(started_at, closes[-1]) if closes else None,
    )


def _seconds_after(start: datetime, at: datetime) -> float:
    # Event times come from the camera host's clock, steps from the server's: never below 0.
    return max((at - start).total_seconds(), 0.0)


def _row(
    session: Session,
    node: KpiNode,
    all_facts: list[EventFacts],
    uptimes: Mapping[str, Uptime],
    period: tuple[datetime, datetime],
    counters: _Counters,
) -> KpiRow:
    facts = [fact for fact in all_facts if fact.facility_id in node.facility_ids]
    ack = [fact.ack_s for fact in facts if fact.ack_s is not None]
    close = [fact.close_s for fact in facts if fact.close_s is not None]
    closed = [fact for fact in facts if fact.status in CLOSED]
    false_alarms = sum(1 for fact in closed if fact.status == str(EventStatus.FALSE_ALARM))
    hazards = counters.hazards(session, node.facility_ids, *period)
    return KpiRow(
        level=node.level,
        node_id=node.id,
        node_name=node.name,
        facilities=len(node.facility_ids),
        cameras=len(node.camera_ids),
        events=len(facts),
        acknowledged=len(ack),
        closed=len(closed),
        false_alarms=false_alarms,
        ack_p50_s=percentile(ack, 0.5),
        ack_p90_s=percentile(ack, 0.9),
        close_p50_s=percentile(close, 0.5),
        close_p90_s=percentile(close, 0.9),
        closure_rate=ratio(len(closed), len(facts)),
        false_alarm_rate=ratio(false_alarms, len(closed)),
        false_alarm_rate_by_type=_false_alarm_rates(facts),
        camera_online_rate=_online_rate(node.camera_ids, uptimes),
        hazards_open=None if hazards is None else hazards.open,
        hazards_overdue=None if hazards is None else hazards.overdue,
        hazards_fixed=None if hazards is None else hazards.fixed,
        inspections_done=counters.inspections(session, node.facility_ids, *period),
    )


def _false_alarm_rates(facts: list[EventFacts]) -> dict[str, float | None]:
    rates: dict[str, float | None] = {}
    for type_ in sorted({fact.type for fact in facts}):
        closed = [fact for fact in facts if fact.type == type_ and fact.status in CLOSED]
        false_alarms = sum(1 for fact in closed if fact.status == str(EventStatus.FALSE_ALARM))
        rates[type_] = ratio(false_alarms, len(closed))
    return rates


def _online_rate(camera_ids: frozenset[str], uptimes: Mapping[str, Uptime]) -> float | None:
    watched_s = sum(uptimes[camera_id].watched_s for camera_id in camera_ids)
    if watched_s <= 0:
        return None
    return sum(uptimes[camera_id].online_s for camera_id in camera_ids) / watched_s

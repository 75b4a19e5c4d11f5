"""The inspector's overview: the tree under a node with live counts per facility, rolled up."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from supervision.events.workflow import OPEN_STATUSES as INCIDENT_OPEN
from supervision.inspections.hazards import OPEN_STATUSES as HAZARD_OPEN
from supervision.org.tree import NodeKind, NodeRef
from supervision.tables import Camera, District, Facility, Hazard, Incident, Node, Street

# A camera that gives no picture: its feed broke (offline, stalled) or is not running (stopped).
NOT_SEEING = frozenset({"offline", "stalled", "stopped"})


@dataclass(frozen=True, slots=True)
class Counts:
    """What an inspector looks at first; a street's or district's are its facilities' summed."""

    open_incidents: int = 0
    overdue_hazards: int = 0
    cameras_offline: int = 0
    cameras: int = 0
    sites_offline: int = 0  # silent nodes (district sites) that run cameras here

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.open_incidents + other.open_incidents,
            self.overdue_hazards + other.overdue_hazards,
            self.cameras_offline + other.cameras_offline,
            self.cameras + other.cameras,
            self.sites_offline + other.sites_offline,
        )


@dataclass(frozen=True, slots=True)
class OverviewNode:
    """A district, street or facility with its counts; children in id order."""

    kind: NodeKind
    id: str
    name: str
    counts: Counts
    children: tuple[OverviewNode, ...] = ()
    timezone: str | None = None  # facilities only: IANA name


def facility_counts(
    session: Session,
    facility_ids: Collection[str],
    camera_states: Mapping[str, str],
    now: datetime,
) -> dict[str, Counts]:
    """Counts per facility; `camera_states` gives cameras' current states (missing: stopped)."""
    ids = sorted(facility_ids)
    incidents = _grouped(
        session,
        select(Camera.facility_id, func.count(Incident.id))
        .select_from(Incident)
        .join(Camera, Incident.camera_id == Camera.id)
        .where(Camera.facility_id.in_(ids))
        .where(Incident.status.in_([str(status) for status in INCIDENT_OPEN]))
        .group_by(Camera.facility_id),
    )
    hazards = _grouped(
        session,
        select(Hazard.facility_id, func.count(Hazard.id))
        .where(Hazard.facility_id.in_(ids))
        .where(Hazard.status.in_([str(status) for status in HAZARD_OPEN]))
        .where(Hazard.deadline < now)
        .group_by(Hazard.facility_id),
    )
    total, offline = _camera_tallies(session, ids, camera_states)
    silent = _grouped(
        session,
        select(Camera.facility_id, func.count(func.distinct(Node.id)))
        .join(Node, Node.id == Camera.node_id)
        .where(Camera.facility_id.in_(ids), Node.silent_since.is_not(None))
        .group_by(Camera.facility_id),
    )
    return {
        facility_id: Counts(
            open_incidents=incidents[facility_id],
            overdue_hazards=hazards[facility_id],
            cameras_offline=offline[facility_id],
            cameras=total[facility_id],
            sites_offline=silent[facility_id],
        )
        for facility_id in ids
    }


def _camera_tallies(
    session: Session, facility_ids: list[str], camera_states: Mapping[str, str]
) -> tuple[Counter[str], Counter[str]]:
    """Cameras per facility, and those of them giving no picture."""
    query = select(Camera.id, Camera.facility_id).where(Camera.facility_id.in_(facility_ids))
    total: Counter[str] = Counter()
    offline: Counter[str] = Counter()
    for camera_id, facility_id in session.execute(query):
        total[facility_id] += 1
        if camera_states.get(camera_id, "stopped") in NOT_SEEING:
            offline[facility_id] += 1
    return total, offline


def overview_tree(
    session: Session,
    node: NodeRef | None,
    facility_ids: Collection[str],
    counts: Mapping[str, Counts],
) -> list[OverviewNode]:
    """The tree at `node` (None: every district) down to `facility_ids`, counts rolled up.

    Streets and districts show even with no facility yet; facilities not in `facility_ids` do
    not. With `node` None, facilities not yet placed under a street come last, as roots.
    """
    facilities = _facilities(session, facility_ids)
    if node is not None and node.kind is NodeKind.FACILITY:
        return [_facility_node(row, counts) for row in facilities if row.id == node.id]
    streets = _streets(session, node)
    by_street = {
        street.id: _parent_node(
            NodeKind.STREET,
            street,
            [_facility_node(row, counts) for row in facilities if row.street_id == street.id],
        )
        for street in streets
    }
    if node is not None and node.kind is NodeKind.STREET:
        return list(by_street.values())
    districts = session.scalars(_districts(node)).all()
    roots = [
        _parent_node(
            NodeKind.DISTRICT,
            district,
            [by_street[s.id] for s in streets if s.district_id == district.id],
        )
        for district in districts
    ]
    unplaced = [] if node is not None else [row for row in facilities if row.street_id is None]
    return roots + [_facility_node(row, counts) for row in unplaced]


def flatten(roots: Iterable[OverviewNode]) -> Iterator[OverviewNode]:
    """Every node of the tree, parents before their children."""
    for root in roots:
        yield root
        yield from flatten(root.children)


def _parent_node(
    kind: NodeKind, row: Street | District, children: list[OverviewNode]
) -> OverviewNode:
    total = sum((child.counts for child in children), Counts())
    return OverviewNode(kind, row.id, row.name, total, tuple(children))


def _facility_node(row: Facility, counts: Mapping[str, Counts]) -> OverviewNode:
    return OverviewNode(
        NodeKind.FACILITY, row.id, row.name, counts.get(row.id, Counts()), timezone=row.timezone
    )


def _facilities(session: Session, facility_ids: Collection[str]) -> list[Facility]:
    query = select(Facility).where(Facility.id.in_(sorted(facility_ids))).order_by(Facility.id)
    return list(session.scalars(query))


def _streets(session: Session, node: NodeRef | None) -> list[Street]:
    query = select(Street).order_by(Street.id)
    if node is not None and node.kind is NodeKind.STREET:
        query = query.where(Street.id == node.id)
    elif node is not None:
        query = query.where(Street.district_id == node.id)
    return list(session.scalars(query))


def _districts(node: NodeRef | None) -> Select[District]:
    query = select(District).order_by(District.id)
    return query if node is None else query.where(District.id == node.id)


def _grouped(session: Session, query: Select[str, int]) -> Counter[str]:
    return Counter({key: count for key, count in session.execute(query)})

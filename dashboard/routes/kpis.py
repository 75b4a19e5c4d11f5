"""KPIs per facility, street or district over a period, as JSON or CSV; only nodes in scope.

A user gets the rows of nodes at or under their own node: a facility officer their
facility's row (no street or district rows, which would include other facilities), a street
inspector their street and its facilities, a district inspector the whole district.
`node_kind` and `node_id` narrow that to a node under theirs (404 for one outside it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import AwareDatetime
from sqlalchemy.orm import Session

from dashboard.auth import Principal, PrincipalDep, SessionsDep, audit, require_permission
from dashboard.schemas.common import NO_NUL
from supervision.org.node_scope import node_in_scope
from supervision.org.scope import Permission
from supervision.org.tree import NodeKind, NodeRef
from supervision.reports.kpi_csv import kpi_csv
from supervision.reports.kpis import (
    KpiLevel,
    KpiReport,
    compute_kpis,
)
from supervision.tables import utc_now

router = APIRouter(prefix="/api/kpis", tags=["kpis"])

DEFAULT_PERIOD = timedelta(days=30)
MAX_PERIOD = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class KpiQuery:
    level: KpiLevel
    start: datetime
    end: datetime
    node: NodeRef | None = None  # the node asked for; None: the user's own


def kpi_query(
    level: KpiLevel = KpiLevel.FACILITY,
    start: Annotated[
        AwareDatetime | None, Query(description="Period start, inclusive (default: end − 30 d).")
    ] = None,
    end: Annotated[
        AwareDatetime | None, Query(description="Period end, exclusive (default: now).")
    ] = None,
    node_kind: Annotated[
        NodeKind | None, Query(description="With node_id: rows at or under this node only.")
    ] = None,
    node_id: Annotated[str | None, Query(min_length=1, max_length=64, pattern=NO_NUL)] = None,
) -> KpiQuery:
    if (node_kind is None) != (node_id is None):
        raise HTTPException(422, "node_kind and node_id go together")
    try:
        end = (end or utc_now()).astimezone(UTC)
        start = (start or end - DEFAULT_PERIOD).astimezone(UTC)
    except OverflowError:  # e.g. year 1 minus 30 days, or 9999-12-31 at -14:00
        raise HTTPException(422, "start and end must be within years 1..9999 in UTC") from None
    if start >= end:
        raise HTTPException(422, "start must be before end")
    if end - start > MAX_PERIOD:
        raise HTTPException(422, f"the period may span at most {MAX_PERIOD.days} days")
    node = None if node_kind is None or node_id is None else NodeRef(node_kind, node_id)
    return KpiQuery(level, start, end, node)


QueryDep = Annotated[KpiQuery, Depends(kpi_query)]


# The report's dataclasses are the response schema: one definition of a KPI row, not two.
@router.get("", response_model=KpiReport)
def kpis(query: QueryDep, principal: PrincipalDep, sessions: SessionsDep) -> KpiReport:
    return kpi_report(query, principal, sessions)


@router.get(".csv", response_class=Response)
def kpis_csv(query: QueryDep, principal: PrincipalDep, sessions: SessionsDep) -> Response:
    report = kpi_report(query, principal, sessions)
    period = {"start": query.start.isoformat(), "end": query.end.isoformat(), **node_detail(query)}
    audit(sessions, principal.actor, "kpis_exported", "kpis", str(query.level), period)
    name = f"kpis-{query.level}-{query.start:%Y%m%d}-{query.end:%Y%m%d}.csv"
    return Response(
        kpi_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def kpi_report(query: KpiQuery, principal: Principal, sessions: SessionsDep) -> KpiReport:
    require_permission(principal, Permission.VIEW)
    with sessions() as session:
        under = readable_node(session, principal, query.node)
        return compute_kpis(session, query.level, query.start, query.end, under=under)


def readable_node(session: Session, principal: Principal, node: NodeRef | None) -> NodeRef | None:
    """The node asked for (None: the user's own), or 404 alike for missing and out of scope."""
    if node is None:
        return principal.scope.node
    if not node_in_scope(session, principal.scope, node):
        raise HTTPException(404, f"{node.kind} {node.id} not found")
    return node


def node_detail(query: KpiQuery) -> dict[str, str]:
    """The node of an export, for its audit row."""
    return {} if query.node is None else {"node": f"{query.node.kind}:{query.node.id}"}

"""KPIs per facility, street or district over a period, as JSON or CSV; only nodes in scope.

A user gets the rows of nodes at or under their own node: a facility officer their
facility's row (no street or district rows, which would include other facilities), a street
inspector their street and its facilities, a district inspector the whole district.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import AwareDatetime

from dashboard.auth import PrincipalDep, SessionsDep, audit, require_permission
from supervision.kpi_csv import kpi_csv
from supervision.kpis import (
    KpiLevel,
    KpiReport,
    compute_kpis,
)
from supervision.scope import Permission
from supervision.tables import utc_now

router = APIRouter(prefix="/api/kpis", tags=["kpis"])

DEFAULT_PERIOD = timedelta(days=30)
MAX_PERIOD = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class _Query:
    level: KpiLevel
    start: datetime
    end: datetime


def _period(
    level: KpiLevel = KpiLevel.FACILITY,
    start: Annotated[
        AwareDatetime | None, Query(description="Period start, inclusive (default: end − 30 d).")
    ] = None,
    end: Annotated[
        AwareDatetime | None, Query(description="Period end, exclusive (default: now).")
    ] = None,
) -> _Query:
    try:
        end = (end or utc_now()).astimezone(UTC)
        start = (start or end - DEFAULT_PERIOD).astimezone(UTC)
    except OverflowError:  # e.g. year 1 minus 30 days, or 9999-12-31 at -14:00
        raise HTTPException(422, "start and end must be within years 1..9999 in UTC") from None
    if start >= end:
        raise HTTPException(422, "start must be before end")
    if end - start > MAX_PERIOD:
        raise HTTPException(422, f"the period may span at most {MAX_PERIOD.days} days")
    return _Query(level, start, end)


QueryDep = Annotated[_Query, Depends(_period)]


# The report's dataclasses are the response schema: one definition of a KPI row, not two.
@router.get("", response_model=KpiReport)
def kpis(query: QueryDep, principal: PrincipalDep, sessions: SessionsDep) -> KpiReport:
    return _report(query, principal, sessions)


@router.get(".csv", response_class=Response)
def kpis_csv(query: QueryDep, principal: PrincipalDep, sessions: SessionsDep) -> Response:
    report = _report(query, principal, sessions)
    period = {"start": query.start.isoformat(), "end": query.end.isoformat()}
    audit(sessions, principal.actor, "kpis_exported", "kpis", str(query.level), period)
    name = f"kpis-{query.level}-{query.start:%Y%m%d}-{query.end:%Y%m%d}.csv"
    return Response(
        kpi_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _report(query: _Query, principal: PrincipalDep, sessions: SessionsDep) -> KpiReport:
    require_permission(principal, Permission.VIEW)
    with sessions() as session:
        return compute_kpis(
            session,
            query.level,
            query.start,
            query.end,
            under=principal.scope.node,
        )

"""Reports to save: the KPI table of a period and node as PDF (the CSV is /api/kpis.csv)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from dashboard.auth import PrincipalDep, SessionsDep, audit
from dashboard.routes.kpis import QueryDep, kpi_report, node_detail
from supervision.org.node_scope import node_name
from supervision.reports.kpi_pdf import ReportTitle, kpi_pdf
from supervision.tables import utc_now

router = APIRouter(prefix="/api/reports", tags=["kpis"])


@router.get("/kpis.pdf", response_class=Response)
def kpis_pdf(
    query: QueryDep,
    principal: PrincipalDep,
    sessions: SessionsDep,
    lang: Annotated[Literal["zh-CN", "en"], Query(description="Language of the report.")] = "zh-CN",
) -> Response:
    """The rows of /api/kpis with the same parameters, as a landscape A4 table (audited)."""
    report = kpi_report(query, principal, sessions)
    node = query.node or principal.scope.node
    with sessions() as session:
        shown = None if node is None else node_name(session, node)
    title = ReportTitle(
        node_name=shown,
        node_kind="all" if node is None else str(node.kind),
        made_by=principal.user.display_name or principal.actor,
        made_at=utc_now(),
    )
    content = kpi_pdf(report, title, lang)
    detail = {"start": query.start.isoformat(), "end": query.end.isoformat(), "format": "pdf"}
    detail |= node_detail(query)
    audit(sessions, principal.actor, "kpis_exported", "kpis", str(query.level), detail)
    name = f"kpis-{query.level}-{query.start:%Y%m%d}-{query.end:%Y%m%d}.pdf"
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

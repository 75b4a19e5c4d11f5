"""The audit log, read: administrators all of it, inspectors the rows about their scope."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import AwareDatetime

from dashboard.auth import PrincipalDep, SessionsDep
from dashboard.schemas.audit_log import AuditOut
from dashboard.schemas.common import NO_NUL
from supervision.audit.chain import AuditRecord
from supervision.audit.reader import AuditQuery, audit_csv, audit_scope, list_audit
from supervision.tables import INT_MAX

router = APIRouter(prefix="/api/audit", tags=["audit"])
CSV_MAX_ROWS = 100_000


def audit_query(
    action: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    object_type: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    object_id: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    incident_id: Annotated[
        int | None, Query(ge=1, le=INT_MAX, description="Rows of the incident and its events.")
    ] = None,
    before_seq: Annotated[
        int | None, Query(ge=1, le=INT_MAX, description="Paging: rows older than this seq.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    actor: Annotated[str | None, Query(max_length=200, pattern=NO_NUL)] = None,
    since: Annotated[
        AwareDatetime | None, Query(alias="from", description="At or after (inclusive).")
    ] = None,
    until: Annotated[
        AwareDatetime | None, Query(alias="to", description="Before (exclusive).")
    ] = None,
) -> AuditQuery:
    if since and until and since >= until:
        raise HTTPException(422, "from must be before to")
    return AuditQuery(
        action, object_type, object_id, incident_id, before_seq, limit, actor, since, until
    )


QueryDep = Annotated[AuditQuery, Depends(audit_query)]


@router.get("", response_model=list[AuditOut])
def audit_rows(principal: PrincipalDep, sessions: SessionsDep, query: QueryDep) -> list[AuditOut]:
    """Newest first. See supervision/audit/reader.py for who reads which rows (403: none)."""
    return [AuditOut.from_record(record) for record in _read(principal, sessions, query)]


@router.get(".csv", response_class=Response)
def audit_export(principal: PrincipalDep, sessions: SessionsDep, query: QueryDep) -> Response:
    """The same rows as CSV, every match (not one page); times in UTC."""
    records = _read(principal, sessions, replace(query, limit=CSV_MAX_ROWS))
    name = f"audit-{datetime.now():%Y%m%d-%H%M%S}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(
        "\ufeff" + audit_csv(records), media_type="text/csv; charset=utf-8", headers=headers
    )


def _read(principal: PrincipalDep, sessions: SessionsDep, query: AuditQuery) -> list[AuditRecord]:
    try:
        reader = audit_scope(principal.scope, principal.actor)
    except PermissionError as error:
        raise HTTPException(403, str(error)) from error
    with sessions() as session:
        return list_audit(session, reader, query)

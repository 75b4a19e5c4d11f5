"""The audit log, read: administrators all of it, inspectors the rows about their scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from dashboard.auth import PrincipalDep, SessionsDep
from dashboard.schemas import NO_NUL
from dashboard.schemas_inspector import AuditOut
from supervision.audit_reader import AuditQuery, audit_scope, list_audit
from supervision.tables import INT_MAX

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get("", response_model=list[AuditOut])
def audit_rows(
    principal: PrincipalDep,
    sessions: SessionsDep,
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
) -> list[AuditOut]:
    """Newest first. See supervision/audit_reader.py for who reads which rows (403: none)."""
    try:
        reader = audit_scope(principal.scope, principal.actor)
    except PermissionError as error:
        raise HTTPException(403, str(error)) from error
    query = AuditQuery(action, object_type, object_id, incident_id, before_seq, limit)
    with sessions() as session:
        records = list_audit(session, reader, query)
    return [AuditOut.from_record(record) for record in records]

"""Hazards: list (status, grade, overdue), detail, fix with evidence, verify, reopen."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from dashboard.auth import Principal, PrincipalDep, SessionsDep, audit
from dashboard.deps import MediaRootDep
from dashboard.inspection_deps import (
    InspectionSetupDep,
    domain_errors,
    evidence_response,
    in_scope,
    readable_facilities,
    require_fixer,
    require_inspector,
    require_reader,
    save_upload,
)
from dashboard.schemas.common import NO_NUL
from dashboard.schemas.hazards import HazardOut, ReopenIn, VerifyIn
from dashboard.schemas.inspections import EventEvidenceKind
from supervision.inspections.evidence import (
    EventRef,
    EvidenceKind,
    EvidenceSource,
    StoredFile,
    discard_file,
    get_evidence,
    hazard_folder,
)
from supervision.inspections.hazards import (
    HazardGrade,
    HazardStatus,
    fix_hazard,
    get_hazard,
    hazard_facility,
    list_hazards,
    reopen_hazard,
    verify_hazard,
)

router = APIRouter(prefix="/api/hazards", tags=["hazards"])


@router.get("", response_model=list[HazardOut])
def list_all(
    principal: PrincipalDep,
    sessions: SessionsDep,
    facility_id: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    status: HazardStatus | None = None,
    grade: HazardGrade | None = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[HazardOut]:
    """Hazards in the caller's scope, nearest deadline first."""
    facilities = readable_facilities(principal, facility_id)
    with sessions() as session:
        views = list_hazards(
            session, facilities, status=status, grade=grade, overdue=overdue, limit=limit
        )
    return [HazardOut.from_view(view) for view in views]


@router.get("/{hazard_id}", response_model=HazardOut)
def detail(hazard_id: int, principal: PrincipalDep, sessions: SessionsDep) -> HazardOut:
    require_reader(principal)
    with sessions() as session, domain_errors():
        _readable(session, principal, hazard_id)
        view = get_hazard(session, hazard_id)
    return HazardOut.from_view(view)


@router.post("/{hazard_id}/fix", response_model=HazardOut)
def fix(
    hazard_id: int,
    principal: PrincipalDep,
    sessions: SessionsDep,
    media_root: MediaRootDep,
    setup: InspectionSetupDep,
    note: Annotated[str, Form(min_length=1, max_length=2000, pattern=NO_NUL)],
    event_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
    event_kind: Annotated[
        EventEvidenceKind, Form(description="Of the event: which part.")
    ] = "event",
    file: UploadFile | None = None,
) -> HazardOut:
    """The facility records its fix: a note and a photo upload or an event of the facility."""
    if (file is None) == (event_id is None):
        raise HTTPException(422, "evidence: give either a file or an event_id, not both")
    with sessions() as session:
        require_reader(principal)
        require_fixer(principal, _readable(session, principal, hazard_id))
    source: EvidenceSource = EventRef(event_id or 0, EvidenceKind(event_kind))
    if file is not None:
        source = save_upload(
            file, media_root, hazard_folder(hazard_id), setup.config.max_evidence_bytes
        )
    try:
        with sessions.begin() as session, domain_errors():
            view = fix_hazard(session, hazard_id, principal.actor, note, source)
    except BaseException:
        if isinstance(source, StoredFile):
            discard_file(media_root, source)
        raise
    return HazardOut.from_view(view)


@router.post("/{hazard_id}/verify", response_model=HazardOut)
def verify(
    hazard_id: int, principal: PrincipalDep, sessions: SessionsDep, body: VerifyIn | None = None
) -> HazardOut:
    """An inspector confirms the fix; not the user who recorded it."""
    note = body.note if body else None
    with sessions.begin() as session, domain_errors():
        _inspectable(session, principal, hazard_id)
        view = verify_hazard(session, hazard_id, principal.actor, note)
    return HazardOut.from_view(view)


@router.post("/{hazard_id}/reopen", response_model=HazardOut)
def reopen(
    hazard_id: int,
    body: ReopenIn,
    principal: PrincipalDep,
    sessions: SessionsDep,
    setup: InspectionSetupDep,
) -> HazardOut:
    """An inspector finds the fix does not hold: to fix again by a new deadline."""
    with sessions.begin() as session, domain_errors():
        _inspectable(session, principal, hazard_id)
        view = reopen_hazard(
            session, hazard_id, principal.actor, body.note, setup.config, deadline=body.deadline
        )
    return HazardOut.from_view(view)


@router.get("/{hazard_id}/evidence/{evidence_id}", response_class=FileResponse)
def evidence(
    hazard_id: int,
    evidence_id: int,
    principal: PrincipalDep,
    sessions: SessionsDep,
    media_root: MediaRootDep,
) -> FileResponse:
    """A fix's photo, or the snapshot or clip of its event; only within scope."""
    require_reader(principal)
    with sessions() as session:
        _readable(session, principal, hazard_id)
        view = get_evidence(session, evidence_id, hazard_id=hazard_id)
    response = evidence_response(media_root, view, f"evidence {evidence_id}")
    detail = {"evidence_id": evidence_id, "kind": view.kind if view else None}
    audit(sessions, principal.actor, "evidence_viewed", "hazard", str(hazard_id), detail)
    return response


def _readable(session: Session, principal: Principal, hazard_id: int) -> str:
    return in_scope(principal, hazard_facility(session, hazard_id), f"hazard {hazard_id}")


def _inspectable(session: Session, principal: Principal, hazard_id: int) -> None:
    require_reader(principal)
    require_inspector(principal, _readable(session, principal, hazard_id))

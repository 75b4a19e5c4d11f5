"""Inspections: list, create, detail, item results, evidence (event or upload), complete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, UploadFile
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
    require_inspector,
    require_reader,
    save_upload,
)
from dashboard.schemas.common import NO_NUL
from dashboard.schemas.inspections import (
    ITEM_ID,
    EventEvidenceIn,
    EvidenceOut,
    InspectionIn,
    InspectionOut,
    ResultsIn,
)
from supervision.checklists import ChecklistKind
from supervision.inspections.evidence import (
    EventRef,
    EvidenceKind,
    discard_file,
    get_evidence,
    inspection_folder,
)
from supervision.inspections.runs import (
    InspectionStatus,
    attach_evidence,
    complete_inspection,
    create_inspection,
    get_inspection,
    inspection_facility,
    list_inspections,
    record_results,
)

router = APIRouter(prefix="/api/inspections", tags=["inspections"])


@router.get("", response_model=list[InspectionOut])
def list_all(
    principal: PrincipalDep,
    sessions: SessionsDep,
    facility_id: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    status: InspectionStatus | None = None,
    checklist_kind: ChecklistKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[InspectionOut]:
    """Inspections in the caller's scope, newest first."""
    facilities = readable_facilities(principal, facility_id)
    with sessions() as session:
        views = list_inspections(
            session, facilities, status=status, kind=checklist_kind, limit=limit
        )
    return [InspectionOut.from_view(view) for view in views]


@router.post("", response_model=InspectionOut, status_code=201)
def create(
    body: InspectionIn, principal: PrincipalDep, sessions: SessionsDep, setup: InspectionSetupDep
) -> InspectionOut:
    """Start an inspection of a facility in scope (street and district inspectors)."""
    require_reader(principal)
    facility_id = in_scope(principal, body.facility_id, f"facility {body.facility_id}")
    require_inspector(principal, facility_id)
    checklist = setup.checklists[body.checklist_kind]
    with sessions.begin() as session, domain_errors():
        view = create_inspection(
            session, facility_id, checklist, body.mode, principal.actor, note=body.note
        )
    return InspectionOut.from_view(view)


@router.get("/{inspection_id}", response_model=InspectionOut)
def detail(inspection_id: int, principal: PrincipalDep, sessions: SessionsDep) -> InspectionOut:
    require_reader(principal)
    with sessions() as session, domain_errors():
        _readable(session, principal, inspection_id)
        view = get_inspection(session, inspection_id)
    return InspectionOut.from_view(view)


@router.patch("/{inspection_id}/results", response_model=InspectionOut)
def update_results(
    inspection_id: int, body: ResultsIn, principal: PrincipalDep, sessions: SessionsDep
) -> InspectionOut:
    """Set or change item results while the inspection is in progress (all or none)."""
    results = [result.record() for result in body.results]
    with sessions.begin() as session, domain_errors():
        _writable(session, principal, inspection_id)
        view = record_results(session, inspection_id, results, principal.actor)
    return InspectionOut.from_view(view)


@router.post("/{inspection_id}/evidence", response_model=EvidenceOut, status_code=201)
def attach_event(
    inspection_id: int, body: EventEvidenceIn, principal: PrincipalDep, sessions: SessionsDep
) -> EvidenceOut:
    """Attach an event of the inspected facility: its snapshot, its clip, or the event."""
    source = EventRef(body.event_id, EvidenceKind(body.kind))
    with sessions.begin() as session, domain_errors():
        _writable(session, principal, inspection_id)
        view = attach_evidence(
            session, inspection_id, source, principal.actor, item_id=body.item_id, note=body.note
        )
    return EvidenceOut.from_view(view, f"/api/inspections/{inspection_id}")


@router.post("/{inspection_id}/evidence/upload", response_model=EvidenceOut, status_code=201)
def attach_upload(
    inspection_id: int,
    file: UploadFile,
    principal: PrincipalDep,
    sessions: SessionsDep,
    media_root: MediaRootDep,
    setup: InspectionSetupDep,
    item_id: Annotated[str | None, Form(pattern=ITEM_ID)] = None,
    note: Annotated[str | None, Form(max_length=2000, pattern=NO_NUL)] = None,
) -> EvidenceOut:
    """Upload a JPEG or PNG photo as evidence (stored under a generated name)."""
    with sessions() as session:
        _writable(session, principal, inspection_id)
    folder = inspection_folder(inspection_id)
    stored = save_upload(file, media_root, folder, setup.config.max_evidence_bytes)
    try:
        with sessions.begin() as session, domain_errors():
            view = attach_evidence(
                session, inspection_id, stored, principal.actor, item_id=item_id, note=note
            )
    except BaseException:
        discard_file(media_root, stored)
        raise
    return EvidenceOut.from_view(view, f"/api/inspections/{inspection_id}")


@router.get("/{inspection_id}/evidence/{evidence_id}", response_class=FileResponse)
def evidence(
    inspection_id: int,
    evidence_id: int,
    principal: PrincipalDep,
    sessions: SessionsDep,
    media_root: MediaRootDep,
) -> FileResponse:
    """The evidence's image or clip; only through its inspection, so only within scope."""
    require_reader(principal)
    with sessions() as session:
        _readable(session, principal, inspection_id)
        view = get_evidence(session, evidence_id, inspection_id=inspection_id)
    response = evidence_response(media_root, view, f"evidence {evidence_id}")
    detail = {"evidence_id": evidence_id, "kind": view.kind if view else None}
    audit(sessions, principal.actor, "evidence_viewed", "inspection", str(inspection_id), detail)
    return response


@router.post("/{inspection_id}/complete", response_model=InspectionOut)
def complete(
    inspection_id: int, principal: PrincipalDep, sessions: SessionsDep, setup: InspectionSetupDep
) -> InspectionOut:
    """Close the inspection once every item has a result; failed items become hazards."""
    with sessions.begin() as session, domain_errors():
        _writable(session, principal, inspection_id)
        view = complete_inspection(session, inspection_id, principal.actor, setup.config)
    return InspectionOut.from_view(view)


def _readable(session: Session, principal: Principal, inspection_id: int) -> str:
    facility_id = inspection_facility(session, inspection_id)
    return in_scope(principal, facility_id, f"inspection {inspection_id}")


def _writable(session: Session, principal: Principal, inspection_id: int) -> None:
    require_reader(principal)
    require_inspector(principal, _readable(session, principal, inspection_id))

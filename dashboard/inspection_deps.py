"""What the inspection and hazard routes share: settings, role checks, uploads, evidence files."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse

from dashboard.auth import Principal
from dashboard.media_files import resolve_media
from supervision.checklists import Checklist, ChecklistKind, load_checklists
from supervision.config import InspectionConfig
from supervision.inspections.access import can_fix_hazards, can_inspect, can_read_inspections
from supervision.inspections.evidence import (
    EventNotInFacility,
    EvidenceError,
    EvidenceKind,
    EvidenceTooLarge,
    EvidenceView,
    StoredFile,
    UnsupportedEvidenceType,
    evidence_file,
    store_image,
)
from supervision.inspections.hazards import HazardNotFound, HazardTransitionError
from supervision.inspections.runs import InspectionClosed, InspectionError, InspectionNotFound

# Evidence is personal data: never cached by the browser or a proxy, never sniffed.
EVIDENCE_HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


@dataclass(frozen=True, slots=True)
class InspectionSetup:
    """The inspection settings and the checklists loaded from them, kept on app.state."""

    config: InspectionConfig
    checklists: Mapping[ChecklistKind, Checklist]

    @classmethod
    def load(cls, config: InspectionConfig | None) -> InspectionSetup:
        config = config or InspectionConfig()
        return cls(config=config, checklists=load_checklists(config.checklists))


def get_inspection_setup(request: Request) -> InspectionSetup:
    setup: InspectionSetup = request.app.state.inspections
    return setup


InspectionSetupDep = Annotated[InspectionSetup, Depends(get_inspection_setup)]


def require_reader(principal: Principal) -> None:
    """403 for roles that may not see inspections and hazards at all (operators)."""
    if not can_read_inspections(principal.scope):
        raise HTTPException(403, f"a {principal.user.role} may not see inspections or hazards")


def readable_facilities(principal: Principal, facility_id: str | None) -> frozenset[str]:
    """The facilities a list may show: the scope's, narrowed to `facility_id` when asked."""
    require_reader(principal)
    facilities = principal.scope.facility_ids
    return facilities if facility_id is None else facilities & {facility_id}


def in_scope(principal: Principal, facility_id: str | None, label: str) -> str:
    """The facility, or 404 — the same answer for a missing id and one outside the scope."""
    if facility_id is None or not can_read_inspections(principal.scope, facility_id):
        raise HTTPException(404, f"{label} not found")
    return facility_id


def require_inspector(principal: Principal, facility_id: str) -> None:
    if not can_inspect(principal.scope, facility_id):
        raise HTTPException(403, f"a {principal.user.role} may not inspect or verify")


def require_fixer(principal: Principal, facility_id: str) -> None:
    if not can_fix_hazards(principal.scope, facility_id):
        raise HTTPException(403, f"a {principal.user.role} may not record a hazard's fix")


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn the domain's refusals into HTTP answers."""
    try:
        yield
    except (InspectionNotFound, HazardNotFound, EventNotInFacility) as error:
        raise HTTPException(404, str(error)) from error
    except (InspectionClosed, HazardTransitionError) as error:
        raise HTTPException(409, str(error)) from error
    except EvidenceTooLarge as error:
        raise HTTPException(413, str(error)) from error
    except UnsupportedEvidenceType as error:
        raise HTTPException(415, str(error)) from error
    except (InspectionError, EvidenceError, ValueError) as error:
        raise HTTPException(422, str(error)) from error


def save_upload(upload: UploadFile, media_root: Path, folder: str, max_bytes: int) -> StoredFile:
    """Write an uploaded image under the media root (413 too large, 415 not an image)."""
    with domain_errors():
        return store_image(media_root, folder, upload.file, upload.content_type, max_bytes)


def evidence_response(media_root: Path, view: EvidenceView | None, label: str) -> FileResponse:
    """The evidence's file (an upload, or the event's snapshot or clip), else 404."""
    if view is None:
        raise HTTPException(404, f"{label} not found")
    found = _evidence_path(media_root, view)
    if found is None:
        raise HTTPException(404, f"{label} has no file")
    path, media_type = found
    return FileResponse(path, media_type=media_type, headers=EVIDENCE_HEADERS)


def _evidence_path(media_root: Path, view: EvidenceView) -> tuple[Path, str] | None:
    if view.media_path is None:
        return None
    if view.kind is EvidenceKind.FILE:
        path = evidence_file(media_root, view.media_path)
        return None if path is None else (path, view.content_type or "application/octet-stream")
    return resolve_media(media_root, view.media_path)

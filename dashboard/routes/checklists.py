"""Checklists: the fire-safety and service-quality items inspections are run against."""

from __future__ import annotations

from fastapi import APIRouter

from dashboard.auth import PrincipalDep
from dashboard.inspection_deps import InspectionSetupDep, require_reader
from dashboard.schemas.checklists import ChecklistOut

router = APIRouter(prefix="/api/checklists", tags=["inspections"])


@router.get("", response_model=list[ChecklistOut])
def list_all(principal: PrincipalDep, setup: InspectionSetupDep) -> list[ChecklistOut]:
    require_reader(principal)
    return [ChecklistOut.from_checklist(checklist) for checklist in setup.checklists.values()]

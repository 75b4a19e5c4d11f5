"""Facilities in the user's scope, with their time zones (the front end shows times in them)."""

from __future__ import annotations

from fastapi import APIRouter

from dashboard.auth import PrincipalDep, SessionsDep
from dashboard.schemas_inspector import FacilityOut
from supervision.org import list_facilities
from supervision.scope import can_read_facility

router = APIRouter(prefix="/api/facilities", tags=["facilities"])


@router.get("", response_model=list[FacilityOut])
def facilities(principal: PrincipalDep, sessions: SessionsDep) -> list[FacilityOut]:
    with sessions() as session:
        views = list_facilities(session)
    return [
        FacilityOut.from_view(view) for view in views if can_read_facility(principal.scope, view.id)
    ]

"""Facilities in the user's scope: names, kinds and the time zone their times are shown in."""

from __future__ import annotations

from fastapi import APIRouter

from dashboard.auth import PrincipalDep, SessionsDep
from dashboard.schemas.facilities import FacilityOut
from supervision.org.scope import can_read_facility
from supervision.org.tree import list_facilities

router = APIRouter(prefix="/api/facilities", tags=["facilities"])


@router.get("", response_model=list[FacilityOut])
def facilities(principal: PrincipalDep, sessions: SessionsDep) -> list[FacilityOut]:
    with sessions() as session:
        rows = list_facilities(session)
    return [
        FacilityOut(
            id=row.id,
            name=row.name,
            kind=str(row.kind),
            street_id=row.street_id,
            beds=row.beds,
            address=row.address,
            timezone=row.timezone,
        )
        for row in rows
        if can_read_facility(principal.scope, row.id)
    ]

"""API schemas of facilities."""

from __future__ import annotations

from pydantic import Field

from dashboard.schemas.common import Schema


class FacilityOut(Schema):
    id: str
    name: str
    kind: str = Field(description="institution, community_centre, day_care or canteen.")
    street_id: str | None
    beds: int
    address: str | None
    timezone: str = Field(description="IANA time zone the facility's times are shown in.")

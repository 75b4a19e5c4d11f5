"""API schemas of the inspector's overview: the tree with counts per node."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from dashboard.schemas.common import Schema
from supervision.reports.overview import Counts, OverviewNode


class CountsOut(Schema):
    open_incidents: int = Field(description="Incidents not yet resolved or closed as false alarms.")
    overdue_hazards: int = Field(description="Hazards still to fix whose deadline has passed.")
    cameras_offline: int = Field(
        description="Cameras giving no picture: offline, stalled, stopped."
    )
    cameras: int
    sites_offline: int = Field(
        description="District sites (nodes) that run cameras here and have gone silent."
    )

    @classmethod
    def from_counts(cls, counts: Counts) -> CountsOut:
        return cls(
            open_incidents=counts.open_incidents,
            overdue_hazards=counts.overdue_hazards,
            cameras_offline=counts.cameras_offline,
            cameras=counts.cameras,
            sites_offline=counts.sites_offline,
        )


class OverviewNodeOut(Schema):
    kind: str = Field(description="district, street or facility")
    id: str
    name: str
    timezone: str | None = Field(description="Facilities: their IANA time zone.")
    counts: CountsOut = Field(description="A facility's own; a street's or district's summed.")
    children: list[OverviewNodeOut]

    @classmethod
    def from_node(cls, node: OverviewNode) -> OverviewNodeOut:
        return cls(
            kind=str(node.kind),
            id=node.id,
            name=node.name,
            timezone=node.timezone,
            counts=CountsOut.from_counts(node.counts),
            children=[cls.from_node(child) for child in node.children],
        )


class OverviewOut(Schema):
    generated_at: datetime
    roots: list[OverviewNodeOut] = Field(description="The user's node, or every district.")

"""API schemas of hazards: their steps, verification and reopening."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from dashboard.schemas.common import TrimmedSchema
from dashboard.schemas.inspections import EvidenceOut, Note, UtcDatetime
from supervision.inspections.hazards import (
    HazardGrade,
    HazardStatus,
    HazardStepView,
    HazardView,
)


class VerifyIn(TrimmedSchema):
    note: Note | None = Field(default=None, description="What the inspector saw.")


class ReopenIn(TrimmedSchema):
    note: Note = Field(min_length=1, description="Why the fix does not hold.")
    deadline: UtcDatetime | None = Field(
        default=None, description="New deadline; default: now + the grade's days."
    )


class HazardStepOut(TrimmedSchema):
    action: str
    from_status: HazardStatus | None
    to_status: HazardStatus
    actor: str
    note: str | None
    deadline: datetime
    at: datetime

    @classmethod
    def from_view(cls, view: HazardStepView) -> HazardStepOut:
        return cls(
            action=view.action,
            from_status=view.from_status,
            to_status=view.to_status,
            actor=view.actor,
            note=view.note,
            deadline=view.deadline,
            at=view.at,
        )


class HazardOut(TrimmedSchema):
    id: int
    facility_id: str
    inspection_id: int | None
    item_id: str | None
    grade: HazardGrade
    description: str
    status: HazardStatus
    deadline: datetime
    overdue: bool
    created_by: str
    created_at: datetime
    fixed_by: str | None
    fixed_at: datetime | None
    verified_by: str | None
    verified_at: datetime | None
    escalated_to: str | None
    steps: list[HazardStepOut]
    evidence: list[EvidenceOut] = Field(description="Empty in lists; see the detail.")

    @classmethod
    def from_view(cls, view: HazardView) -> HazardOut:
        base_url = f"/api/hazards/{view.id}"
        return cls(
            id=view.id,
            facility_id=view.facility_id,
            inspection_id=view.inspection_id,
            item_id=view.item_id,
            grade=view.grade,
            description=view.description,
            status=view.status,
            deadline=view.deadline,
            overdue=view.overdue,
            created_by=view.created_by,
            created_at=view.created_at,
            fixed_by=view.fixed_by,
            fixed_at=view.fixed_at,
            verified_by=view.verified_by,
            verified_at=view.verified_at,
            escalated_to=view.escalated_to,
            steps=[HazardStepOut.from_view(step) for step in view.steps],
            evidence=[EvidenceOut.from_view(e, base_url) for e in view.evidence],
        )

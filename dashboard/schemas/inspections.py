"""API schemas of inspections: item results and their evidence."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, Field

from dashboard.schemas.common import NO_NUL, TrimmedSchema
from supervision.checklists import ChecklistKind
from supervision.inspections.evidence import EvidenceKind, EvidenceView
from supervision.inspections.hazards import (
    HazardGrade,
)
from supervision.inspections.runs import (
    InspectionMode,
    InspectionStatus,
    InspectionView,
    ItemResult,
    ItemView,
    ResultIn,
)

ITEM_ID = r"^[a-z0-9][a-z0-9_.-]{0,63}$"


# What of an event is the evidence: its snapshot, its clip, or the event record itself.
EventEvidenceKind = Literal["snapshot", "clip", "event"]


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 lies past datetime.max in UTC
        raise ValueError("out of range once converted to UTC") from None


# A deadline with its UTC offset, kept as UTC.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]


# Free text kept in the record: bounded, and without NUL (PostgreSQL cannot store it).
Note = Annotated[str, Field(max_length=2000, pattern=NO_NUL)]


class EventEvidenceIn(TrimmedSchema):
    """An event of the inspected facility as evidence: its snapshot, its clip, or itself."""

    event_id: int = Field(ge=1, le=2**31 - 1)
    kind: EventEvidenceKind = "event"
    item_id: str | None = Field(default=None, pattern=ITEM_ID, description="The item it shows.")
    note: Note | None = Field(default=None, description="What it shows.")


class EvidenceOut(TrimmedSchema):
    id: int
    kind: EvidenceKind
    item_id: str | None
    event_id: int | None
    content_type: str | None
    size_bytes: int | None
    note: str | None
    added_by: str
    added_at: datetime
    url: str | None = Field(description="Where to fetch the file (scoped); None: no file.")

    @classmethod
    def from_view(cls, view: EvidenceView, base_url: str) -> EvidenceOut:
        return cls(
            id=view.id,
            kind=view.kind,
            item_id=view.item_id,
            event_id=view.event_id,
            content_type=view.content_type,
            size_bytes=view.size_bytes,
            note=view.note,
            added_by=view.added_by,
            added_at=view.added_at,
            url=None if view.media_path is None else f"{base_url}/evidence/{view.id}",
        )


class InspectionIn(TrimmedSchema):
    facility_id: str = Field(min_length=1, max_length=64, pattern=NO_NUL)
    checklist_kind: ChecklistKind
    mode: InspectionMode = InspectionMode.ON_SITE
    note: Note | None = Field(default=None, description="Scope or circumstances of the inspection.")


class ItemResultIn(TrimmedSchema):
    item_id: str = Field(pattern=ITEM_ID)
    result: ItemResult
    note: Note | None = Field(
        default=None, description="What was found; a failed item's note describes its hazard."
    )
    hazard_grade: HazardGrade | None = Field(
        default=None, description="Failed items only; general when left out."
    )
    hazard_deadline: UtcDatetime | None = Field(
        default=None, description="Failed items only; default: completion + the grade's days."
    )

    def record(self) -> ResultIn:
        return ResultIn(
            self.item_id, self.result, self.note, self.hazard_grade, self.hazard_deadline
        )


class ResultsIn(TrimmedSchema):
    results: list[ItemResultIn] = Field(min_length=1, max_length=500)


class ItemOut(TrimmedSchema):
    item_id: str
    category: str
    text_zh: str
    text_en: str
    reference: str | None
    result: ItemResult | None
    note: str | None
    recorded_by: str | None
    recorded_at: datetime | None
    hazard_grade: HazardGrade | None
    hazard_deadline: datetime | None

    @classmethod
    def from_view(cls, view: ItemView) -> ItemOut:
        return cls(
            item_id=view.item_id,
            category=view.category,
            text_zh=view.text_zh,
            text_en=view.text_en,
            reference=view.reference,
            result=view.result,
            note=view.note,
            recorded_by=view.recorded_by,
            recorded_at=view.recorded_at,
            hazard_grade=view.hazard_grade,
            hazard_deadline=view.hazard_deadline,
        )


class InspectionOut(TrimmedSchema):
    id: int
    facility_id: str
    checklist_kind: ChecklistKind
    checklist_version: str
    mode: InspectionMode
    inspector: str
    status: InspectionStatus
    note: str | None
    created_at: datetime
    completed_at: datetime | None
    items: list[ItemOut]
    evidence: list[EvidenceOut] = Field(description="Empty in lists; see the detail.")
    hazard_ids: list[int]

    @classmethod
    def from_view(cls, view: InspectionView) -> InspectionOut:
        base_url = f"/api/inspections/{view.id}"
        return cls(
            id=view.id,
            facility_id=view.facility_id,
            checklist_kind=view.checklist_kind,
            checklist_version=view.checklist_version,
            mode=view.mode,
            inspector=view.inspector,
            status=view.status,
            note=view.note,
            created_at=view.created_at,
            completed_at=view.completed_at,
            items=[ItemOut.from_view(item) for item in view.items],
            evidence=[EvidenceOut.from_view(e, base_url) for e in view.evidence],
            hazard_ids=list(view.hazard_ids),
        )

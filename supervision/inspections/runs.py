"""Inspections: a checklist run on site or remotely, item results, evidence, completion."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from supervision.audit.chain import append_audit
from supervision.checklists import Checklist, ChecklistItem, ChecklistKind
from supervision.config import InspectionConfig
from supervision.inspections.evidence import (
    EvidenceSource,
    EvidenceView,
    add_evidence,
    evidence_for,
)
from supervision.inspections.hazards import INT_MAX, HazardGrade, create_hazard
from supervision.tables import Facility, Hazard, Inspection, InspectionItem, utc_now


class InspectionMode(StrEnum):
    ON_SITE = "on_site"
    REMOTE = "remote"  # through cameras, recorded events and documents


class InspectionStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class ItemResult(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"


class InspectionNotFound(LookupError):
    """No inspection with that id."""


class InspectionError(ValueError):
    """A result that does not fit the inspection (unknown item, hazard grade on a pass)."""


class InspectionClosed(InspectionError):
    """The inspection is completed, or cannot be completed yet; nothing was changed."""


@dataclass(frozen=True, slots=True)
class ResultIn:
    """One item's result; a failed item may carry the grade and deadline of its hazard."""

    item_id: str
    result: ItemResult
    note: str | None = None
    hazard_grade: HazardGrade | None = None  # a failed item defaults to general
    hazard_deadline: datetime | None = None  # default: completion time + the grade's days


@dataclass(frozen=True, slots=True)
class ItemView:
    item_id: str
    category: str
    text_zh: str
    text_en: str
    reference: str | None
    result: ItemResult | None  # None: not checked yet
    note: str | None
    recorded_by: str | None
    recorded_at: datetime | None
    hazard_grade: HazardGrade | None
    hazard_deadline: datetime | None


@dataclass(frozen=True, slots=True)
class InspectionView:
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
    items: tuple[ItemView, ...]
    evidence: tuple[EvidenceView, ...]
    hazard_ids: tuple[int, ...]  # hazards raised from failed items at completion


def create_inspection(
    session: Session,
    facility_id: str,
    checklist: Checklist,
    mode: InspectionMode,
    actor: str,
    *,
    note: str | None = None,
    now: datetime | None = None,
) -> InspectionView:
    """Start an inspection of `facility_id` with every item of `checklist` still to check."""
    now = now or utc_now()
    if session.get(Facility, facility_id) is None:
        raise LookupError(f"facility {facility_id} not found")
    row = Inspection(
        facility_id=facility_id,
        checklist_kind=str(checklist.kind),
        checklist_version=checklist.version,
        mode=str(InspectionMode(mode)),
        inspector=actor,
        status=str(InspectionStatus.IN_PROGRESS),
        note=_no_nul("note", note),
        created_at=now,
    )
    row.items = [_item_row(item) for item in checklist.items]
    session.add(row)
    session.flush()
    detail = {"facility_id": facility_id, "checklist": row.checklist_kind, "mode": row.mode}
    append_audit(session, actor, "inspection_created", "inspection", str(row.id), detail)
    return _view(session, row)


def record_results(
    session: Session,
    inspection_id: int,
    results: Sequence[ResultIn],
    actor: str,
    *,
    now: datetime | None = None,
) -> InspectionView:
    """Set (or change) item results of an inspection in progress; all or none are applied."""
    now = now or utc_now()
    row = _open_inspection(session, inspection_id)
    items = {item.item_id: item for item in row.items}
    for index, result in enumerate(results):
        _check_result(index, result, items, now)
    for result in results:
        _apply(items[result.item_id], result, actor, now)
    session.flush()
    detail = {"results": {result.item_id: str(result.result) for result in results}}
    append_audit(session, actor, "inspection_results_recorded", "inspection", str(row.id), detail)
    return _view(session, row)


def attach_evidence(
    session: Session,
    inspection_id: int,
    source: EvidenceSource,
    actor: str,
    *,
    item_id: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> EvidenceView:
    """Attach an event of the facility or an uploaded image, to the inspection or one item."""
    row = _open_inspection(session, inspection_id)
    if item_id is not None and item_id not in {item.item_id for item in row.items}:
        raise InspectionError(f"item_id: no item {item_id!r} in inspection {row.id}")
    return add_evidence(
        session,
        source,
        actor,
        facility_id=row.facility_id,
        inspection_id=row.id,
        item_id=item_id,
        note=_no_nul("note", note),
        now=now,
    )


def complete_inspection(
    session: Session,
    inspection_id: int,
    actor: str,
    config: InspectionConfig,
    *,
    now: datetime | None = None,
) -> InspectionView:
    """Close an inspection whose items all have a result; each failed item becomes a hazard."""
    now = now or utc_now()
    row = _open_inspection(session, inspection_id)
    unchecked = [item.item_id for item in row.items if item.result is None]
    if unchecked:
        shown = ", ".join(unchecked[:5]) + (" ..." if len(unchecked) > 5 else "")
        raise InspectionClosed(
            f"inspection {row.id}: {len(unchecked)} items have no result: {shown}"
        )
    hazard_ids = [_raise_hazard(session, row, item, actor, config, now) for item in row.items]
    row.status, row.completed_at = str(InspectionStatus.COMPLETED), now
    session.flush()
    tally = Counter(item.result for item in row.items)
    detail = {"hazard_ids": [h for h in hazard_ids if h is not None], "results": dict(tally)}
    append_audit(session, actor, "inspection_completed", "inspection", str(row.id), detail)
    return _view(session, row)


def get_inspection(session: Session, inspection_id: int) -> InspectionView:
    return _view(session, _require(session, inspection_id))


def inspection_facility(session: Session, inspection_id: int) -> str | None:
    """The facility an inspection is of, or None if there is no such inspection (scope checks)."""
    if not 0 < inspection_id <= INT_MAX:
        return None
    return session.scalar(select(Inspection.facility_id).where(Inspection.id == inspection_id))


def list_inspections(
    session: Session,
    facility_ids: Collection[str],
    *,
    status: InspectionStatus | None = None,
    kind: ChecklistKind | None = None,
    limit: int = 100,
) -> list[InspectionView]:
    """Inspections of `facility_ids`, newest first (items included, evidence left out)."""
    query = select(Inspection).where(Inspection.facility_id.in_(list(facility_ids)))
    if status is not None:
        query = query.where(Inspection.status == str(status))
    if kind is not None:
        query = query.where(Inspection.checklist_kind == str(kind))
    query = query.order_by(Inspection.created_at.desc(), Inspection.id.desc()).limit(limit)
    rows = list(session.scalars(query.options(selectinload(Inspection.items))))
    hazards = _hazard_ids(session, [row.id for row in rows])
    return [_view(session, row, hazards.get(row.id, ()), with_evidence=False) for row in rows]


def _item_row(item: ChecklistItem) -> InspectionItem:
    return InspectionItem(
        item_id=item.id,
        category=item.category,
        text_zh=item.text.zh,
        text_en=item.text.en,
        reference=item.reference,
    )


def _check_result(
    index: int, result: ResultIn, items: dict[str, InspectionItem], now: datetime
) -> None:
    where = f"results.{index}"
    if result.item_id not in items:
        raise InspectionError(f"{where}.item_id: no item {result.item_id!r} in this inspection")
    _no_nul(f"{where}.note", result.note)
    is_fail = ItemResult(result.result) is ItemResult.FAIL
    if not is_fail and (result.hazard_grade is not None or result.hazard_deadline is not None):
        raise InspectionError(f"{where}: only a failed item takes a hazard grade or deadline")
    deadline = result.hazard_deadline
    if deadline is not None and (deadline.tzinfo is None or deadline <= now):
        raise InspectionError(f"{where}.hazard_deadline: expected a time in the future")


def _apply(item: InspectionItem, result: ResultIn, actor: str, now: datetime) -> None:
    is_fail = ItemResult(result.result) is ItemResult.FAIL
    item.result = str(result.result)
    item.note = result.note
    item.recorded_by, item.recorded_at = actor, now
    item.hazard_grade = str(result.hazard_grade or HazardGrade.GENERAL) if is_fail else None
    item.hazard_deadline = result.hazard_deadline if is_fail else None


def _raise_hazard(
    session: Session,
    row: Inspection,
    item: InspectionItem,
    actor: str,
    config: InspectionConfig,
    now: datetime,
) -> int | None:
    if item.result != ItemResult.FAIL:
        return None
    description = item.note or f"{item.text_zh} / {item.text_en}"
    hazard = create_hazard(
        session,
        row.facility_id,
        HazardGrade(item.hazard_grade or HazardGrade.GENERAL),
        description,
        actor,
        config,
        deadline=item.hazard_deadline,
        inspection_id=row.id,
        item_id=item.item_id,
        now=now,
    )
    return hazard.id


def _require(session: Session, inspection_id: int, *, lock: bool = False) -> Inspection:
    row = None
    if 0 < inspection_id <= INT_MAX:
        query = select(Inspection).where(Inspection.id == inspection_id)
        query = query.options(selectinload(Inspection.items))
        # Row lock on PostgreSQL: results and completion of one inspection do not interleave.
        row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise InspectionNotFound(f"inspection {inspection_id} not found")
    return row


def _open_inspection(session: Session, inspection_id: int) -> Inspection:
    row = _require(session, inspection_id, lock=True)
    if row.status != InspectionStatus.IN_PROGRESS:
        raise InspectionClosed(f"inspection {row.id} is {row.status}; it can no longer change")
    return row


def _hazard_ids(session: Session, inspection_ids: list[int]) -> dict[int, tuple[int, ...]]:
    found: dict[int, list[int]] = {}
    if inspection_ids:
        query = (
            select(Hazard.inspection_id, Hazard.id)
            .where(Hazard.inspection_id.in_(inspection_ids))
            .order_by(Hazard.id)
        )
        for inspection_id, hazard_id in session.execute(query):
            if inspection_id is not None:
                found.setdefault(inspection_id, []).append(hazard_id)
    return {key: tuple(ids) for key, ids in found.items()}


def _no_nul(name: str, text: str | None) -> str | None:
    # PostgreSQL text cannot hold NUL; refuse it on every backend alike.
    if text is not None and "\x00" in text:
        raise InspectionError(f"{name}: must not contain NUL characters")
    return text


def _view(
    session: Session,
    row: Inspection,
    hazard_ids: tuple[int, ...] | None = None,
    *,
    with_evidence: bool = True,
) -> InspectionView:
    if hazard_ids is None:
        hazard_ids = _hazard_ids(session, [row.id]).get(row.id, ())
    evidence = evidence_for(session, inspection_id=row.id) if with_evidence else []
    return InspectionView(
        id=row.id,
        facility_id=row.facility_id,
        checklist_kind=ChecklistKind(row.checklist_kind),
        checklist_version=row.checklist_version,
        mode=InspectionMode(row.mode),
        inspector=row.inspector,
        status=InspectionStatus(row.status),
        note=row.note,
        created_at=row.created_at,
        completed_at=row.completed_at,
        items=tuple(_item_view(item) for item in row.items),
        evidence=tuple(evidence),
        hazard_ids=hazard_ids,
    )


def _item_view(item: InspectionItem) -> ItemView:
    return ItemView(
        item_id=item.item_id,
        category=item.category,
        text_zh=item.text_zh,
        text_en=item.text_en,
        reference=item.reference,
        result=None if item.result is None else ItemResult(item.result),
        note=item.note,
        recorded_by=item.recorded_by,
        recorded_at=item.recorded_at,
        hazard_grade=None if item.hazard_grade is None else HazardGrade(item.hazard_grade),
        hazard_deadline=item.hazard_deadline,
    )

"""Counts for the KPIs: hazards open, overdue and fixed, and inspections done, over a period."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from supervision.inspections.hazards import OPEN_STATUSES, HazardStatus
from supervision.inspections.runs import InspectionStatus
from supervision.tables import Hazard, HazardStep, Inspection


@dataclass(frozen=True, slots=True)
class HazardCounts:
    """Hazards of some facilities over a period; see `hazard_counts` for what each counts."""

    open: int
    overdue: int
    fixed: int


def hazard_counts(
    session: Session, facility_ids: Collection[str], start: datetime, end: datetime
) -> HazardCounts:
    """Hazards of `facility_ids` for the period [start, end), read from their history.

    - open: hazards that existed at `end` (created before it) and were still to fix then:
      their last step before `end` left them open or reopened (fixed or verified ones are not).
    - overdue: those of `open` whose deadline in force at `end` was before `end` (a subset).
    - fixed: distinct hazards with at least one fix recorded in [start, end); a hazard fixed,
      reopened and fixed again in the period counts once.
    """
    _check_period(start, end)
    ids = list(facility_ids)
    if not ids:
        return HazardCounts(open=0, overdue=0, fixed=0)
    still_open = [step for step in _last_steps_before(session, ids, end) if _is_open(step)]
    fixed = session.scalar(
        select(func.count(func.distinct(HazardStep.hazard_id)))
        .join(Hazard, HazardStep.hazard_id == Hazard.id)
        .where(Hazard.facility_id.in_(ids), HazardStep.action == "fixed")
        .where(HazardStep.at >= start, HazardStep.at < end)
    )
    overdue = sum(1 for step in still_open if step.deadline < end)
    return HazardCounts(open=len(still_open), overdue=overdue, fixed=fixed or 0)


def inspections_done(
    session: Session, facility_ids: Collection[str], start: datetime, end: datetime
) -> int:
    """Inspections of `facility_ids` completed in [start, end), by `completed_at`.

    Both checklist kinds and both modes count; inspections still in progress do not, whenever
    they were started.
    """
    _check_period(start, end)
    ids = list(facility_ids)
    if not ids:
        return 0
    query = select(func.count(Inspection.id)).where(
        Inspection.facility_id.in_(ids),
        Inspection.status == str(InspectionStatus.COMPLETED),
        Inspection.completed_at >= start,
        Inspection.completed_at < end,
    )
    return session.scalar(query) or 0


def _last_steps_before(
    session: Session, facility_ids: list[str], end: datetime
) -> list[HazardStep]:
    query = (
        select(HazardStep)
        .join(Hazard, HazardStep.hazard_id == Hazard.id)
        .where(Hazard.facility_id.in_(facility_ids), HazardStep.at < end)
        .order_by(HazardStep.hazard_id, HazardStep.at, HazardStep.id)
    )
    last: dict[int, HazardStep] = {}
    for step in session.scalars(query):
        last[step.hazard_id] = step
    return list(last.values())


def _is_open(step: HazardStep) -> bool:
    return HazardStatus(step.to_status) in OPEN_STATUSES


def _check_period(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start, end: pass timezone-aware datetimes")
    if start >= end:
        raise ValueError(f"start must be before end, got {start.isoformat()} .. {end.isoformat()}")

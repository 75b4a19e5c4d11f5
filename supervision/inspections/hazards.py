"""Hazards: findings with a grade and deadline, fixed with evidence, verified or reopened."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session, selectinload

from supervision.audit.chain import append_audit
from supervision.config import InspectionConfig
from supervision.inspections.evidence import (
    EvidenceSource,
    EvidenceView,
    add_evidence,
    evidence_for,
)
from supervision.tables import Facility, Hazard, HazardStep, utc_now

ESCALATION_ACTOR = "carewatch"  # steps the system takes itself
INT_MAX = 2**31 - 1  # ids are 32-bit on PostgreSQL; a larger number names no row


class HazardGrade(StrEnum):
    GENERAL = "general"  # 一般隐患
    MAJOR = "major"  # 重大隐患


class HazardStatus(StrEnum):
    OPEN = "open"
    FIXED = "fixed"
    VERIFIED = "verified"
    REOPENED = "reopened"


OPEN_STATUSES = frozenset({HazardStatus.OPEN, HazardStatus.REOPENED})


class HazardNotFound(LookupError):
    """No hazard with that id."""


class HazardTransitionError(ValueError):
    """The step does not apply to the hazard as it stands (wrong status, same user verifying)."""


@dataclass(frozen=True, slots=True)
class HazardStepView:
    action: str  # created, fixed, verified, reopened, escalated
    from_status: HazardStatus | None
    to_status: HazardStatus
    actor: str
    note: str | None
    deadline: datetime
    at: datetime


@dataclass(frozen=True, slots=True)
class HazardView:
    id: int
    facility_id: str
    inspection_id: int | None
    item_id: str | None
    grade: HazardGrade
    description: str
    status: HazardStatus
    deadline: datetime
    overdue: bool  # still to fix and past its deadline, at the time the view was made
    created_by: str
    created_at: datetime
    fixed_by: str | None
    fixed_at: datetime | None
    verified_by: str | None
    verified_at: datetime | None
    escalated_to: str | None
    steps: tuple[HazardStepView, ...]
    evidence: tuple[EvidenceView, ...] = ()  # filled by get_hazard only


def deadline_for(grade: HazardGrade, config: InspectionConfig, now: datetime) -> datetime:
    """The default deadline of a hazard of `grade` found at `now`."""
    days = (
        config.major_deadline_days if grade is HazardGrade.MAJOR else config.general_deadline_days
    )
    return now + timedelta(days=days)


def create_hazard(
    session: Session,
    facility_id: str,
    grade: HazardGrade,
    description: str,
    actor: str,
    config: InspectionConfig,
    *,
    deadline: datetime | None = None,
    inspection_id: int | None = None,
    item_id: str | None = None,
    now: datetime | None = None,
) -> HazardView:
    """A new open hazard; the deadline defaults to `now` plus the grade's days in `config`."""
    now = now or utc_now()
    if session.get(Facility, facility_id) is None:
        raise LookupError(f"facility {facility_id} not found")
    row = Hazard(
        facility_id=facility_id,
        inspection_id=inspection_id,
        item_id=item_id,
        grade=str(HazardGrade(grade)),
        description=_check_text("description", description),
        status=str(HazardStatus.OPEN),
        deadline=deadline or deadline_for(grade, config, now),
        created_by=actor,
        created_at=now,
    )
    session.add(row)
    _step(row, "created", HazardStatus.OPEN, actor, None, now)
    session.flush()
    detail = {"facility_id": facility_id, "grade": row.grade, "deadline": row.deadline.isoformat()}
    append_audit(session, actor, "hazard_created", "hazard", str(row.id), detail)
    return hazard_view(row, now)


def fix_hazard(
    session: Session,
    hazard_id: int,
    actor: str,
    note: str,
    evidence: EvidenceSource,
    *,
    now: datetime | None = None,
) -> HazardView:
    """Record the fix of an open or reopened hazard, with a note and one piece of evidence."""
    now = now or utc_now()
    row = _locked(session, hazard_id)
    _require_status(row, "fix", OPEN_STATUSES)
    step = _step(row, "fixed", HazardStatus.FIXED, actor, _check_text("note", note), now)
    row.fixed_by, row.fixed_at = actor, now
    session.flush()
    add_evidence(
        session,
        evidence,
        actor,
        facility_id=row.facility_id,
        hazard_id=row.id,
        step_id=step.id,
        note=note,
        now=now,
    )
    append_audit(session, actor, "hazard_fixed", "hazard", str(row.id), {"note": note})
    return hazard_view(row, now)


def verify_hazard(
    session: Session,
    hazard_id: int,
    actor: str,
    note: str | None = None,
    *,
    now: datetime | None = None,
) -> HazardView:
    """Confirm a fix; whoever recorded the fix may not verify it."""
    now = now or utc_now()
    row = _locked(session, hazard_id)
    _require_status(row, "verify", {HazardStatus.FIXED})
    if row.fixed_by == actor:
        raise HazardTransitionError(
            f"hazard {row.id}: {actor} recorded the fix, so someone else must verify it"
        )
    _step(row, "verified", HazardStatus.VERIFIED, actor, _check_optional("note", note), now)
    row.verified_by, row.verified_at = actor, now
    session.flush()
    append_audit(session, actor, "hazard_verified", "hazard", str(row.id), {"note": note})
    return hazard_view(row, now)


def reopen_hazard(
    session: Session,
    hazard_id: int,
    actor: str,
    note: str,
    config: InspectionConfig,
    *,
    deadline: datetime | None = None,
    now: datetime | None = None,
) -> HazardView:
    """A fix that did not hold: to fix again by a new deadline, and it may escalate anew."""
    now = now or utc_now()
    if deadline is not None and deadline <= now:
        raise ValueError("deadline: expected a time in the future")
    row = _locked(session, hazard_id)
    _require_status(row, "reopen", {HazardStatus.FIXED, HazardStatus.VERIFIED})
    row.deadline = deadline or deadline_for(HazardGrade(row.grade), config, now)
    row.fixed_by = row.fixed_at = row.verified_by = row.verified_at = None
    row.escalated_to = None
    _step(row, "reopened", HazardStatus.REOPENED, actor, _check_text("note", note), now)
    session.flush()
    detail = {"note": note, "deadline": row.deadline.isoformat()}
    append_audit(session, actor, "hazard_reopened", "hazard", str(row.id), detail)
    return hazard_view(row, now)


def get_hazard(session: Session, hazard_id: int, *, now: datetime | None = None) -> HazardView:
    """The hazard with its history and evidence."""
    row = _by_id(session, hazard_id)
    if row is None:
        raise HazardNotFound(f"hazard {hazard_id} not found")
    evidence = tuple(evidence_for(session, hazard_id=row.id))
    return replace(hazard_view(row, now or utc_now()), evidence=evidence)


def hazard_facility(session: Session, hazard_id: int) -> str | None:
    """The facility a hazard belongs to, or None if there is no such hazard (for scope checks)."""
    if not 0 < hazard_id <= INT_MAX:
        return None
    return session.scalar(select(Hazard.facility_id).where(Hazard.id == hazard_id))


def list_hazards(
    session: Session,
    facility_ids: Collection[str],
    *,
    status: HazardStatus | None = None,
    grade: HazardGrade | None = None,
    overdue: bool | None = None,
    limit: int = 100,
    now: datetime | None = None,
) -> list[HazardView]:
    """Hazards of `facility_ids`, nearest deadline first; `overdue` keeps those (not) overdue."""
    now = now or utc_now()
    query = select(Hazard).where(Hazard.facility_id.in_(list(facility_ids)))
    if status is not None:
        query = query.where(Hazard.status == str(status))
    if grade is not None:
        query = query.where(Hazard.grade == str(grade))
    if overdue is not None:
        query = query.where(_overdue_clause(now) if overdue else ~_overdue_clause(now))
    query = query.order_by(Hazard.deadline, Hazard.id).limit(limit)
    rows = session.scalars(query.options(selectinload(Hazard.steps)))
    return [hazard_view(row, now) for row in rows]


def escalate_overdue_hazards(
    session: Session, now: datetime, *, district_after_overdue_s: float | None = None
) -> list[HazardView]:
    """Raise open hazards past their deadline to the street, and to the district once they are
    `district_after_overdue_s` (default: InspectionConfig's days) past it; once each.

    Each raise is a history step and an audit row by ESCALATION_ACTOR; returns those raised.
    """
    if district_after_overdue_s is None:
        district_after_overdue_s = InspectionConfig().district_after_overdue_days * 86400
    district_before = now - timedelta(seconds=district_after_overdue_s)
    raised = []
    for row in session.scalars(_escalation_candidates(now)):
        level = "district" if row.deadline <= district_before else "street"
        if row.escalated_to == level:
            continue
        row.escalated_to = level
        _step(row, "escalated", HazardStatus(row.status), ESCALATION_ACTOR, f"to the {level}", now)
        session.flush()
        detail = {"escalated_to": level, "deadline": row.deadline.isoformat()}
        append_audit(session, ESCALATION_ACTOR, "hazard_escalated", "hazard", str(row.id), detail)
        raised.append(hazard_view(row, now))
    return raised


def hazard_view(row: Hazard, now: datetime) -> HazardView:
    status = HazardStatus(row.status)
    return HazardView(
        id=row.id,
        facility_id=row.facility_id,
        inspection_id=row.inspection_id,
        item_id=row.item_id,
        grade=HazardGrade(row.grade),
        description=row.description,
        status=status,
        deadline=row.deadline,
        overdue=status in OPEN_STATUSES and row.deadline < now,
        created_by=row.created_by,
        created_at=row.created_at,
        fixed_by=row.fixed_by,
        fixed_at=row.fixed_at,
        verified_by=row.verified_by,
        verified_at=row.verified_at,
        escalated_to=row.escalated_to,
        steps=tuple(_step_view(step) for step in row.steps),
    )


def _step(
    row: Hazard, action: str, to_status: HazardStatus, actor: str, note: str | None, at: datetime
) -> HazardStep:
    step = HazardStep(
        action=action,
        from_status=None if action == "created" else row.status,
        to_status=str(to_status),
        actor=actor,
        note=note,
        deadline=row.deadline,
        at=at,
    )
    row.steps.append(step)
    row.status = str(to_status)
    return step


def _step_view(step: HazardStep) -> HazardStepView:
    return HazardStepView(
        action=step.action,
        from_status=None if step.from_status is None else HazardStatus(step.from_status),
        to_status=HazardStatus(step.to_status),
        actor=step.actor,
        note=step.note,
        deadline=step.deadline,
        at=step.at,
    )


def _by_id(session: Session, hazard_id: int, *, lock: bool = False) -> Hazard | None:
    if not 0 < hazard_id <= INT_MAX:
        return None
    query = select(Hazard).where(Hazard.id == hazard_id).options(selectinload(Hazard.steps))
    # Row lock on PostgreSQL, so two fixes or verifications of one hazard cannot both pass.
    return session.scalar(query.with_for_update() if lock else query)


def _locked(session: Session, hazard_id: int) -> Hazard:
    row = _by_id(session, hazard_id, lock=True)
    if row is None:
        raise HazardNotFound(f"hazard {hazard_id} not found")
    return row


def _require_status(row: Hazard, action: str, allowed: Collection[HazardStatus]) -> None:
    if HazardStatus(row.status) not in allowed:
        wanted = " or ".join(sorted(str(status) for status in allowed))
        raise HazardTransitionError(
            f"hazard {row.id} is {row.status}; only a hazard that is {wanted} can {action}"
        )


def _check_text(name: str, text: str) -> str:
    if not text.strip():
        raise ValueError(f"{name}: must not be empty")
    if "\x00" in text:  # PostgreSQL text cannot hold NUL; refuse it on every backend alike
        raise ValueError(f"{name}: must not contain NUL characters")
    return text


def _check_optional(name: str, text: str | None) -> str | None:
    return None if text is None or not text.strip() else _check_text(name, text)


def _overdue_clause(now: datetime) -> ColumnElement[bool]:
    return Hazard.status.in_([str(s) for s in OPEN_STATUSES]) & (Hazard.deadline < now)


def _escalation_candidates(now: datetime) -> Select[Hazard]:
    return (
        select(Hazard)
        .where(_overdue_clause(now))
        .where(Hazard.escalated_to.is_(None) | (Hazard.escalated_to != "district"))
        .options(selectinload(Hazard.steps))
        .order_by(Hazard.deadline, Hazard.id)
        .with_for_update()
    )

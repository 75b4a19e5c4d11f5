"""Legal hold: evidence that retention must keep until released; who, when and why, both ways."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from supervision.audit.chain import append_audit
from supervision.org.scope import Permission, Role, Scope, can_read_camera, has_permission
from supervision.tables import Event, Evidence, LegalHold, utc_now

EVENT = "event"  # object_type of a hold on an event's snapshot and clip
MAX_REASON_CHARS = 2000
# A facility officer may place a hold the moment something happens, but releasing one lets
# retention delete evidence, so only those who supervise the facility may do that.
RELEASING_ROLES = frozenset({Role.STREET_INSPECTOR, Role.DISTRICT_INSPECTOR, Role.ADMIN})


class HoldError(ValueError):
    """A hold that cannot be placed or released as asked; the message says why."""


class AlreadyHeld(HoldError):
    """The object is on hold already (one active hold per object)."""


class NotHeld(HoldError):
    """There is no active hold to release."""


class HeldObjectNotFound(LookupError):
    """No event with that id."""


@dataclass(frozen=True, slots=True)
class HoldView:
    """One hold, active while `released_at` is None; datetimes are UTC-aware."""

    id: int
    object_type: str
    object_id: str
    reason: str
    placed_by: str
    placed_at: datetime
    released_by: str | None
    released_at: datetime | None
    release_reason: str | None

    @property
    def active(self) -> bool:
        return self.released_at is None


def can_place_hold(scope: Scope, camera_id: str) -> bool:
    """Roles with resident data (officers, inspectors, admins), on a camera in scope."""
    return can_read_camera(scope, camera_id) and has_permission(scope, Permission.RESIDENT_DATA)


def can_release_hold(scope: Scope, camera_id: str) -> bool:
    """Inspectors and admins only, on a camera in scope."""
    return can_place_hold(scope, camera_id) and scope.role in RELEASING_ROLES


def place_hold(
    session: Session, event_id: int, actor: str, reason: str, *, at: datetime | None = None
) -> HoldView:
    """Hold the event's media from retention; audited in the caller's transaction.

    Raises HeldObjectNotFound, AlreadyHeld or HoldError; the caller's transaction must then
    roll back (`with sessions.begin()` does), since the audit row is appended first.
    """
    when = _check(actor, reason, at)
    # The audit append locks the chain's head first: holds and retention deletions (which
    # lock it too) then run one at a time, so a deletion never misses a committed hold.
    detail = {"reason": reason}
    append_audit(session, actor, "legal_hold_placed", EVENT, str(event_id), detail, at=when)
    _require_event(session, event_id)
    if _active_row(session, EVENT, str(event_id)) is not None:
        raise AlreadyHeld(f"event {event_id} is already on hold")
    row = LegalHold(
        object_type=EVENT, object_id=str(event_id), reason=reason, placed_by=actor, placed_at=when
    )
    session.add(row)
    session.flush()
    return hold_view(row)


def release_hold(
    session: Session, event_id: int, actor: str, reason: str, *, at: datetime | None = None
) -> HoldView:
    """Release the event's active hold; retention may then delete its media when they are due.

    Raises HeldObjectNotFound, NotHeld or HoldError (roll back, as for `place_hold`).
    """
    when = _check(actor, reason, at)
    detail = {"reason": reason}
    append_audit(session, actor, "legal_hold_released", EVENT, str(event_id), detail, at=when)
    _require_event(session, event_id)
    row = _active_row(session, EVENT, str(event_id))
    if row is None:
        raise NotHeld(f"event {event_id} is not on hold")
    row.released_by, row.released_at, row.release_reason = actor, when, reason
    session.flush()
    return hold_view(row)


def active_hold(session: Session, event_id: int) -> HoldView | None:
    row = _active_row(session, EVENT, str(event_id))
    return None if row is None else hold_view(row)


def hold_history(session: Session, event_id: int) -> list[HoldView]:
    """Every hold the event had, newest first."""
    query = (
        select(LegalHold)
        .where(LegalHold.object_type == EVENT, LegalHold.object_id == str(event_id))
        .order_by(LegalHold.placed_at.desc(), LegalHold.id.desc())
    )
    return [hold_view(row) for row in session.scalars(query)]


def held_event_ids(session: Session, event_ids: Iterable[int] | None = None) -> set[int]:
    """The events (of `event_ids`, or all) whose media must stay: on hold, or evidence.

    This is the one place retention asks. Events attached to an inspection or a hazard fix as
    evidence are kept like held ones for as long as the evidence exists.
    """
    wanted = None if event_ids is None else list(event_ids)
    holds = select(LegalHold.object_id).where(
        LegalHold.object_type == EVENT, LegalHold.released_at.is_(None)
    )
    evidence = select(Evidence.event_id).where(Evidence.event_id.is_not(None))
    if wanted is not None:
        holds = holds.where(LegalHold.object_id.in_([str(event_id) for event_id in wanted]))
        evidence = evidence.where(Evidence.event_id.in_(wanted))
    held = {int(object_id) for object_id in session.scalars(holds)}
    return held | {event_id for event_id in session.scalars(evidence) if event_id is not None}


def hold_view(row: LegalHold) -> HoldView:
    return HoldView(
        id=row.id,
        object_type=row.object_type,
        object_id=row.object_id,
        reason=row.reason,
        placed_by=row.placed_by,
        placed_at=row.placed_at,
        released_by=row.released_by,
        released_at=row.released_at,
        release_reason=row.release_reason,
    )


def _check(actor: str, reason: str, at: datetime | None) -> datetime:
    if not actor.strip():
        raise HoldError("actor must not be empty")
    if not reason.strip() or len(reason) > MAX_REASON_CHARS:
        raise HoldError(f"reason: expected 1 to {MAX_REASON_CHARS} characters")
    if "\x00" in reason or "\x00" in actor:
        raise HoldError("reason and actor must not contain NUL characters")
    when = at or utc_now()
    if when.tzinfo is None:
        raise HoldError(f"at: naive datetime {when!r}; pass a timezone-aware one")
    return when


def _require_event(session: Session, event_id: int) -> None:
    found = 0 < event_id < 2**31 and session.get(Event, event_id) is not None
    if not found:
        raise HeldObjectNotFound(f"event {event_id} not found")


def _active_row(session: Session, object_type: str, object_id: str) -> LegalHold | None:
    query = select(LegalHold).where(
        LegalHold.object_type == object_type,
        LegalHold.object_id == object_id,
        LegalHold.released_at.is_(None),
    )
    return session.scalars(query.order_by(LegalHold.id)).first()

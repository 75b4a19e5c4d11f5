"""The journal of event changes that publication follows, and each target's cursor in it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session, selectinload, sessionmaker

from supervision.events.from_rows import event_view, transition_view
from supervision.events.views import EventView, TransitionView
from supervision.tables import (
    Camera,
    Event,
    EventChange,
    EventTransition,
    PublishCursor,
    utc_now,
)

# Revisions are INTEGER columns (32 bits on PostgreSQL).
_INT_MAX = 2**31 - 1


class ChangeKind(StrEnum):
    NEW = "new"  # an event was detected
    ENDED = "ended"  # an open event got its end
    UPDATED = "updated"  # raised level or new confidence, still open or already ended
    TRANSITION = "transition"  # a person moved it along the workflow
    ESCALATED = "escalated"  # nobody acknowledged it in time: raised to street or district


@dataclass(frozen=True, slots=True)
class ChangeView:
    """One journalled change with the event as it stands now and the step it made, if any."""

    revision: int
    kind: ChangeKind
    facility_id: str
    event: EventView
    transition: TransitionView | None = None
    escalated_to: str | None = None
    origin: str | None = None  # the district node it was taken in from; None: made here


def record_change(
    session: Session,
    row: Event,
    kind: ChangeKind,
    step: EventTransition | None = None,
    escalated_to: str | None = None,
    origin: str | None = None,
) -> None:
    """Journal `row`'s change at its current revision, in the transaction that made it;
    `origin`: the district node it was taken in from."""
    session.add(
        EventChange(
            revision=row.revision,
            event=row,
            kind=str(kind),
            transition=step,
            escalated_to=escalated_to,
            at=utc_now(),
            origin=origin,
        )
    )


def changes_since(
    sessions: sessionmaker[Session],
    revision: int,
    limit: int = 100,
    local_only: bool = False,
    upto: int = _INT_MAX,
) -> list[ChangeView]:
    """The `limit` earliest changes after `revision` (up to `upto`), oldest first;
    `local_only`: only those made here, none taken in from another node."""
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    query = (
        select(EventChange, Camera.facility_id)
        .join(Event, EventChange.event_id == Event.id)
        .join(Camera, Event.camera_id == Camera.id)
        .where(EventChange.revision > min(max(revision, 0), _INT_MAX))
        .where(EventChange.revision <= upto)
        .where(EventChange.origin.is_(None) if local_only else true())
        .order_by(EventChange.revision)
        .limit(limit)
        .options(
            selectinload(EventChange.event).selectinload(Event.transitions),
            selectinload(EventChange.transition),
        )
    )
    with sessions() as session:
        return [_change_view(row, facility_id) for row, facility_id in session.execute(query)]


def latest_change(sessions: sessionmaker[Session]) -> int:
    """The revision of the newest change (0: none)."""
    with sessions() as session:
        return session.scalar(select(func.max(EventChange.revision))) or 0


def open_cursor(sessions: sessionmaker[Session], target: str) -> int:
    """The target's cursor; a target seen for the first time starts at the latest change."""
    with sessions.begin() as session:
        row = session.get(PublishCursor, target)
        if row is None:
            start = _latest_change(session)
            row = PublishCursor(target=target, revision=start, updated_at=utc_now())
            session.add(row)
        return row.revision


def load_cursor(sessions: sessionmaker[Session], target: str) -> int:
    with sessions() as session:
        row = session.get(PublishCursor, target)
        if row is None:
            raise LookupError(f"no publication cursor for {target!r}")
        return row.revision


def save_cursor(sessions: sessionmaker[Session], target: str, revision: int) -> None:
    """Move the target's cursor forward to `revision` (the last message it accepted); never
    back, whichever process saves it."""
    with sessions.begin() as session:
        row = session.get(PublishCursor, target, with_for_update=True)
        if row is None:
            session.add(PublishCursor(target=target, revision=revision, updated_at=utc_now()))
            return
        if revision > row.revision:
            row.revision = revision
            row.updated_at = utc_now()


def _latest_change(session: Session) -> int:
    query = select(EventChange.revision).order_by(EventChange.revision.desc()).limit(1)
    return session.scalar(query) or 0


def _change_view(row: EventChange, facility_id: str) -> ChangeView:
    return ChangeView(
        revision=row.revision,
        kind=ChangeKind(row.kind),
        facility_id=facility_id,
        event=event_view(row.event),
        transition=None if row.transition is None else transition_view(row.transition),
        escalated_to=row.escalated_to,
        origin=row.origin,
    )

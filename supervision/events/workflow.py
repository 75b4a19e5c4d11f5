"""The status workflow events (and the incidents that group them) move along, and its history."""

from __future__ import annotations

from datetime import datetime
from typing import get_args

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from supervision.events.views import EventStatus, FamilyNotice, FamilyNoticeMethod
from supervision.tables import Event, EventTransition, utc_now

OPEN_STATUSES = frozenset({EventStatus.NEW, EventStatus.ACKNOWLEDGED, EventStatus.ON_SCENE})
CLOSED_STATUSES = frozenset({EventStatus.RESOLVED, EventStatus.FALSE_ALARM})

# action -> (statuses it applies to, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[EventStatus], EventStatus]] = {
    "acknowledge": (frozenset({EventStatus.NEW}), EventStatus.ACKNOWLEDGED),
    "on_scene": (frozenset({EventStatus.NEW, EventStatus.ACKNOWLEDGED}), EventStatus.ON_SCENE),
    "resolve": (OPEN_STATUSES, EventStatus.RESOLVED),
    "false_alarm": (OPEN_STATUSES, EventStatus.FALSE_ALARM),
    # A reopened event has been looked at already, so it does not raise a fresh alarm.
    "reopen": (CLOSED_STATUSES, EventStatus.ACKNOWLEDGED),
}

# A resident who fell: the family must be told, and closing the event records how.
FAMILY_NOTICE_TYPES = frozenset({"fall", "long_lie"})


class InvalidTransition(ValueError):
    """The action does not apply to the event's (or incident's) current status."""


class FamilyNoticeRequired(ValueError):
    """Resolving a fall (or its long lie) needs the family notification's time, method and who."""


def rule_for(action: str) -> tuple[frozenset[EventStatus], EventStatus]:
    rule = TRANSITIONS.get(action)
    if rule is None:
        raise InvalidTransition(f"unknown action {action!r}; expected one of {sorted(TRANSITIONS)}")
    return rule


def require_applies(
    action: str, what: str, current: EventStatus, allowed_from: frozenset[EventStatus]
) -> None:
    """InvalidTransition naming `what` ("event 3", "incident 2") unless `current` allows it."""
    if current not in allowed_from:
        expected = ", ".join(sorted(allowed_from))
        raise InvalidTransition(f"cannot {action} {what}: it is {current}, expected {expected}")


def require_family_notice(
    to_status: EventStatus, rows: list[Event], family: FamilyNotice | None
) -> None:
    """FamilyNoticeRequired when `rows` are resolved, one of them a fall, without `family`."""
    if to_status != EventStatus.RESOLVED or family:
        return
    for row in rows:
        if row.type in FAMILY_NOTICE_TYPES:
            raise FamilyNoticeRequired(
                f"resolving {row.type} event {row.id} needs the family notification: "
                f"when, how ({', '.join(get_args(FamilyNoticeMethod))}) and by whom"
            )


def require_storable(**texts: str | None) -> None:
    # PostgreSQL text cannot hold NUL; refuse it on every backend alike.
    for name, text in texts.items():
        if text is not None and "\x00" in text:
            raise ValueError(f"{name} must not contain NUL characters")


def require_actor(actor: str, note: str | None) -> None:
    if not actor.strip():
        raise ValueError("actor must not be empty")
    require_storable(actor=actor, note=note)


def latest_revision(session: Session) -> int:
    """The largest event revision given out; each change of an event takes the next one."""
    return session.scalar(select(func.coalesce(func.max(Event.revision), 0))) or 0


_LAST_REVISION = "carewatch.last_revision"  # session.info: (transaction, revision given out)


def next_revision(session: Session) -> int:
    """The revision for the next changed event; call it inside `EventStore.write_session()`.

    The first call of a transaction reads the largest; later ones count on from it (the write
    lock keeps every other writer out until the commit), so a batch reads it once.
    """
    transaction = session.get_transaction()
    known = session.info.get(_LAST_REVISION)
    last = known[1] if known is not None and known[0] is transaction else latest_revision(session)
    session.info[_LAST_REVISION] = (transaction, last + 1)
    return last + 1


def set_status(
    row: Event,
    current: EventStatus,
    to_status: EventStatus,
    actor: str,
    note: str | None,
    family: FamilyNotice | None = None,
    at: datetime | None = None,
) -> EventTransition:
    """Move `row` to `to_status`; returns the history step appended (the caller sets revision).

    `at`: when the step happened (now by default).
    """
    now = at or utc_now()
    step = EventTransition(
        from_status=str(current), to_status=str(to_status), actor=actor, note=note, at=now
    )
    if family is not None:
        step.family_notified_at = family.notified_at
        step.family_notify_method = family.method
        step.family_notified_by = family.by
    row.transitions.append(step)
    row.status = str(to_status)
    row.status_by = actor
    row.status_at = now
    row.status_note = note
    return step

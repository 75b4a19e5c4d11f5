"""Legal holds: place and release with who, when and why; audited; who may do which."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from supervision.events.store import EventStore
from supervision.org.scope import Role, Scope
from supervision.org.tree import NodeKind, NodeRef
from supervision.retention.holds import (
    AlreadyHeld,
    HeldObjectNotFound,
    HoldError,
    NotHeld,
    active_hold,
    can_place_hold,
    can_release_hold,
    held_event_ids,
    hold_history,
    place_hold,
    release_hold,
)
from supervision.tables import AuditEntry
from vision.events import SafetyEvent

T0 = datetime(2026, 11, 23, 8, tzinfo=UTC)


def _audit_actions(store: EventStore) -> list[tuple[str, str, str | None]]:
    with store.sessions() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        return [(row.actor, row.action, row.object_id) for row in rows]


def test_place_release_and_history(
    store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    event_id = store.record_event(make_event())
    other = store.record_event(make_event())
    with store.sessions.begin() as session:
        placed = place_hold(session, event_id, "officer", "resident's family complained", at=T0)
    assert placed.active and (placed.placed_by, placed.placed_at) == ("officer", T0)

    with store.sessions() as session:
        assert active_hold(session, event_id) == placed
        assert active_hold(session, other) is None
        assert held_event_ids(session) == {event_id}
        assert held_event_ids(session, [other]) == set()

    later = T0 + timedelta(days=3)
    with store.sessions.begin() as session:
        released = release_hold(session, event_id, "inspector", "complaint settled", at=later)
        again = place_hold(session, event_id, "inspector", "police asked", at=later)
    assert not released.active
    assert (released.released_by, released.released_at) == ("inspector", later)
    assert released.release_reason == "complaint settled"
    with store.sessions() as session:
        assert [hold.id for hold in hold_history(session, event_id)] == [again.id, placed.id]
    assert _audit_actions(store) == [
        ("officer", "legal_hold_placed", str(event_id)),
        ("inspector", "legal_hold_released", str(event_id)),
        ("inspector", "legal_hold_placed", str(event_id)),
    ]


@pytest.mark.parametrize(
    ("action", "event_offset", "reason", "error"),
    [
        ("place", 0, "again", AlreadyHeld),
        ("release", 1, "nothing held", NotHeld),
        ("place", 99, "no such event", HeldObjectNotFound),
        ("release", 99, "no such event", HeldObjectNotFound),
        ("place", 1, "   ", HoldError),
        ("place", 1, "x" * 2001, HoldError),
        ("place", 1, "a\x00b", HoldError),
    ],
)
def test_refusals_leave_no_trace(
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
    action: str,
    event_offset: int,
    reason: str,
    error: type[Exception],
) -> None:
    held = store.record_event(make_event())
    store.record_event(make_event())
    with store.sessions.begin() as session:
        place_hold(session, held, "officer", "keep it")
    function = place_hold if action == "place" else release_hold
    with pytest.raises(error), store.sessions.begin() as session:
        function(session, held + event_offset, "inspector", reason)
    assert len(_audit_actions(store)) == 1  # the refused call's audit row rolled back


def test_naive_time_and_blank_actor_are_refused(
    store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    event_id = store.record_event(make_event())
    with pytest.raises(HoldError, match="naive"), store.sessions.begin() as session:
        place_hold(session, event_id, "officer", "why", at=datetime(2026, 1, 1))
    with pytest.raises(HoldError, match="actor"), store.sessions.begin() as session:
        place_hold(session, event_id, " ", "why")


def _scope(role: Role, cameras: frozenset[str] = frozenset({"cam-1"})) -> Scope:
    node = {
        Role.FACILITY_OFFICER: NodeRef(NodeKind.FACILITY, "fac-1"),
        Role.STREET_INSPECTOR: NodeRef(NodeKind.STREET, "s1"),
        Role.DISTRICT_INSPECTOR: NodeRef(NodeKind.DISTRICT, "d1"),
    }.get(role)
    return Scope(1, role, node, frozenset({"fac-1"}), cameras)


@pytest.mark.parametrize(
    ("role", "may_place", "may_release"),
    [
        (Role.FACILITY_OFFICER, True, False),
        (Role.STREET_INSPECTOR, True, True),
        (Role.DISTRICT_INSPECTOR, True, True),
        (Role.ADMIN, True, True),
        (Role.OPERATOR, False, False),  # no resident data
    ],
)
def test_who_may_place_and_release(role: Role, may_place: bool, may_release: bool) -> None:
    assert can_place_hold(_scope(role), "cam-1") is may_place
    assert can_release_hold(_scope(role), "cam-1") is may_release
    # Nobody acts on a camera outside their scope.
    assert not can_place_hold(_scope(role, frozenset()), "cam-1")
    assert not can_release_hold(_scope(role, frozenset()), "cam-1")

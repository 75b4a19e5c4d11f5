"""The change journal keeps every change at its revision; cursors remember what was sent."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from supervision.events.changes import (
    ChangeKind,
    changes_since,
    load_cursor,
    open_cursor,
    save_cursor,
)
from supervision.events.incidents import transition_event
from supervision.events.overdue import escalate_overdue
from supervision.events.reads import latest_revision_of
from supervision.events.store import EventStore
from supervision.events.views import EventStatus
from tests.conftest import T0_EPOCH_S
from tests.store_calls import read, write
from vision.events import SafetyEvent


def test_each_change_is_journalled_in_revision_order(
    store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    event = make_event()
    event_id = store.record_event(event)
    store.record_event(dataclasses.replace(event, level=2))  # long lie raised again
    store.attach_media(event.key, snapshot_path="snap.jpg")  # not published
    store.record_event(dataclasses.replace(event, end_s=event.start_s + 5, level=2))
    store.record_event(dataclasses.replace(event, end_s=event.start_s + 5, level=2))  # no change
    started = datetime.fromtimestamp(T0_EPOCH_S + 10.0, UTC)
    write(
        store, escalate_overdue, store.push_routing, 300, 900, now=started + timedelta(seconds=301)
    )
    write(store, transition_event, event_id, "acknowledge", actor="officer", note="coming")

    changes = changes_since(store.sessions, 0)

    assert [c.kind for c in changes] == [
        ChangeKind.NEW,
        ChangeKind.UPDATED,
        ChangeKind.ENDED,
        ChangeKind.ESCALATED,
        ChangeKind.TRANSITION,
    ]
    revisions = [c.revision for c in changes]
    assert revisions == sorted(revisions) and len(set(revisions)) == 5
    assert revisions[-1] == read(store, latest_revision_of)
    assert {c.event.id for c in changes} == {event_id}
    assert {c.facility_id for c in changes} == {"fac-1"}
    escalated, acknowledged = changes[3], changes[4]
    assert escalated.escalated_to == "street" and escalated.transition is not None
    assert escalated.transition.to_status == EventStatus.NEW
    assert acknowledged.transition is not None and acknowledged.transition.note == "coming"
    assert acknowledged.escalated_to is None


def test_an_event_that_arrives_ended_is_one_new_change(
    store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    store.record_event(make_event(end_s=15.0))
    assert [c.kind for c in changes_since(store.sessions, 0)] == [ChangeKind.NEW]


@pytest.mark.parametrize(
    ("after", "limit", "expected"),
    [(0, 100, [1, 2, 3]), (1, 100, [2, 3]), (0, 2, [1, 2]), (3, 100, []), (0, 0, []), (-5, 1, [1])],
    ids=["all", "after-first", "limit", "none-left", "zero-limit", "negative"],
)
def test_changes_since(
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
    after: int,
    limit: int,
    expected: list[int],
) -> None:
    for _ in range(3):
        store.record_event(make_event())
    assert [c.revision for c in changes_since(store.sessions, after, limit)] == expected


def test_changes_since_refuses_a_negative_limit(store: EventStore) -> None:
    with pytest.raises(ValueError, match="limit"):
        changes_since(store.sessions, 0, -1)


def test_a_new_cursor_starts_at_the_latest_change_and_then_persists(
    store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    assert open_cursor(store.sessions, "webhook:a") == 0  # empty journal
    store.record_event(make_event())
    store.record_event(make_event())
    assert open_cursor(store.sessions, "webhook:b") == 2  # history is not replayed
    assert open_cursor(store.sessions, "webhook:a") == 0  # a known target keeps its place
    save_cursor(store.sessions, "webhook:a", 1)
    assert load_cursor(store.sessions, "webhook:a") == 1
    assert open_cursor(store.sessions, "webhook:a") == 1


def test_load_cursor_of_an_unknown_target(store: EventStore) -> None:
    with pytest.raises(LookupError, match="no publication cursor"):
        load_cursor(store.sessions, "mqtt:nobody")

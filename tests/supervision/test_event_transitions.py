"""The event workflow: which actions apply to which status, and the history they leave."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from supervision.events.incidents import transition_event
from supervision.events.reads import get_event
from supervision.events.store import (
    EventNotFound,
    EventStore,
    FamilyNoticeRequired,
    InvalidTransition,
)
from supervision.events.views import EventStatus, FamilyNotice, TransitionAction
from tests.store_calls import read, write
from vision.events import EventType, SafetyEvent

NEW, ACK, ON_SCENE, RESOLVED, FALSE = (
    EventStatus.NEW,
    EventStatus.ACKNOWLEDGED,
    EventStatus.ON_SCENE,
    EventStatus.RESOLVED,
    EventStatus.FALSE_ALARM,
)
FAMILY = FamilyNotice(datetime(2026, 11, 23, 2, 15, tzinfo=UTC), "phone", "nurse Wang")

# (actions taken first, action under test, status after it or None when it must be refused)
CASES = [
    ((), "acknowledge", ACK),
    ((), "on_scene", ON_SCENE),
    (("acknowledge",), "on_scene", ON_SCENE),
    (("acknowledge", "on_scene"), "resolve", RESOLVED),
    (("on_scene",), "false_alarm", FALSE),
    (("on_scene",), "acknowledge", None),
    (("on_scene",), "on_scene", None),
    (("resolve",), "on_scene", None),
    ((), "resolve", RESOLVED),
    ((), "false_alarm", FALSE),
    (("acknowledge",), "resolve", RESOLVED),
    (("acknowledge",), "false_alarm", FALSE),
    (("resolve",), "reopen", ACK),
    (("false_alarm",), "reopen", ACK),
    (("acknowledge",), "acknowledge", None),
    (("resolve",), "resolve", None),
    (("resolve",), "acknowledge", None),
    (("false_alarm",), "resolve", None),
    ((), "reopen", None),
    ((), "escalate", None),
    ((), "", None),
]


def _case_id(case: tuple[tuple[str, ...], str, EventStatus | None]) -> str:
    before, action, _ = case
    return f"{'+'.join(before) or 'new'}->{action or 'empty'}"


@pytest.mark.parametrize(("before", "action", "expected"), CASES, ids=map(_case_id, CASES))
def test_transition(
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
    before: tuple[TransitionAction, ...],
    action: Any,
    expected: EventStatus | None,
) -> None:
    event_id = store.record_event(make_event())
    for step in before:
        write(store, transition_event, event_id, step, actor="setup", family=FAMILY)
    prior = read(store, get_event, event_id)
    assert prior is not None

    if expected is None:
        with pytest.raises(InvalidTransition, match=action or "''"):
            write(store, transition_event, event_id, action, actor="officer")
        assert read(store, get_event, event_id) == prior
        return
    view = write(
        store, transition_event, event_id, action, actor="officer", note="checked", family=FAMILY
    )
    assert view.status is expected
    assert view.revision > prior.revision
    assert view.transitions[-1].to_status is expected
    assert read(store, get_event, event_id) == view


@pytest.mark.parametrize(
    ("event_type", "needs_notice"),
    [(EventType.FALL, True), (EventType.LONG_LIE, True), (EventType.SMOKE, False)],
)
def test_resolving_a_fall_needs_the_family_notification(
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
    event_type: EventType,
    needs_notice: bool,
) -> None:
    event_id = store.record_event(make_event(type=event_type))
    if needs_notice:
        with pytest.raises(FamilyNoticeRequired, match=r"when, how .* and by whom"):
            write(store, transition_event, event_id, "resolve", actor="officer")
        assert read(store, get_event, event_id).status is NEW  # type: ignore[union-attr]
    write(
        store, transition_event, event_id, "false_alarm", actor="officer"
    )  # a false alarm needs none
    write(store, transition_event, event_id, "reopen", actor="officer")
    view = write(store, transition_event, event_id, "resolve", actor="officer", family=FAMILY)
    assert view.transitions[-1].family == FAMILY
    assert read(store, get_event, event_id) == view


def test_invalid_transition_message_names_status_and_action(
    store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    event_id = store.record_event(make_event())
    write(store, transition_event, event_id, "resolve", actor="officer", family=FAMILY)
    with pytest.raises(InvalidTransition, match=r"cannot acknowledge event \d+: it is resolved"):
        write(store, transition_event, event_id, "acknowledge", actor="officer")
    assert issubclass(InvalidTransition, ValueError)


def test_history_records_who_and_when(
    store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    event_id = store.record_event(make_event())
    before = datetime.now(UTC)
    write(store, transition_event, event_id, "acknowledge", actor="li.wei", note="on my way")
    view = write(
        store,
        transition_event,
        event_id,
        "false_alarm",
        actor="zhang.min",
        note="resident sat down",
    )

    assert [(t.from_status, t.to_status, t.actor, t.note) for t in view.transitions] == [
        (NEW, ACK, "li.wei", "on my way"),
        (ACK, FALSE, "zhang.min", "resident sat down"),
    ]
    assert before <= view.transitions[0].at <= view.transitions[1].at <= datetime.now(UTC)
    assert (view.status_by, view.status_note) == ("zhang.min", "resident sat down")
    assert view.status_at == view.transitions[1].at


def test_transition_errors(store: EventStore, make_event: Callable[..., SafetyEvent]) -> None:
    with pytest.raises(EventNotFound, match="12345"):
        write(store, transition_event, 12345, "acknowledge", actor="officer")
    with pytest.raises(EventNotFound, match="99999999999"):
        write(store, transition_event, 99_999_999_999, "acknowledge", actor="officer")
    event_id = store.record_event(make_event())
    with pytest.raises(ValueError, match="actor"):
        write(store, transition_event, event_id, "acknowledge", actor="  ")
    # PostgreSQL cannot store NUL; SQLite refuses it just the same.
    with pytest.raises(ValueError, match="note"):
        write(store, transition_event, event_id, "acknowledge", actor="officer", note="a\x00b")
    assert read(store, get_event, event_id) is not None and read(store, get_event, 2**63) is None

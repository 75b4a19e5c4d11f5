"""Events nobody acknowledged are raised to the street, then the district, once each."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from supervision.config import EscalationConfig
from supervision.events.escalation import Escalator
from supervision.events.incidents import transition_event
from supervision.events.overdue import escalate_overdue
from supervision.events.reads import get_event, list_events
from supervision.events.store import ESCALATION_ACTOR, EventStore
from supervision.events.views import EventView
from tests.conftest import T0_EPOCH_S
from tests.store_calls import read, write
from vision.events import SafetyEvent

STARTED = datetime.fromtimestamp(T0_EPOCH_S + 10.0, UTC)  # the first make_event()


def at(seconds_after_start: float) -> datetime:
    return STARTED + timedelta(seconds=seconds_after_start)


@pytest.mark.parametrize(
    ("checks_at_s", "acknowledged", "expected", "steps"),
    [
        ((), False, None, 0),
        ((299,), False, None, 0),
        ((300,), False, "street", 1),
        ((300, 400), False, "street", 1),
        ((300, 900), False, "district", 2),
        ((950,), False, "district", 1),  # straight to the district: one step, not two
        ((950,), True, None, 0),
    ],
    ids=["never", "early", "street", "once", "district", "late-check", "acknowledged"],
)
def test_overdue_events_escalate(
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
    checks_at_s: tuple[float, ...],
    acknowledged: bool,
    expected: str | None,
    steps: int,
) -> None:
    event_id = store.record_event(make_event())
    if acknowledged:
        write(store, transition_event, event_id, "acknowledge", actor="officer")
    for check_s in checks_at_s:
        write(store, escalate_overdue, store.push_routing, 300, 900, now=at(check_s))
    view = read(store, get_event, event_id)
    assert view is not None and view.escalated_to == expected
    raises = [t for t in view.transitions if t.actor == ESCALATION_ACTOR]
    assert len(raises) == (
        0 if expected is None else 1 + (expected == "district" and 300 in checks_at_s)
    )
    if raises:
        assert raises[-1].note == f"escalated to the {expected}: not acknowledged within " + (
            "300 s" if expected == "street" else "900 s"
        )


def test_a_raise_is_a_new_revision_the_feed_delivers(
    store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    event_id = store.record_event(make_event())
    before = read(store, get_event, event_id)
    assert before is not None
    [raised] = write(store, escalate_overdue, store.push_routing, 300, 900, now=at(301))
    assert raised.id == event_id and raised.revision > before.revision
    assert [v.id for v in read(store, list_events, since_revision=before.revision)] == [event_id]


def test_escalator_thread_raises_and_reports(
    store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    store.record_event(make_event())  # started in 2025: long overdue by the wall clock
    seen: list[EventView] = []
    raised = threading.Event()
    escalator = Escalator(
        store,
        EscalationConfig(street_after_s=1, district_after_s=2, check_every_s=0.05),
        on_raise=lambda view: (seen.append(view), raised.set()),
    )
    escalator.start()
    try:
        assert raised.wait(5.0)
    finally:
        escalator.stop()
    assert [v.escalated_to for v in seen] == ["district"]
    assert escalator.check() == []  # nothing left to raise


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"street_after_s": 600, "district_after_s": 300}, "district_after_s must be longer"),
        ({"street_after_s": 0}, "greater than 0"),
    ],
)
def test_escalation_config_errors(fields: dict[str, float], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        EscalationConfig(**fields)

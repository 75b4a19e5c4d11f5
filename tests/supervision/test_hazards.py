"""Hazards: deadlines by grade, fix / verify / reopen, escalation when overdue, KPI counts."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from supervision.config import EscalationConfig, InspectionConfig
from supervision.events.escalation import Escalator
from supervision.events.store import EventStore
from supervision.inspections.counts import HazardCounts, hazard_counts
from supervision.inspections.evidence import EventRef, EvidenceKind, StoredFile
from supervision.inspections.hazards import (
    ESCALATION_ACTOR,
    HazardGrade,
    HazardNotFound,
    HazardStatus,
    HazardTransitionError,
    create_hazard,
    escalate_overdue_hazards,
    fix_hazard,
    get_hazard,
    list_hazards,
    reopen_hazard,
    verify_hazard,
)
from supervision.tables import AuditEntry, Hazard, HazardStep
from vision.events import SafetyEvent

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
CONFIG = InspectionConfig()
PHOTO = StoredFile("evidence/hazards/1/fix.jpg", "image/jpeg", 1234)


def _create(
    sessions: sessionmaker[Session],
    grade: HazardGrade = HazardGrade.GENERAL,
    *,
    facility_id: str = "fac-a",
    deadline: datetime | None = None,
    at: datetime = NOW,
) -> int:
    with sessions.begin() as session:
        view = create_hazard(
            session, facility_id, grade, "exit blocked", "insp", CONFIG, deadline=deadline, now=at
        )
        return view.id


def _fix(sessions: sessionmaker[Session], hazard_id: int, at: datetime, actor: str = "off") -> None:
    with sessions.begin() as session:
        fix_hazard(session, hazard_id, actor, "cleared", PHOTO, now=at)


def _verify(sessions: sessionmaker[Session], hazard_id: int, at: datetime) -> None:
    with sessions.begin() as session:
        verify_hazard(session, hazard_id, "insp", now=at)


def _reopen(sessions: sessionmaker[Session], hazard_id: int, at: datetime) -> None:
    with sessions.begin() as session:
        reopen_hazard(session, hazard_id, "insp", "blocked again", CONFIG, now=at)


@pytest.mark.parametrize(
    ("grade", "deadline", "expected"),
    [
        (HazardGrade.GENERAL, None, NOW + 30 * DAY),
        (HazardGrade.MAJOR, None, NOW + 7 * DAY),
        (HazardGrade.MAJOR, NOW + 2 * DAY, NOW + 2 * DAY),
    ],
)
def test_deadline_by_grade(
    tree: sessionmaker[Session],
    grade: HazardGrade,
    deadline: datetime | None,
    expected: datetime,
) -> None:
    hazard_id = _create(tree, grade, deadline=deadline)
    with tree() as session:
        view = get_hazard(session, hazard_id, now=NOW)
    assert (view.status, view.deadline, view.overdue) == (HazardStatus.OPEN, expected, False)
    assert [(s.action, s.from_status, s.to_status) for s in view.steps] == [
        ("created", None, HazardStatus.OPEN)
    ]


def test_create_needs_a_known_facility_and_a_description(tree: sessionmaker[Session]) -> None:
    with pytest.raises(LookupError, match="facility nowhere not found"), tree.begin() as s:
        create_hazard(s, "nowhere", HazardGrade.GENERAL, "x", "insp", CONFIG)
    with pytest.raises(ValueError, match="description: must not be empty"), tree.begin() as s:
        create_hazard(s, "fac-a", HazardGrade.GENERAL, "  ", "insp", CONFIG)


ACTIONS: dict[str, Callable[[sessionmaker[Session], int, datetime], None]] = {
    "fix": _fix,
    "verify": _verify,
    "reopen": _reopen,
}


@pytest.mark.parametrize(
    ("actions", "status", "error"),
    [
        ((), HazardStatus.OPEN, None),
        (("fix",), HazardStatus.FIXED, None),
        (("fix", "verify"), HazardStatus.VERIFIED, None),
        (("fix", "reopen"), HazardStatus.REOPENED, None),
        (("fix", "verify", "reopen", "fix", "verify"), HazardStatus.VERIFIED, None),
        (("verify",), HazardStatus.OPEN, "only a hazard that is fixed can verify"),
        (("reopen",), HazardStatus.OPEN, "only a hazard that is fixed or verified can reopen"),
        (("fix", "fix"), HazardStatus.FIXED, "only a hazard that is open or reopened can fix"),
        (("fix", "verify", "verify"), HazardStatus.VERIFIED, "is verified; only a hazard"),
    ],
)
def test_transitions(
    tree: sessionmaker[Session], actions: tuple[str, ...], status: HazardStatus, error: str | None
) -> None:
    hazard_id = _create(tree)
    *allowed, last = ("create", *actions)
    for index, action in enumerate(allowed[1:]):
        ACTIONS[action](tree, hazard_id, NOW + (index + 1) * DAY)
    if last != "create":
        step = ACTIONS[last]
        if error is None:
            step(tree, hazard_id, NOW + 9 * DAY)
        else:
            with pytest.raises(HazardTransitionError, match=re.escape(error)):
                step(tree, hazard_id, NOW + 9 * DAY)
    with tree() as session:
        view = get_hazard(session, hazard_id)
    assert view.status is status
    assert len(view.steps) == 1 + len(actions) - (error is not None)


def test_fix_records_evidence_and_audit(
    tree: sessionmaker[Session], make_event: Callable[..., SafetyEvent]
) -> None:
    hazard_id = _create(tree)
    event_id = EventStore(tree).record_event(make_event(camera_id="cam-a1"))
    with tree.begin() as session:
        view = fix_hazard(session, hazard_id, "off", "moved boxes", EventRef(event_id), now=NOW)
    assert (view.fixed_by, view.fixed_at, view.steps[-1].note) == ("off", NOW, "moved boxes")
    with tree() as session:
        evidence = get_hazard(session, hazard_id).evidence
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert [(e.kind, e.event_id, e.note) for e in evidence] == [
        (EvidenceKind.EVENT, event_id, "moved boxes")
    ]
    assert actions == ["hazard_created", "evidence_attached", "hazard_fixed"]


def test_fix_evidence_must_be_of_the_hazards_facility(
    tree: sessionmaker[Session], make_event: Callable[..., SafetyEvent]
) -> None:
    hazard_id = _create(tree)
    other = EventStore(tree).record_event(make_event(camera_id="cam-c1"))
    with pytest.raises(LookupError, match=f"event {other} not found"), tree.begin() as session:
        fix_hazard(session, hazard_id, "off", "done", EventRef(other), now=NOW)
    with tree() as session:
        assert get_hazard(session, hazard_id).status is HazardStatus.OPEN  # rolled back


def test_the_fixer_may_not_verify(tree: sessionmaker[Session]) -> None:
    hazard_id = _create(tree)
    _fix(tree, hazard_id, NOW, actor="insp")
    with pytest.raises(HazardTransitionError, match="insp recorded the fix"), tree.begin() as s:
        verify_hazard(s, hazard_id, "insp")


def test_reopen_sets_a_new_deadline_and_clears_escalation(tree: sessionmaker[Session]) -> None:
    hazard_id = _create(tree, HazardGrade.MAJOR)
    late = NOW + 8 * DAY
    with tree.begin() as session:
        assert escalate_overdue_hazards(session, late)
    _fix(tree, hazard_id, late)
    _reopen(tree, hazard_id, late + DAY)
    with tree() as session:
        view = get_hazard(session, hazard_id, now=late + DAY)
    assert (view.status, view.deadline) == (HazardStatus.REOPENED, late + 8 * DAY)
    assert (view.escalated_to, view.fixed_by, view.overdue) == (None, None, False)


@pytest.mark.parametrize("hazard_id", [0, 999, 2**40])
def test_missing_hazard(tree: sessionmaker[Session], hazard_id: int) -> None:
    with pytest.raises(HazardNotFound, match=f"hazard {hazard_id} not found"), tree() as s:
        get_hazard(s, hazard_id)
    with pytest.raises(HazardNotFound), tree.begin() as session:
        fix_hazard(session, hazard_id, "off", "x", PHOTO)


# --- escalation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("checks_after_deadline", "fixed", "expected", "raises"),
    [
        ((), False, None, 0),
        ((-1 * DAY,), False, None, 0),
        ((timedelta(seconds=1),), False, "street", 1),
        ((1 * DAY, 2 * DAY), False, "street", 1),
        ((1 * DAY, 7 * DAY), False, "district", 2),
        ((8 * DAY, 9 * DAY), False, "district", 1),  # straight to the district, once
        ((8 * DAY,), True, None, 0),
    ],
    ids=["never", "early", "street", "once", "district", "late-check", "fixed"],
)
def test_overdue_hazards_escalate(
    tree: sessionmaker[Session],
    checks_after_deadline: tuple[timedelta, ...],
    fixed: bool,
    expected: str | None,
    raises: int,
) -> None:
    deadline = NOW + 2 * DAY
    hazard_id = _create(tree, deadline=deadline)
    if fixed:
        _fix(tree, hazard_id, NOW + DAY)
    for after in checks_after_deadline:
        with tree.begin() as session:
            escalate_overdue_hazards(session, deadline + after)
    with tree() as session:
        view = get_hazard(session, hazard_id)
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "hazard_escalated"))
        audited = [(row.actor, row.detail["escalated_to"]) for row in audit]
    steps = [step for step in view.steps if step.action == "escalated"]
    assert view.escalated_to == expected
    assert len(steps) == len(audited) == raises
    assert all(step.actor == ESCALATION_ACTOR for step in steps)
    if raises:
        assert audited[-1] == (ESCALATION_ACTOR, expected)


def test_escalator_thread_checks_hazards(tree: sessionmaker[Session]) -> None:
    hazard_id = _create(tree, deadline=NOW + DAY)
    escalator = Escalator(EventStore(tree), EscalationConfig(), inspection=CONFIG)
    assert [v.id for v in escalator.check_hazards(NOW + 2 * DAY)] == [hazard_id]
    assert escalator.check_hazards(NOW + 3 * DAY) == []
    assert Escalator(EventStore(tree), EscalationConfig()).check_hazards(NOW + 9 * DAY) == []
    assert escalator._hazards_due() and not escalator._hazards_due()  # then waits check_every_s


# --- lists and KPI counts ----------------------------------------------------------------


def test_list_filters(tree: sessionmaker[Session]) -> None:
    late = _create(tree, HazardGrade.MAJOR, deadline=NOW + DAY)
    soon = _create(tree, deadline=NOW + 3 * DAY)
    _create(tree, facility_id="fac-c")
    fixed = _create(tree, deadline=NOW + 2 * DAY)
    _fix(tree, fixed, NOW)
    then = NOW + 2 * DAY + timedelta(hours=1)

    def ids(**filters: object) -> list[int]:
        with tree() as session:
            views = list_hazards(session, {"fac-a", "fac-b"}, now=then, **filters)  # type: ignore[arg-type]
        return [view.id for view in views]

    assert ids() == [late, fixed, soon]
    assert ids(status=HazardStatus.FIXED) == [fixed]
    assert ids(grade=HazardGrade.MAJOR) == [late]
    assert ids(overdue=True) == [late]
    assert ids(overdue=False) == [fixed, soon]
    assert ids(limit=1) == [late]
    with tree() as session:
        assert list_hazards(session, set()) == []


def _scripted_history(sessions: sessionmaker[Session]) -> None:
    """Hazards in fac-a (and one in fac-c) with steps on known days after NOW."""
    a = _create(sessions, deadline=NOW + 5 * DAY)  # open all along, overdue from day 5
    b = _create(sessions, deadline=NOW + 20 * DAY)
    _fix(sessions, b, NOW + 2 * DAY)  # fixed on day 2
    c = _create(sessions, deadline=NOW + 3 * DAY)
    _fix(sessions, c, NOW + 1 * DAY)
    _reopen(sessions, c, NOW + 4 * DAY)  # reopened on day 4, new deadline day 34
    _fix(sessions, c, NOW + 6 * DAY)  # fixed again on day 6
    _create(sessions, deadline=NOW + 15 * DAY, at=NOW + 8 * DAY)  # created on day 8
    _create(sessions, facility_id="fac-c", deadline=NOW + DAY)
    assert (a, b, c) == (1, 2, 3)


def _independent_counts(
    sessions: sessionmaker[Session], facility_ids: set[str], start: datetime, end: datetime
) -> HazardCounts:
    """Replays every step row by row, without the code under test."""
    with sessions() as session:
        hazards = {h.id: h.facility_id for h in session.scalars(select(Hazard))}
        steps = sorted(session.scalars(select(HazardStep)), key=lambda s: (s.at, s.id))
    state: dict[int, HazardStep] = {}
    fixed: set[int] = set()
    for step in steps:
        if hazards[step.hazard_id] not in facility_ids:
            continue
        if step.at < end:
            state[step.hazard_id] = step
        if step.action == "fixed" and start <= step.at < end:
            fixed.add(step.hazard_id)
    still_open = [s for s in state.values() if s.to_status in ("open", "reopened")]
    overdue = [s for s in still_open if s.deadline < end]
    return HazardCounts(open=len(still_open), overdue=len(overdue), fixed=len(fixed))


@pytest.mark.parametrize(
    ("facility_ids", "start_day", "end_day", "expected"),
    [
        (set(), 0, 40, HazardCounts(0, 0, 0)),
        ({"fac-a"}, 0, 1, HazardCounts(open=3, overdue=0, fixed=0)),
        ({"fac-a"}, 0, 3, HazardCounts(open=1, overdue=0, fixed=2)),
        ({"fac-a"}, 3, 5, HazardCounts(open=2, overdue=0, fixed=0)),
        ({"fac-a"}, 5, 7, HazardCounts(open=1, overdue=1, fixed=1)),
        ({"fac-a"}, 0, 40, HazardCounts(open=2, overdue=2, fixed=2)),  # c fixed twice: once
        ({"fac-a", "fac-c"}, 0, 40, HazardCounts(open=3, overdue=3, fixed=2)),
    ],
)
def test_hazard_counts(
    tree: sessionmaker[Session],
    facility_ids: set[str],
    start_day: int,
    end_day: int,
    expected: HazardCounts,
) -> None:
    _scripted_history(tree)
    start, end = NOW + start_day * DAY, NOW + end_day * DAY
    with tree() as session:
        counts = hazard_counts(session, facility_ids, start, end)
    assert counts == expected == _independent_counts(tree, facility_ids, start, end)


@pytest.mark.parametrize(
    ("start", "end"), [(NOW, NOW), (NOW + DAY, NOW), (NOW.replace(tzinfo=None), NOW)]
)
def test_hazard_counts_refuses_a_bad_period(
    tree: sessionmaker[Session], start: datetime, end: datetime
) -> None:
    with pytest.raises(ValueError, match=re.escape("start")), tree() as session:
        hazard_counts(session, {"fac-a"}, start, end)

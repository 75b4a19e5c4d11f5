"""Checklists, inspections, evidence and who may do what (real database, real files)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from supervision.checklists import (
    Checklist,
    ChecklistError,
    ChecklistKind,
    default_checklist_path,
    load_checklist,
    load_checklists,
)
from supervision.config import InspectionConfig
from supervision.events.store import EventStore
from supervision.inspections.access import can_fix_hazards, can_inspect, can_read_inspections
from supervision.inspections.counts import inspections_done
from supervision.inspections.evidence import (
    EventNotInFacility,
    EventRef,
    EvidenceError,
    EvidenceKind,
    EvidenceTooLarge,
    UnsupportedEvidenceType,
    store_image,
)
from supervision.inspections.hazards import HazardGrade, HazardStatus, get_hazard
from supervision.inspections.runs import (
    InspectionClosed,
    InspectionError,
    InspectionMode,
    InspectionStatus,
    ItemResult,
    ResultIn,
    attach_evidence,
    complete_inspection,
    create_inspection,
    get_inspection,
    list_inspections,
    record_results,
)
from supervision.org.scope import Role, Scope
from supervision.org.tree import NodeKind, NodeRef
from supervision.retention.holds import held_event_ids
from supervision.tables import AuditEntry
from vision.events import SafetyEvent

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
CONFIG = InspectionConfig()
CHECKLISTS = load_checklists()
FIRE = CHECKLISTS[ChecklistKind.FIRE_SAFETY]
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 60

VALID_YAML = """
kind: fire_safety
version: "t1"
title: {zh: 检查, en: Check}
categories:
  exits: {zh: 疏散, en: Exits}
items:
  - id: exits.clear
    category: exits
    text: {zh: 通道畅通, en: Exits are clear}
  - id: exits.signs
    category: exits
    text: {zh: 标志完好, en: Signs work}
    reference: GB 38600
"""


# --- checklists --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(ChecklistKind))
def test_default_checklist_loads_with_both_languages(kind: ChecklistKind) -> None:
    checklist = load_checklist(default_checklist_path(kind), kind)
    assert checklist.kind is kind and len(checklist.items) >= 15
    for item in checklist.items:
        assert item.text.zh and item.text.en, item.id
        assert re.search(r"[\u4e00-\u9fff]", item.text.zh), f"{item.id}: zh text has no Chinese"
        assert not re.search(r"[\u4e00-\u9fff]", item.text.en), f"{item.id}: en text is Chinese"
        assert item.reference, f"{item.id}: no reference"


def test_default_item_ids_are_unique_across_kinds() -> None:
    ids = [item.id for checklist in CHECKLISTS.values() for item in checklist.items]
    assert len(ids) == len(set(ids))


def _broken(change: str) -> str:
    """VALID_YAML with "old => new" applied."""
    old, new = change.split(" => ")
    return VALID_YAML.replace(old, new)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (None, "cannot read"),
        ("", "(top level): Input should be a valid dictionary"),
        ("kind: [unclosed", "not valid YAML"),
        (_broken("en: Exits are clear => "), "items.0.text.en: Field required"),
        (_broken("id: exits.signs => id: exits.clear"), "items.1.id: 'exits.clear' appears twice"),
        (
            _broken("category: exits\n    text: {zh: 标志 => category: doors\n    text: {zh: 标志"),
            "items.1.category: 'doors' is not a category",
        ),
        (_broken('version: "t1" => version: "t1"\ncolour: red'), "colour: Extra inputs"),
        (_broken("id: exits.clear => id: Exits Clear"), "items.0.id: String should match"),
        (_broken("kind: fire_safety => kind: service_quality"), "kind: expected fire_safety"),
        (_broken("items: => items: []\nold_items:"), "items: Tuple should have at least 1"),
    ],
    ids=[
        "missing",
        "empty",
        "not-yaml",
        "no-en",
        "dup-id",
        "category",
        "extra",
        "bad-id",
        "wrong-kind",
        "no-items",
    ],
)
def test_bad_checklist_file_names_file_and_field(
    tmp_path: Path, content: str | None, error: str
) -> None:
    path = tmp_path / "list.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ChecklistError) as raised:
        load_checklist(path, ChecklistKind.FIRE_SAFETY)
    assert str(raised.value).startswith(f"{path}: ")
    assert error in str(raised.value)


def test_settings_file_replaces_one_kind(tmp_path: Path) -> None:
    path = tmp_path / "fire.yaml"
    path.write_text(VALID_YAML, encoding="utf-8")
    config = InspectionConfig.model_validate({"checklists": {"fire_safety": str(path)}})
    loaded = load_checklists(config.checklists)
    assert [item.id for item in loaded[ChecklistKind.FIRE_SAFETY].items] == [
        "exits.clear",
        "exits.signs",
    ]
    assert loaded[ChecklistKind.SERVICE_QUALITY] == CHECKLISTS[ChecklistKind.SERVICE_QUALITY]


@pytest.mark.parametrize(
    ("values", "error_field"),
    [
        ({}, None),
        ({"general_deadline_days": 60, "major_deadline_days": 3}, None),
        ({"major_deadline_days": 40}, "major_deadline_days"),
        ({"general_deadline_days": 0}, "general_deadline_days"),
        ({"checklists": {"kitchen": "x.yaml"}}, "checklists.kitchen"),
        ({"max_evidence_bytes": 10}, "max_evidence_bytes"),
        ({"deadline": 3}, "deadline"),
    ],
)
def test_inspection_config(values: dict[str, Any], error_field: str | None) -> None:
    if error_field is None:
        assert InspectionConfig.model_validate(values).check_every_s > 0
        return
    with pytest.raises(ValidationError, match=error_field):
        InspectionConfig.model_validate(values)


# --- who may do what ---------------------------------------------------------------------


def _scope(role: Role) -> Scope:
    node = {
        Role.FACILITY_OFFICER: NodeRef(NodeKind.FACILITY, "fac-a"),
        Role.STREET_INSPECTOR: NodeRef(NodeKind.STREET, "s1"),
        Role.DISTRICT_INSPECTOR: NodeRef(NodeKind.DISTRICT, "d1"),
    }.get(role)
    facilities = {"fac-a"} if role is Role.FACILITY_OFFICER else {"fac-a", "fac-b"}
    return Scope(1, role, node, frozenset(facilities), frozenset())


@pytest.mark.parametrize(
    ("role", "facility_id", "read", "inspect", "fix"),
    [
        (Role.FACILITY_OFFICER, "fac-a", True, False, True),
        (Role.FACILITY_OFFICER, "fac-b", False, False, False),
        (Role.STREET_INSPECTOR, "fac-b", True, True, False),
        (Role.STREET_INSPECTOR, "fac-c", False, False, False),
        (Role.DISTRICT_INSPECTOR, "fac-a", True, True, False),
        (Role.OPERATOR, "fac-a", False, False, False),
        (Role.ADMIN, "fac-a", True, True, True),
    ],
)
def test_access_by_role(role: Role, facility_id: str, read: bool, inspect: bool, fix: bool) -> None:
    scope = _scope(role)
    assert can_read_inspections(scope, facility_id) is read
    assert can_inspect(scope, facility_id) is inspect
    assert can_fix_hazards(scope, facility_id) is fix


# --- inspections -------------------------------------------------------------------------


def _start(
    sessions: sessionmaker[Session], checklist: Checklist = FIRE, facility_id: str = "fac-a"
) -> int:
    with sessions.begin() as session:
        view = create_inspection(
            session, facility_id, checklist, InspectionMode.ON_SITE, "insp-s1", now=NOW
        )
        return view.id


def _record(sessions: sessionmaker[Session], inspection_id: int, *results: ResultIn) -> None:
    with sessions.begin() as session:
        record_results(session, inspection_id, results, "insp-s1", now=NOW)


def _all_pass(failed: dict[str, HazardGrade | None] | None = None) -> list[ResultIn]:
    failed = failed or {}

    def result(item_id: str) -> ResultIn:
        if item_id not in failed:
            return ResultIn(item_id, ItemResult.PASS)
        return ResultIn(item_id, ItemResult.FAIL, "blocked", hazard_grade=failed[item_id])

    return [result(item.id) for item in FIRE.items]


def _audit_actions(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_inspection_is_created_with_every_item_unchecked(tree: sessionmaker[Session]) -> None:
    inspection_id = _start(tree)
    with tree() as session:
        view = get_inspection(session, inspection_id)
    assert (view.facility_id, view.status, view.inspector) == (
        "fac-a",
        InspectionStatus.IN_PROGRESS,
        "insp-s1",
    )
    assert view.checklist_version == FIRE.version
    assert [item.item_id for item in view.items] == [item.id for item in FIRE.items]
    assert all(item.result is None for item in view.items)
    assert _audit_actions(tree) == ["inspection_created"]


def test_completion_turns_failed_items_into_hazards(tree: sessionmaker[Session]) -> None:
    inspection_id = _start(tree)
    exits, extinguishers = FIRE.items[1].id, FIRE.items[6].id
    _record(tree, inspection_id, *_all_pass({exits: HazardGrade.MAJOR, extinguishers: None}))
    _record(tree, inspection_id, ResultIn(FIRE.items[0].id, ItemResult.NOT_APPLICABLE))
    done = NOW + timedelta(hours=2)
    with tree.begin() as session:
        view = complete_inspection(session, inspection_id, "insp-s1", CONFIG, now=done)
        hazards = [get_hazard(session, hazard_id) for hazard_id in view.hazard_ids]
    assert view.status is InspectionStatus.COMPLETED and view.completed_at == done
    assert [(h.item_id, h.grade, h.deadline) for h in hazards] == [
        (exits, HazardGrade.MAJOR, done + timedelta(days=7)),
        (extinguishers, HazardGrade.GENERAL, done + timedelta(days=30)),
    ]
    assert all(h.status is HazardStatus.OPEN and h.inspection_id == inspection_id for h in hazards)
    assert hazards[0].description == "blocked"
    assert _audit_actions(tree) == [
        "inspection_created",
        *["inspection_results_recorded"] * 2,
        *["hazard_created"] * 2,
        "inspection_completed",
    ]


def test_given_deadline_wins(tree: sessionmaker[Session]) -> None:
    inspection_id = _start(tree)
    deadline = NOW + timedelta(days=3)
    results = _all_pass()
    results[0] = ResultIn(results[0].item_id, ItemResult.FAIL, hazard_deadline=deadline)
    _record(tree, inspection_id, *results)
    with tree.begin() as session:
        view = complete_inspection(session, inspection_id, "insp-s1", CONFIG, now=NOW)
        hazard = get_hazard(session, view.hazard_ids[0])
    assert hazard.deadline == deadline
    assert hazard.description.startswith(FIRE.items[0].text.zh)


@pytest.mark.parametrize(
    ("result", "error"),
    [
        (ResultIn("no.such.item", ItemResult.PASS), "results.1.item_id: no item 'no.such.item'"),
        (
            ResultIn(
                "fire.duty.responsible_person", ItemResult.PASS, hazard_grade=HazardGrade.MAJOR
            ),
            "results.1: only a failed item",
        ),
        (
            ResultIn("fire.duty.responsible_person", ItemResult.FAIL, hazard_deadline=NOW),
            "results.1.hazard_deadline: expected a time in the future",
        ),
        (ResultIn("fire.duty.responsible_person", ItemResult.FAIL, "a\x00b"), "results.1.note"),
    ],
    ids=["unknown-item", "grade-on-pass", "past-deadline", "nul"],
)
def test_bad_result_changes_nothing(
    tree: sessionmaker[Session], result: ResultIn, error: str
) -> None:
    inspection_id = _start(tree)
    first = ResultIn(FIRE.items[1].id, ItemResult.PASS)
    with pytest.raises(InspectionError, match=re.escape(error)), tree.begin() as session:
        record_results(session, inspection_id, [first, result], "insp-s1", now=NOW)
    with tree() as session:
        assert all(item.result is None for item in get_inspection(session, inspection_id).items)


def test_completion_needs_every_result_and_then_freezes(tree: sessionmaker[Session]) -> None:
    inspection_id = _start(tree)
    _record(tree, inspection_id, *_all_pass()[:-3])
    with pytest.raises(InspectionClosed, match="3 items have no result"), tree.begin() as s:
        complete_inspection(s, inspection_id, "insp-s1", CONFIG, now=NOW)
    _record(tree, inspection_id, *_all_pass())
    with tree.begin() as session:
        assert not complete_inspection(session, inspection_id, "insp-s1", CONFIG).hazard_ids
    for change in (
        lambda s: record_results(s, inspection_id, _all_pass()[:1], "insp-s1"),
        lambda s: complete_inspection(s, inspection_id, "insp-s1", CONFIG),
        lambda s: attach_evidence(s, inspection_id, EventRef(1), "insp-s1"),
    ):
        with pytest.raises(InspectionClosed, match="is completed"), tree.begin() as session:
            change(session)


def test_list_is_newest_first_and_limited_to_facilities(tree: sessionmaker[Session]) -> None:
    first = _start(tree, facility_id="fac-a")
    second = _start(tree, CHECKLISTS[ChecklistKind.SERVICE_QUALITY], facility_id="fac-a")
    _start(tree, facility_id="fac-c")
    with tree() as session:
        assert [v.id for v in list_inspections(session, {"fac-a", "fac-b"})] == [second, first]
        assert [
            v.id for v in list_inspections(session, {"fac-a"}, kind=ChecklistKind.FIRE_SAFETY)
        ] == [first]
        assert list_inspections(session, set()) == []
        assert list_inspections(session, {"fac-a"}, status=InspectionStatus.COMPLETED) == []


# --- evidence ----------------------------------------------------------------------------


@pytest.fixture
def record_event(
    tree: sessionmaker[Session], make_event: Callable[..., SafetyEvent]
) -> Callable[..., int]:
    store = EventStore(tree)

    def record(camera_id: str, snapshot: str | None = None) -> int:
        event = make_event(camera_id=camera_id)
        event_id = store.record_event(event)
        if snapshot is not None:
            store.attach_media(event.key, snapshot_path=snapshot)
        return event_id

    return record


def test_event_evidence_of_the_facility(
    tree: sessionmaker[Session], record_event: Callable[..., int]
) -> None:
    inspection_id = _start(tree)
    with_snapshot = record_event("cam-a2", snapshot="snapshots/x.jpg")
    bare = record_event("cam-a1")
    item_id = FIRE.items[1].id
    with tree.begin() as session:
        attach_evidence(session, inspection_id, EventRef(with_snapshot, EvidenceKind.SNAPSHOT), "i")
        attach_evidence(session, inspection_id, EventRef(bare), "i", item_id=item_id, note="n")
        view = get_inspection(session, inspection_id)
        assert held_event_ids(session) == {with_snapshot, bare}
    assert [(e.kind, e.event_id, e.item_id, e.media_path) for e in view.evidence] == [
        (EvidenceKind.SNAPSHOT, with_snapshot, None, "snapshots/x.jpg"),
        (EvidenceKind.EVENT, bare, item_id, None),
    ]
    assert _audit_actions(tree)[-2:] == ["evidence_attached"] * 2


@pytest.mark.parametrize(
    ("camera_id", "kind", "error"),
    [
        ("cam-b1", EvidenceKind.EVENT, EventNotInFacility),  # another facility's event
        (None, EvidenceKind.EVENT, EventNotInFacility),  # no such event
        ("cam-a1", EvidenceKind.CLIP, EvidenceError),  # no clip yet
        ("cam-a1", EvidenceKind.FILE, EvidenceError),
    ],
)
def test_event_evidence_refused(
    tree: sessionmaker[Session],
    record_event: Callable[..., int],
    camera_id: str | None,
    kind: EvidenceKind,
    error: type[Exception],
) -> None:
    inspection_id = _start(tree)
    event_id = 999 if camera_id is None else record_event(camera_id)
    with pytest.raises(error) as raised, tree.begin() as session:
        attach_evidence(session, inspection_id, EventRef(event_id, kind), "insp-s1")
    if error is EventNotInFacility:  # reads as a missing id, whoever's event it is
        assert str(raised.value) == f"event {event_id} not found"


@pytest.mark.parametrize(
    ("data", "declared", "stored_type", "error"),
    [
        (JPEG, "image/jpeg", "image/jpeg", None),
        (PNG, "image/png; charset=binary", "image/png", None),
        (b"", "image/jpeg", None, UnsupportedEvidenceType),
        (JPEG, "image/gif", None, UnsupportedEvidenceType),
        (JPEG, None, None, UnsupportedEvidenceType),
        (b"<html>" + JPEG, "image/jpeg", None, UnsupportedEvidenceType),
        (PNG, "image/jpeg", None, UnsupportedEvidenceType),
        (JPEG + b"\x00" * 2000, "image/jpeg", None, EvidenceTooLarge),
    ],
    ids=["jpeg", "png", "empty", "gif", "no-type", "html", "png-as-jpeg", "too-large"],
)
def test_store_image(
    tmp_path: Path,
    data: bytes,
    declared: str | None,
    stored_type: str | None,
    error: type[Exception] | None,
) -> None:
    media_root = tmp_path / "media"
    if error is not None:
        with pytest.raises(error):
            store_image(media_root, "evidence/7", io.BytesIO(data), declared, max_bytes=1024)
        assert not list(media_root.rglob("*.*"))  # nothing left behind, not even a part file
        return
    stored = store_image(media_root, "evidence/7", io.BytesIO(data), declared, max_bytes=1024)
    assert re.fullmatch(r"evidence/7/[0-9a-f]{32}\.(jpg|png)", stored.path)
    assert (stored.content_type, stored.size_bytes) == (stored_type, len(data))
    assert (media_root / stored.path).read_bytes() == data


# --- KPI: inspections done ---------------------------------------------------------------


def _complete_at(sessions: sessionmaker[Session], facility_id: str, at: datetime) -> None:
    inspection_id = _start(sessions, facility_id=facility_id)
    _record(sessions, inspection_id, *_all_pass())
    with sessions.begin() as session:
        complete_inspection(session, inspection_id, "insp-s1", CONFIG, now=at)


@pytest.mark.parametrize(
    ("facility_ids", "start_h", "end_h", "expected"),
    [
        (set(), 0, 48, 0),
        ({"fac-a"}, 0, 48, 2),
        ({"fac-a", "fac-c"}, 0, 48, 3),
        ({"fac-a"}, 1, 24, 1),  # start is inclusive
        ({"fac-a"}, 0, 1, 0),  # end is exclusive
        ({"fac-b"}, 0, 48, 0),  # only an inspection in progress there
    ],
)
def test_inspections_done(
    tree: sessionmaker[Session], facility_ids: set[str], start_h: int, end_h: int, expected: int
) -> None:
    _complete_at(tree, "fac-a", NOW + timedelta(hours=1))
    _complete_at(tree, "fac-a", NOW + timedelta(hours=30))
    _complete_at(tree, "fac-c", NOW + timedelta(hours=2))
    _start(tree, facility_id="fac-b")
    with tree() as session:
        done = inspections_done(
            session, facility_ids, NOW + timedelta(hours=start_h), NOW + timedelta(hours=end_h)
        )
    assert done == expected


def test_inspections_done_refuses_a_backward_period(tree: sessionmaker[Session]) -> None:
    with pytest.raises(ValueError, match="start must be before end"), tree() as session:
        inspections_done(session, {"fac-a"}, NOW, NOW)

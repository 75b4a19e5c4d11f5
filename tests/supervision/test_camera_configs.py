"""Camera configuration versions: linear history, rollbacks as new versions, audit rows too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select

from supervision.audit.chain import verify_audit
from supervision.cameras import versions as cc
from supervision.cameras.versions import ConfigConflict, VersionKind
from supervision.events.reads import list_camera_health, list_events
from supervision.events.store import EventStore
from supervision.tables import AuditEntry, CameraConfigVersion
from tests.store_calls import read
from vision.events import SafetyEvent

BASE: dict[str, Any] = {
    "id": "cam-1",
    "name": "Corridor",
    "facility": "fac-1",
    "source": {"type": "file", "path": "a.mp4"},
    "fall": {"confirm_s": 1.0},
    "zones": [],
}


def config(**changes: Any) -> dict[str, Any]:
    return {**BASE, **changes}


def audit_rows(store: EventStore) -> list[tuple[str, str | None, dict[str, Any]]]:
    with store.sessions() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        return [(row.action, row.object_id, row.detail) for row in rows]


def save(store: EventStore, cfg: dict[str, Any], **options: Any) -> cc.ConfigVersion:
    options.setdefault("kind", VersionKind.EDITED)
    options.setdefault("action", "thresholds_change")
    with store.sessions.begin() as session:
        return cc.save_version(session, "cam-1", cfg, "op", **options)


def test_a_camera_without_versions_has_none(store: EventStore) -> None:
    with store.sessions() as session:
        assert cc.latest_version(session, "cam-1") is None
        assert cc.list_versions(session, "cam-1") == []
        assert cc.latest_configs(session) == {}
        assert cc.get_version(session, "cam-1", 1) is None


def test_versions_count_up_newest_first_each_with_its_audit_row(store: EventStore) -> None:
    first = save(store, config(), kind=VersionKind.SEEDED, action="camera_seed")
    second = save(store, config(fall={"confirm_s": 2.0}), note="fewer false alarms")

    with store.sessions() as session:
        listed = cc.list_versions(session, "cam-1")
        latest = cc.latest_configs(session)
    assert (first.version, second.version) == (1, 2)
    assert [v.version for v in listed] == [2, 1]
    assert listed[0].config["fall"] == {"confirm_s": 2.0} and listed[0].note == "fewer false alarms"
    assert listed[0].created_at.tzinfo is not None
    assert latest["cam-1"].version == 2
    assert audit_rows(store) == [
        ("camera_seed", "cam-1", {"version": 1, "kind": "seeded", "changed": sorted(BASE)}),
        ("thresholds_change", "cam-1", {"version": 2, "kind": "edited", "changed": ["fall"]}),
    ]


def test_a_rollback_is_a_new_version_equal_to_the_old_one(store: EventStore) -> None:
    save(store, config(), kind=VersionKind.SEEDED, action="camera_seed")
    save(store, config(zones=[{"id": "z", "kind": "exit"}]), action="zones_change")
    with store.sessions.begin() as session:
        old = cc.get_version(session, "cam-1", 1)
        assert old is not None
        back = cc.save_version(
            session,
            "cam-1",
            old.config,
            "op",
            VersionKind.ROLLED_BACK,
            "camera_rollback",
            rolled_back_to=1,
        )

    with store.sessions() as session:
        history = cc.list_versions(session, "cam-1")
    assert (back.version, back.kind, back.rolled_back_to) == (3, "rolled_back", 1)
    assert [v.version for v in history] == [3, 2, 1]
    assert history[0].config == history[2].config
    assert audit_rows(store)[-1] == (
        "camera_rollback",
        "cam-1",
        {"version": 3, "kind": "rolled_back", "changed": ["zones"], "rolled_back_to": 1},
    )


def test_a_stale_base_version_is_a_conflict_and_stores_nothing(store: EventStore) -> None:
    save(store, config(), kind=VersionKind.SEEDED, action="camera_seed")
    save(store, config(name="Hall"), base_version=1, action="camera_edit")

    with pytest.raises(ConfigConflict, match="base_version: camera 'cam-1' is at version 2"):
        save(store, config(name="Other"), base_version=1)
    with store.sessions() as session:
        assert [v.version for v in cc.list_versions(session, "cam-1")] == [2, 1]
    assert len(audit_rows(store)) == 2


@pytest.mark.parametrize(
    ("camera_id", "note", "error"),
    [
        ("cam-404", None, "camera 'cam-404' not found"),
        ("cam-1", "bad\x00note", "note must not contain NUL"),
    ],
)
def test_errors_name_the_problem(
    store: EventStore, camera_id: str, note: str | None, error: str
) -> None:
    with pytest.raises((LookupError, ValueError), match=error), store.sessions.begin() as session:
        cc.save_version(
            session, camera_id, config(), "op", VersionKind.EDITED, "camera_edit", note=note
        )
    assert audit_rows(store) == []


def test_version_and_audit_row_roll_back_together(store: EventStore, engine: Engine) -> None:
    with pytest.raises(RuntimeError), store.sessions.begin() as session:
        cc.save_version(session, "cam-1", config(), "op", VersionKind.EDITED, "camera_edit")
        raise RuntimeError("the camera refused the configuration")

    with store.sessions() as session:
        assert session.scalars(select(CameraConfigVersion)).all() == []
    assert audit_rows(store) == []
    assert verify_audit(engine).ok


def test_seeding_copies_only_cameras_without_history(store: EventStore) -> None:
    save(store, config(name="Edited in the dashboard"), kind=VersionKind.CREATED)
    settings = {"cam-1": config(), "cam-2": config(id="cam-2", name="Room 101")}

    with store.sessions.begin() as session:
        seeded = cc.seed_versions(session, settings)
    with store.sessions.begin() as session:
        again = cc.seed_versions(session, settings)
        kinds = cc.first_kinds(session)
        latest = cc.latest_configs(session)

    assert (seeded, again) == (["cam-2"], [])
    assert kinds == {"cam-1": VersionKind.CREATED, "cam-2": VersionKind.SEEDED}
    assert latest["cam-1"].config["name"] == "Edited in the dashboard"
    assert latest["cam-2"].actor == "settings"


@pytest.mark.parametrize(
    ("changed", "action"),
    [
        ([], "zones_change"),
        (["zones"], "zones_change"),
        (["lines", "zones"], "zones_change"),
        (["fall"], "thresholds_change"),
        (["fall", "zones"], "thresholds_change"),
        (["name"], "camera_edit"),
        (["fall", "source"], "camera_edit"),
    ],
)
def test_edit_action(changed: list[str], action: str) -> None:
    assert cc.edit_action(changed) == action


def test_changed_sections() -> None:
    assert cc.changed_sections({}, {}) == []
    assert cc.changed_sections(BASE, config(name="x", lines=[])) == ["lines", "name"]


def test_cameras_added_and_edited_keep_their_row(store: EventStore) -> None:
    with store.sessions.begin() as session:
        cc.add_camera(session, "cam-new", "fac-1", "Garden", "url")
    taken = "id: a camera with id 'cam-new' already exists"
    with pytest.raises(ConfigConflict, match=taken), store.sessions.begin() as session:
        cc.add_camera(session, "cam-new", "fac-1", "Garden", "url")
    with pytest.raises(ValueError, match="name must not"), store.sessions.begin() as session:
        cc.add_camera(session, "cam-x", "fac-1", "Gar\x00den", "url")
    with store.sessions.begin() as session:
        cc.update_camera(session, "cam-new", "fac-1", "Back garden", "demo")

    cameras = {view.id: view for view in read(store, list_camera_health)}
    assert (cameras["cam-new"].name, cameras["cam-new"].source_kind) == ("Back garden", "demo")
    assert "cam-x" not in cameras


def test_recorded_clips_newest_first_one_per_file(
    store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    keys = []
    for _ in range(4):
        event = make_event()
        store.record_event(event)
        keys.append(event.key)
    store.record_event(make_event(camera_id="cam-2"))
    store.attach_media(keys[0], clip_path="clips/a.mp4", clip_start_s=8.0)
    store.attach_media(keys[1], clip_path="clips/b.mp4", clip_start_s=15.0)
    store.attach_media(keys[2], clip_path="clips/b.mp4", clip_start_s=15.0)  # a shared clip

    with store.sessions() as session:
        clips = cc.recorded_clips(session, "cam-1", limit=5)
        newest = cc.recorded_clips(session, "cam-1", limit=1)
        none = cc.recorded_clips(session, "cam-2", limit=5)

    assert [c.clip_path for c in clips] == ["clips/b.mp4", "clips/a.mp4"]
    assert [c.clip_path for c in newest] == ["clips/b.mp4"]
    assert none == []
    # The first event started at video second 10 (see make_event), its clip at second 8.
    first_start = read(store, list_events, camera_id="cam-1")[-1].started_at
    assert clips[1].start_epoch_s == pytest.approx(first_start.timestamp() - 2.0)
    assert datetime.fromtimestamp(clips[1].start_epoch_s, UTC) < first_start

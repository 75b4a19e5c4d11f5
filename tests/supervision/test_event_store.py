"""EventStore against a real migrated database: events, media, cameras, revisions."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from streams.health import CameraHealth, CameraState
from supervision.events.incidents import transition_event
from supervision.events.reads import get_event, latest_revision_of, list_camera_health, list_events
from supervision.events.store import EventNotFound, EventStore, UnknownCamera, UnknownFacility
from supervision.events.views import CameraRecord, EventStatus, FacilityRecord
from supervision.org.tree import list_facilities
from tests.store_calls import read, write
from vision.events import SafetyEvent

MakeEvent = Callable[..., SafetyEvent]


def test_record_event_inserts_once_and_applies_the_end(
    store: EventStore, make_event: MakeEvent
) -> None:
    opened = make_event(start_s=3.0, started_at=1_760_000_000.0, confidence=0.7)
    event_id = store.record_event(opened)
    assert store.record_event(opened) == event_id
    revision_open = read(store, latest_revision_of)

    ended = dataclasses.replace(opened, end_s=5.5, confidence=0.9)
    assert store.record_event(ended) == event_id
    assert store.record_event(ended) == event_id
    # An open repeat arriving late never reopens an ended event.
    assert store.record_event(opened) == event_id

    view = read(store, get_event, event_id)
    assert view is not None
    assert (view.end_s, view.confidence, view.is_open) == (5.5, 0.7, False)
    assert view.started_at == datetime(2025, 10, 9, 8, 53, 20, tzinfo=UTC)
    assert view.ended_at == datetime(2025, 10, 9, 8, 53, 22, 500000, tzinfo=UTC)
    assert view.status is EventStatus.NEW
    assert view.revision > revision_open
    assert len(read(store, list_events)) == 1


def test_event_fields_round_trip(store: EventStore, make_event: MakeEvent) -> None:
    parent = make_event()
    child = make_event(parent_key=parent.key, track_id=None, end_s=99.0)
    store.record_event(parent)
    view = read(store, get_event, store.record_event(child))
    assert view is not None
    assert (view.key, view.parent_key, view.type, view.severity) == (
        child.key,
        parent.key,
        "fall",
        "critical",
    )
    assert view.thresholds == {"fall_drop_ratio": 0.4}
    assert view.model_versions == {"pose": "movenet-multipose-lightning"}
    assert view.track_id is None
    assert view.created_at.tzinfo is not None
    assert view.transitions == ()


def test_record_event_for_unknown_camera_is_refused(
    store: EventStore, make_event: MakeEvent
) -> None:
    with pytest.raises(UnknownCamera, match="cam-9"):
        store.record_event(make_event(camera_id="cam-9"))
    assert read(store, list_events) == []


def test_attach_media_sets_paths_and_keeps_others(store: EventStore, make_event: MakeEvent) -> None:
    event = make_event()
    event_id = store.record_event(event)
    store.attach_media(event.key, snapshot_path="snaps/a.jpg")
    store.attach_media(event.key, clip_path="clips/a.mp4", clip_start_s=1.5)
    view = read(store, get_event, event_id)
    assert view is not None
    assert (view.snapshot_path, view.clip_path, view.clip_start_s) == (
        "snaps/a.jpg",
        "clips/a.mp4",
        1.5,
    )
    with pytest.raises(EventNotFound):
        store.attach_media("no-such-key", snapshot_path="x.jpg")


def test_list_events_newest_first_with_filters(store: EventStore, make_event: MakeEvent) -> None:
    assert read(store, list_events) == []
    ids = [store.record_event(make_event(camera_id=f"cam-{n % 2 + 1}")) for n in range(5)]
    assert [view.id for view in read(store, list_events)] == ids[::-1]
    assert [view.id for view in read(store, list_events, limit=2)] == ids[:2:-1]
    assert [view.id for view in read(store, list_events, camera_id="cam-2")] == [ids[3], ids[1]]
    write(store, transition_event, ids[0], "acknowledge", actor="officer")
    assert [view.id for view in read(store, list_events, status="acknowledged")] == [ids[0]]
    assert read(store, list_events, limit=0) == []
    with pytest.raises(ValueError, match="limit"):
        read(store, list_events, limit=-1)


def test_since_revision_returns_changed_rows_only(store: EventStore, make_event: MakeEvent) -> None:
    assert read(store, latest_revision_of) == 0
    first, second, third = (make_event() for _ in range(3))
    ids = {event.key: store.record_event(event) for event in (first, second, third)}
    mark = read(store, latest_revision_of)
    assert read(store, list_events, since_revision=mark) == []

    store.attach_media(first.key, snapshot_path="a.jpg")
    write(store, transition_event, ids[third.key], "acknowledge", actor="officer")
    changed = read(store, list_events, since_revision=mark)
    assert [view.key for view in changed] == [third.key, first.key]
    assert read(store, latest_revision_of) == max(view.revision for view in changed) == mark + 2

    # A small page returns the earliest changes, so polling on from its max misses nothing.
    page = read(store, list_events, since_revision=0, limit=2)
    assert {view.key for view in page} == {second.key, first.key}
    rest = read(store, list_events, since_revision=max(view.revision for view in page))
    assert {view.key for view in page} | {view.key for view in rest} == set(ids)
    # A revision beyond any INTEGER column (a forged Last-Event-ID) has nothing after it.
    assert read(store, list_events, since_revision=2**40) == []
    assert len(read(store, list_events, since_revision=-(2**40))) == 3


def test_revisions_stay_unique_under_concurrent_writers(
    store: EventStore, make_event: MakeEvent
) -> None:
    events = [make_event() for _ in range(24)]

    def write(chunk: list[SafetyEvent]) -> None:
        for event in chunk:
            store.record_event(event)

    threads = [threading.Thread(target=write, args=(events[n::4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    revisions = sorted(view.revision for view in read(store, list_events))
    assert revisions == list(range(1, 25))


def test_camera_health_update(store: EventStore) -> None:
    cameras = {camera.id: camera for camera in read(store, list_camera_health)}
    assert set(cameras) == {"cam-1", "cam-2"}
    assert cameras["cam-1"].state == "stopped"
    assert cameras["cam-1"].last_frame_at is None

    health = CameraHealth(
        camera_id="cam-1",
        state=CameraState.STALLED,
        last_frame_at=1_760_000_000.25,
        fps=14.5,
        frames_read=900,
        frames_dropped=12,
        reconnects=2,
        error="no frame for 5.0 s",
    )
    store.update_camera_health(health)
    camera = next(camera for camera in read(store, list_camera_health) if camera.id == "cam-1")
    assert camera.state == "stalled"
    assert camera.last_frame_at == datetime(2025, 10, 9, 8, 53, 20, 250000, tzinfo=UTC)
    assert (camera.fps, camera.frames_read, camera.frames_dropped) == (14.5, 900, 12)
    assert (camera.reconnects, camera.last_error) == (2, "no frame for 5.0 s")
    assert camera.updated_at.tzinfo is not None

    with pytest.raises(UnknownCamera):
        store.update_camera_health(CameraHealth("cam-9", CameraState.ONLINE, None, 0.0, 0, 0, 0))


def test_sync_topology_upserts(store: EventStore) -> None:
    store.sync_topology([], [])
    assert [facility.id for facility in read(store, list_facilities)] == ["fac-1"]

    renamed = FacilityRecord(id="fac-1", name="Sunrise Home East", kind="community_centre")
    moved = CameraRecord(id="cam-2", facility_id="fac-2", name="Hall", source_kind="usb")
    store.sync_topology([renamed, FacilityRecord(id="fac-2", name="Street Centre")], [moved])
    facility = read(store, list_facilities)[0]
    assert (facility.name, facility.kind) == (renamed.name, renamed.kind)
    camera = next(camera for camera in read(store, list_camera_health) if camera.id == "cam-2")
    assert (camera.facility_id, camera.name, camera.source_kind) == ("fac-2", "Hall", "usb")
    assert len(read(store, list_camera_health)) == 2

    orphan = CameraRecord(id="cam-3", facility_id="fac-9", name="X", source_kind="file")
    with pytest.raises(UnknownFacility, match="fac-9"):
        store.sync_topology([], [orphan])
    assert len(read(store, list_camera_health)) == 2


def test_escalation_raises_the_level_and_never_lowers_it(store, make_event) -> None:  # type: ignore[no-untyped-def]
    event = make_event(type="long_lie")
    event_id = store.record_event(event)
    before = read(store, get_event, event_id).revision
    store.record_event(dataclasses.replace(event, level=3))
    store.record_event(dataclasses.replace(event, level=2))
    view = read(store, get_event, event_id)
    assert view.level == 3 and view.revision > before

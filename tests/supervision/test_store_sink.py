"""StoreSink: writes never block the caller, and nothing is lost while the database is down."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from supervision.events.reads import list_events
from supervision.events.store import EventStore
from supervision.writer.sink import EventSink, MemorySink, SinkState, StoreSink
from supervision.writer.spool import JsonlSpool
from supervision.writer.writes import Write
from tests.store_calls import read
from vision.events import SafetyEvent

MakeEvent = Callable[..., SafetyEvent]
WaitUntil = Callable[..., None]


class Outage:
    """Makes the real database refuse writes, then heals it."""

    def __init__(self, how: str, engine: Engine, sqlite_file: Path | None) -> None:
        self._how = how
        self._engine = engine
        self._sqlite_file = sqlite_file
        self._locker: sqlite3.Connection | None = None

    def begin(self) -> None:
        if self._how == "table_missing":
            self._rename("events", "events_parked")
            return
        # Another process-like connection holds the write lock: "database is locked".
        self._locker = sqlite3.connect(str(self._sqlite_file), isolation_level=None)
        self._locker.execute("BEGIN EXCLUSIVE")

    def end(self) -> None:
        if self._locker is not None:
            self._locker.execute("ROLLBACK")
            self._locker.close()
            self._locker = None
            return
        self._rename("events_parked", "events")

    def _rename(self, old: str, new: str) -> None:
        with self._engine.begin() as connection:
            connection.exec_driver_sql(f"ALTER TABLE {old} RENAME TO {new}")


@pytest.fixture(params=["table_missing", "locked"])
def outage(request: pytest.FixtureRequest, engine: Engine) -> Outage:
    sqlite_file = request.getfixturevalue("sqlite_file") if request.param == "locked" else None
    return Outage(request.param, engine, sqlite_file)


def _sink(store: EventStore, tmp_path: Path, written: list[str] | None = None) -> StoreSink:
    def on_written(write: Write, event_id: int) -> None:
        assert event_id > 0
        if written is not None:
            written.append(write.event_key)

    return StoreSink(
        store,
        tmp_path / "spool" / "events.jsonl",
        retry_initial_s=0.02,
        retry_max_s=0.1,
        on_written=on_written,
    )


def _spooled_kinds(path: Path) -> list[str]:
    return [json.loads(line)["kind"] for line in path.read_text().splitlines()]


def test_writes_go_through_in_order(
    store: EventStore, make_event: MakeEvent, tmp_path: Path, wait_until: WaitUntil
) -> None:
    written: list[str] = []
    sink = _sink(store, tmp_path, written)
    sink.start()
    assert sink.state is SinkState.RUNNING
    event = make_event()
    sink.emit(event)
    sink.attach_media(event.key, snapshot_path=tmp_path / "a.jpg")
    wait_until(lambda: sink.pending() == 0)
    sink.stop()
    assert sink.state is SinkState.STOPPED
    assert written == [event.key, event.key]
    view = read(store, list_events)[0]
    assert (view.key, view.snapshot_path) == (event.key, str(tmp_path / "a.jpg"))
    assert not sink.spool_path.exists()


def test_outage_spools_then_replays(
    store: EventStore,
    make_event: MakeEvent,
    tmp_path: Path,
    wait_until: WaitUntil,
    outage: Outage,
) -> None:
    written: list[str] = []
    sink = _sink(store, tmp_path, written)
    sink.start()
    outage.begin()
    first, second = make_event(), make_event()
    sink.emit(first)
    sink.emit(dataclasses.replace(first, end_s=first.start_s + 2.0))
    sink.attach_media(first.key, clip_path="clips/first.mp4", clip_start_s=0.5)
    sink.emit(second)
    wait_until(lambda: len(_spooled_lines(sink)) == 4)
    assert _spooled_kinds(sink.spool_path) == ["event", "event", "media", "event"]
    assert sink.pending() == 4
    assert written == []

    outage.end()
    wait_until(lambda: sink.pending() == 0)
    sink.stop()
    assert not sink.spool_path.exists()
    assert written == [first.key, first.key, first.key, second.key]
    views = {view.key: view for view in read(store, list_events)}
    assert set(views) == {first.key, second.key}
    assert (views[first.key].end_s, views[first.key].clip_path) == (
        first.start_s + 2.0,
        "clips/first.mp4",
    )


def test_stop_spools_what_it_cannot_write_and_next_start_replays(
    store: EventStore, make_event: MakeEvent, tmp_path: Path, wait_until: WaitUntil, engine: Engine
) -> None:
    outage = Outage("table_missing", engine, None)
    outage.begin()
    sink = _sink(store, tmp_path)
    events = [make_event() for _ in range(3)]
    for event in events:
        sink.emit(event)  # before start: queued, never blocking
    sink.start()
    sink.stop()
    assert sink.pending() == 3
    sink.emit(make_event())  # after stop: straight to the spool
    assert sink.pending() == 4

    outage.end()
    again = _sink(store, tmp_path)
    assert again.pending() == 4
    again.start()
    wait_until(lambda: again.pending() == 0)
    again.stop()
    assert len(read(store, list_events)) == 4
    assert {view.key for view in read(store, list_events)} >= {event.key for event in events}


def test_refused_writes_are_set_aside_without_blocking_the_rest(
    store: EventStore, make_event: MakeEvent, tmp_path: Path, wait_until: WaitUntil
) -> None:
    sink = _sink(store, tmp_path)
    spool = JsonlSpool(sink.spool_path)
    spool.append([{"kind": "nonsense"}])
    spool.path.write_text(spool.path.read_text() + "{torn line")
    sink = _sink(store, tmp_path)
    sink.start()
    good = make_event()
    sink.emit(make_event(camera_id="cam-unknown"))
    sink.attach_media("no-such-event", snapshot_path="x.jpg")
    sink.emit(good)
    wait_until(lambda: sink.pending() == 0)
    sink.stop()
    assert [view.key for view in read(store, list_events)] == [good.key]
    rejected = [json.loads(line) for line in sink.rejected_path.read_text().splitlines()]
    assert len(rejected) == 4
    assert "UnknownCamera" in rejected[2]["error"]
    assert "EventNotFound" in rejected[3]["error"]


def test_start_twice_is_refused(store: EventStore, tmp_path: Path) -> None:
    sink = _sink(store, tmp_path)
    sink.start()
    with pytest.raises(RuntimeError, match="running"):
        sink.start()
    sink.stop()
    sink.stop()
    assert sink.state is SinkState.STOPPED


def test_memory_sink_keeps_writes_in_order(make_event: MakeEvent) -> None:
    sink: EventSink = MemorySink()
    event = make_event()
    sink.emit(event)
    sink.attach_media(event.key, snapshot_path=Path("s.jpg"))
    assert isinstance(sink, MemorySink)
    assert sink.events == [event]
    assert sink.writes[1].event_key == event.key


def test_spool_survives_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "spool.jsonl"
    path.write_text('{"kind": "media"}\n{"kind": "ev')
    spool = JsonlSpool(path)
    spool.append([{"kind": "event"}])
    assert spool.read() == ['{"kind": "media"}', '{"kind": "ev', '{"kind": "event"}']
    assert len(spool) == 3
    spool.drop_first(2)
    assert (spool.read(), len(JsonlSpool(path))) == (['{"kind": "event"}'], 1)
    spool.drop_first(0)
    spool.drop_first(1)
    assert not path.exists()


def _spooled_lines(sink: StoreSink) -> list[str]:
    # Read the file directly: opening a JsonlSpool on it would race the writer thread.
    if not sink.spool_path.exists():
        return []
    return [line for line in sink.spool_path.read_text().splitlines() if line.strip()]

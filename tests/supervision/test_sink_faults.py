"""The writer survives what a real box does to it: a hung database and a full disk."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from supervision.events.reads import list_events
from supervision.events.store import EventStore
from supervision.writer.sink import StoreSink
from tests.conftest import SQLITE_PASS_ONLY
from tests.disk_full import fill, free_up, small_disk
from tests.store_calls import read
from vision.events import SafetyEvent

MakeEvent = Callable[..., SafetyEvent]
WaitUntil = Callable[..., None]


class Hanging:
    """The store, but the first write hangs until released, as on a frozen server."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.release = threading.Event()
        self._first = True

    def record_event(self, event: SafetyEvent) -> int:
        if self._first:
            self._first = False
            self.release.wait()
        return self.store.record_event(event)

    def attach_media(self, event_key: str, *args: object, **kwargs: object) -> int:
        return self.store.attach_media(event_key, *args, **kwargs)  # type: ignore[arg-type]


class Switchable:
    """The store behind a switch: down, every write fails as with a refused connection."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.down = True

    def record_event(self, event: SafetyEvent) -> int:
        if self.down:
            raise ConnectionRefusedError("connection refused")
        return self.store.record_event(event)

    def attach_media(self, event_key: str, *args: object, **kwargs: object) -> int:
        if self.down:
            raise ConnectionRefusedError("connection refused")
        return self.store.attach_media(event_key, *args, **kwargs)  # type: ignore[arg-type]


def _keys(store: EventStore) -> list[str]:
    return sorted(event.key for event in read(store, list_events, limit=1000))


@SQLITE_PASS_ONLY
def test_a_hung_database_spools_within_the_write_timeout(
    store: EventStore, make_event: MakeEvent, tmp_path: Path, wait_until: WaitUntil
) -> None:
    target = Hanging(store)
    sink = StoreSink(target, tmp_path / "spool.jsonl", retry_initial_s=0.05, write_timeout_s=0.3)
    sink.start()
    events = [make_event() for _ in range(3)]
    for event in events:
        sink.emit(event)
    wait_until(lambda: sink.health().spooled == 3, timeout_s=3)
    health = sink.health()
    assert health.database_error and "did not answer within 0.3 s" in health.database_error
    assert not health.ok and health.since_s is not None
    target.release.set()  # the server thaws: the stuck write commits late, the spool replays
    wait_until(lambda: sink.pending() == 0, timeout_s=5)
    sink.stop()
    assert _keys(store) == sorted(event.key for event in events)  # each exactly once
    assert sink.health().ok


@SQLITE_PASS_ONLY
def test_a_full_disk_uses_the_reserve_then_memory_and_loses_nothing(
    store: EventStore, make_event: MakeEvent, tmp_path: Path, wait_until: WaitUntil
) -> None:
    target = Switchable(store)
    with small_disk(tmp_path / "disk", 1 << 20) as disk:
        sink = StoreSink(target, disk / "spool.jsonl", retry_initial_s=0.05, reserve_bytes=4096)
        assert sink.health().reserve_held
        sink.start()
        fill(disk)
        first = [make_event() for _ in range(2)]
        for event in first:
            sink.emit(event)
        wait_until(lambda: sink.health().spooled == 2)  # in the reserve's room
        assert not sink.health().reserve_held
        later = [make_event() for _ in range(40)]  # ~1 KB each: more than the reserve holds
        for event in later:
            sink.emit(event)
        wait_until(lambda: sink.health().held_in_memory > 0 and sink.pending() == 42)
        health = sink.health()
        assert health.spool_error and "No space left on device" in health.spool_error
        free_up(disk)
        target.down = False
        wait_until(lambda: sink.pending() == 0, timeout_s=10)
        sink.stop()
        assert sink.health().ok and sink.health().reserve_held
        assert _keys(store) == sorted(event.key for event in first + later)
        assert not list(disk.glob("*.tmp"))

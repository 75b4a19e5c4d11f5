"""Event sinks: where analytics hand events; StoreSink writes them without ever blocking."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from sqlalchemy.exc import DataError, IntegrityError

from supervision.spool import JsonlSpool, decode
from supervision.writes import EventWrite, MediaWrite, Write, WriteTarget, write_from_record
from vision.events import SafetyEvent

log = logging.getLogger(__name__)

OnWritten = Callable[[Write, int], None]  # the write and its event's id
PathLike = str | os.PathLike[str]

# The store refuses these for good (unknown camera or event, bad data): retrying cannot help.
REJECTED_ERRORS: tuple[type[Exception], ...] = (
    LookupError,
    ValueError,
    TypeError,
    IntegrityError,
    DataError,
)


class EventSink(Protocol):
    """Where analytics send events and, later, the media recorded for them."""

    def emit(self, event: SafetyEvent) -> None: ...

    def attach_media(
        self,
        event_key: str,
        snapshot_path: PathLike | None = None,
        clip_path: PathLike | None = None,
        clip_start_s: float | None = None,
    ) -> None: ...


class MemorySink:
    """Keeps what it is given, in order; the fake for tests and for runs without a database."""

    def __init__(self) -> None:
        self.writes: list[Write] = []

    @property
    def events(self) -> list[SafetyEvent]:
        return [write.event for write in self.writes if isinstance(write, EventWrite)]

    def emit(self, event: SafetyEvent) -> None:
        self.writes.append(EventWrite(event))

    def attach_media(
        self,
        event_key: str,
        snapshot_path: PathLike | None = None,
        clip_path: PathLike | None = None,
        clip_start_s: float | None = None,
    ) -> None:
        self.writes.append(_media_write(event_key, snapshot_path, clip_path, clip_start_s))


class SinkState(StrEnum):
    CREATED = "created"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"


class StoreSink:
    """Writes events on a background thread; what cannot be written waits in a spool file.

    Writes keep their order: while anything waits in the spool, new writes queue behind it.
    The spool is retried with exponential backoff and at start. Writes the store refuses
    for good go to `rejected_path` (JSON lines with the error) instead of blocking the rest.
    """

    def __init__(
        self,
        store: WriteTarget,
        spool_path: Path,
        *,
        retry_initial_s: float = 1.0,
        retry_max_s: float = 30.0,
        on_written: OnWritten | None = None,
    ) -> None:
        if not 0 < retry_initial_s <= retry_max_s:
            raise ValueError("need 0 < retry_initial_s <= retry_max_s")
        self._store = store
        self._spool = JsonlSpool(Path(spool_path))
        self._rejected = JsonlSpool(Path(spool_path).with_suffix(".rejected.jsonl"))
        self._on_written = on_written
        self._retry_initial_s = retry_initial_s
        self._retry_max_s = retry_max_s
        self._backoff_s = retry_initial_s
        self._retry_at = 0.0
        self._queue: queue.SimpleQueue[Write | None] = queue.SimpleQueue()
        self._queued = 0
        self._count_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.state = SinkState.CREATED

    @property
    def spool_path(self) -> Path:
        return self._spool.path

    @property
    def rejected_path(self) -> Path:
        return self._rejected.path

    def pending(self) -> int:
        """Writes not yet in the database: queued, being written, or spooled."""
        return self._queued + len(self._spool)

    def emit(self, event: SafetyEvent) -> None:
        self._put(EventWrite(event))

    def attach_media(
        self,
        event_key: str,
        snapshot_path: PathLike | None = None,
        clip_path: PathLike | None = None,
        clip_start_s: float | None = None,
    ) -> None:
        self._put(_media_write(event_key, snapshot_path, clip_path, clip_start_s))

    def start(self) -> None:
        if self.state is not SinkState.CREATED:
            raise RuntimeError(f"cannot start a sink that is {self.state}")
        self.state = SinkState.RUNNING
        self._thread = threading.Thread(target=self._run, name="store-sink", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Write or spool everything queued, then end the writer thread."""
        if self.state is SinkState.RUNNING:
            self.state = SinkState.STOPPING
            self._queue.put(None)
            assert self._thread is not None
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                log.warning("sink writer busy after %.1f s; spooling the rest", timeout_s)
        with self._state_lock:
            self.state = SinkState.STOPPED
            self._spool_leftovers()

    def _put(self, write: Write) -> None:
        with self._state_lock:
            if self.state is SinkState.STOPPED:
                # Nobody will write it now; the spool keeps it for the next start.
                self._spool.append([write.to_record()])
                return
            self._add_queued(1)
            self._queue.put(write)

    def _spool_leftovers(self) -> None:
        while True:
            try:
                write = self._queue.get_nowait()
            except queue.Empty:
                return
            if write is not None:
                self._spool.append([write.to_record()])
                self._add_queued(-1)

    def _add_queued(self, delta: int) -> None:
        with self._count_lock:
            self._queued += delta

    def _run(self) -> None:
        self._replay()
        while self.state is SinkState.RUNNING:
            write = self._take(self._wait_s())
            if write is not None:
                self._handle(write)
            if len(self._spool) and time.monotonic() >= self._retry_at:
                self._replay()
        self._drain()

    def _wait_s(self) -> float | None:
        if not len(self._spool):
            return None
        return max(0.0, self._retry_at - time.monotonic())

    def _take(self, timeout_s: float | None) -> Write | None:
        try:
            return self._queue.get(timeout=timeout_s)
        except queue.Empty:
            return None

    def _drain(self) -> None:
        self._replay()
        while True:
            try:
                write = self._queue.get_nowait()
            except queue.Empty:
                return
            if write is not None:
                self._handle(write)

    def _handle(self, write: Write) -> None:
        # Nothing overtakes what waits in the spool, so media never lands before its event.
        if len(self._spool) or not self._try_write(write):
            self._spool.append([write.to_record()])
            self._schedule_retry()
        self._add_queued(-1)

    def _replay(self) -> None:
        lines = self._spool.read()
        done = 0
        for line in lines:
            if not self._try_line(line):
                break
            done += 1
        self._spool.drop_first(done)
        if done < len(lines):
            self._schedule_retry()
        else:
            self._backoff_s = self._retry_initial_s

    def _try_line(self, line: str) -> bool:
        try:
            write = write_from_record(decode(line))
        except (ValueError, KeyError, TypeError) as error:
            log.error("spooled line unreadable, set aside: %s", error)
            self._rejected.append([{"line": line, "error": repr(error)}])
            return True
        return self._try_write(write)

    def _try_write(self, write: Write) -> bool:
        """True when the write is done with (written or rejected), False to retry later."""
        try:
            event_id = write.apply(self._store)
        except REJECTED_ERRORS as error:
            log.error("store rejected %s: %s", write.event_key, error)
            self._rejected.append([{**write.to_record(), "error": repr(error)}])
            return True
        except Exception as error:  # the writer must outlive any failure; retried later
            log.warning("write of %s failed, spooling: %s", write.event_key, error)
            return False
        self._notify(write, event_id)
        return True

    def _notify(self, write: Write, event_id: int) -> None:
        if self._on_written is None:
            return
        try:
            self._on_written(write, event_id)
        except Exception:  # a listener's bug must not stop the writes
            log.exception("on_written callback failed for %s", write.event_key)

    def _schedule_retry(self) -> None:
        if time.monotonic() < self._retry_at:
            return
        self._retry_at = time.monotonic() + self._backoff_s
        self._backoff_s = min(self._backoff_s * 2, self._retry_max_s)


def _media_write(
    event_key: str,
    snapshot_path: PathLike | None,
    clip_path: PathLike | None,
    clip_start_s: float | None,
) -> MediaWrite:
    return MediaWrite(
        event_key=event_key,
        snapshot_path=None if snapshot_path is None else os.fspath(snapshot_path),
        clip_path=None if clip_path is None else os.fspath(clip_path),
        clip_start_s=clip_start_s,
    )

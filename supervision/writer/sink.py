"""Event sinks: where analytics hand events; StoreSink writes them without ever blocking."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Protocol

from sqlalchemy.exc import DataError, IntegrityError

from supervision.health import SinkHealth
from supervision.trouble import first_line
from supervision.writer.deadline import DeadlineCaller
from supervision.writer.spool import DEFAULT_RESERVE_BYTES, JsonlSpool, Record, decode
from supervision.writer.writes import EventWrite, MediaWrite, Write, WriteTarget, write_from_record
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
    A write that takes longer than `write_timeout_s` (a hung database) counts as failed and
    is spooled; writes are idempotent by event key, so its late commit doubles nothing.
    When the spool itself cannot be written (disk full past its reserve), writes wait in
    memory, `health()` says so, and they go to the spool or database as soon as either can
    take them. The writer thread outlives every failure.
    """

    def __init__(
        self,
        store: WriteTarget,
        spool_path: Path,
        *,
        retry_initial_s: float = 1.0,
        retry_max_s: float = 30.0,
        on_written: OnWritten | None = None,
        write_timeout_s: float = 5.0,
        reserve_bytes: int = DEFAULT_RESERVE_BYTES,
    ) -> None:
        if not 0 < retry_initial_s <= retry_max_s:
            raise ValueError("need 0 < retry_initial_s <= retry_max_s")
        self._store = store
        self._spool = JsonlSpool(Path(spool_path), reserve_bytes)
        self._rejected = JsonlSpool(Path(spool_path).with_suffix(".rejected.jsonl"))
        self._on_written = on_written
        self._retry_initial_s = retry_initial_s
        self._retry_max_s = retry_max_s
        self._backoff_s = retry_initial_s
        self._retry_at = 0.0
        self._database = DeadlineCaller(write_timeout_s, "store-sink-db", "the database")
        self._held: deque[Write] = deque()  # neither written nor spooled (spool unwritable)
        self._database_error: str | None = None
        self._spool_error: str | None = None
        self._trouble_since_s: float | None = None
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
        """Writes not yet in the database: queued, being written, spooled or held."""
        return self._queued + len(self._spool) + len(self._held)

    def health(self) -> SinkHealth:
        return SinkHealth(
            database_error=self._database_error,
            spool_error=self._spool_error,
            spooled=len(self._spool),
            held_in_memory=len(self._held),
            reserve_held=self._spool.reserve_held,
            since_s=self._trouble_since_s,
        )

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
        self._database.start()

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
        self._database.stop()

    def _put(self, write: Write) -> None:
        with self._state_lock:
            if self.state is SinkState.STOPPED:
                # Nobody will write it now; the spool keeps it for the next start.
                self._keep(write)
                return
            self._add_queued(1)
            self._queue.put(write)

    def _spool_leftovers(self) -> None:
        while True:
            try:
                write = self._queue.get_nowait()
            except queue.Empty:
                break
            if write is not None:
                self._keep(write)
                self._add_queued(-1)
        if self._held:
            log.critical(
                "%d write(s) lost at stop: neither the database nor the spool %s could take "
                "them (%s)",
                len(self._held),
                self._spool.path,
                self._spool_error,
            )

    def _add_queued(self, delta: int) -> None:
        with self._count_lock:
            self._queued += delta

    def _run(self) -> None:
        self._guarded(self._replay)
        while self.state is SinkState.RUNNING:
            write = self._take(self._wait_s())
            if write is not None:
                self._guarded(self._handle, write)
            if self._waiting() and time.monotonic() >= self._retry_at:
                self._guarded(self._replay)
        self._guarded(self._drain)

    def _guarded(self, step: Callable[..., None], *args: Write) -> None:
        """Run one step of the writer; an unexpected failure is logged and retried, never fatal."""
        try:
            step(*args)
        except Exception:
            log.exception("sink writer step failed; retrying")
            for write in args:  # a write taken from the queue must not vanish
                self._held.append(write)
                self._add_queued(-1)
            self._schedule_retry()

    def _waiting(self) -> int:
        return len(self._spool) + len(self._held)

    def _wait_s(self) -> float | None:
        if not self._waiting():
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
        # Nothing overtakes what waits, so media never lands before its event.
        if self._waiting() or not self._try_write(write):
            self._keep(write)
            self._schedule_retry()
        self._add_queued(-1)

    def _keep(self, write: Write) -> None:
        """Spool `write` behind what waits; hold it in memory while the spool cannot be written."""
        self._held.append(write)
        self._spool_held()

    def _spool_held(self) -> None:
        if not self._held:
            return
        try:
            self._spool.append([write.to_record() for write in self._held])
        except OSError as error:
            if self._spool_error is None:
                log.critical(
                    "spool %s cannot be written (%s): %d write(s) wait in memory only",
                    self._spool.path,
                    error,
                    len(self._held),
                )
            self._spool_error = f"spool not writable: {error}"
            self._note_trouble()
            return
        if self._spool_error is not None:
            log.warning(
                "spool %s writable again; %d write(s) kept", self._spool.path, len(self._held)
            )
        self._spool_error = None
        self._held.clear()
        self._clear_trouble()

    def _replay(self) -> None:
        self._spool_held()
        lines = self._spool.read()
        done = 0
        for line in lines:
            if not self._try_line(line):
                break
            done += 1
        self._spool.drop_first(done)
        if done == len(lines):
            self._write_held()
        if self._waiting():
            self._schedule_retry()
        else:
            self._backoff_s = self._retry_initial_s

    def _write_held(self) -> None:
        """Writes the spool could not take go straight to the database, oldest first."""
        while self._held and self._try_write(self._held[0]):
            self._held.popleft()

    def _try_line(self, line: str) -> bool:
        try:
            write = write_from_record(decode(line))
        except (ValueError, KeyError, TypeError) as error:
            log.error("spooled line unreadable, set aside: %s", error)
            self._reject({"line": line, "error": repr(error)})
            return True
        return self._try_write(write)

    def _try_write(self, write: Write) -> bool:
        """True when the write is done with (written or rejected), False to retry later."""
        try:
            event_id = self._database.call(partial(write.apply, self._store))
        except REJECTED_ERRORS as error:
            log.error("store rejected %s: %s", write.event_key, error)
            self._reject({**write.to_record(), "error": repr(error)})
            return True
        except Exception as error:  # the writer must outlive any failure; retried later
            self._database_failed(write, error)
            return False
        if self._database_error is not None:
            log.warning("database writable again")
        self._database_error = None
        self._clear_trouble()
        self._notify(write, event_id)
        return True

    def _database_failed(self, write: Write, error: Exception) -> None:
        line = first_line(error)
        if self._database_error is None:
            log.error("write of %s failed, spooling: %s", write.event_key, line)
        else:
            log.debug("write of %s failed again: %s", write.event_key, line)
        self._database_error = line
        self._note_trouble()

    def _reject(self, record: Record) -> None:
        try:
            self._rejected.append([record])
        except OSError as error:
            log.critical("rejected write not kept (%s): %s", error, record)

    def _note_trouble(self) -> None:
        if self._trouble_since_s is None:
            self._trouble_since_s = time.time()

    def _clear_trouble(self) -> None:
        if self._database_error is None and self._spool_error is None:
            self._trouble_since_s = None

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

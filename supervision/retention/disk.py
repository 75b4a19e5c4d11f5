"""Free space of the disks the service writes to, and a warning before one of them fills."""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, Protocol

from streams.media_writes import MediaWriteState
from supervision.tables import utc_now

log = logging.getLogger(__name__)


class DiskSpace(NamedTuple):
    free_bytes: int
    total_bytes: int


class FreeSpace(Protocol):
    """How much space the disk holding `path` has; `disk_space` is the real one."""

    def __call__(self, path: Path, /) -> DiskSpace: ...


def disk_space(path: Path) -> DiskSpace:
    """Free bytes as an unprivileged writer gets them (statvfs f_bavail), and the disk's size."""
    usage = shutil.disk_usage(path)
    return DiskSpace(free_bytes=usage.free, total_bytes=usage.total)


@dataclass(frozen=True, slots=True)
class DiskThresholds:
    """Below either, a disk is low (0 turns one off)."""

    warn_free_fraction: float
    warn_free_bytes: int

    def is_low(self, space: DiskSpace) -> bool:
        too_few_bytes = space.free_bytes < self.warn_free_bytes
        return too_few_bytes or space.free_bytes < self.warn_free_fraction * space.total_bytes


@dataclass(frozen=True, slots=True)
class DiskReading:
    """One watched folder's disk; `space` is None when it could not be read (`error` says why)."""

    folder: str  # what the service keeps there: "media", "spool"
    path: Path
    space: DiskSpace | None
    low: bool
    error: str = ""

    @property
    def free_fraction(self) -> float | None:
        space = self.space
        if space is None or space.total_bytes <= 0:
            return None
        return space.free_bytes / space.total_bytes


@dataclass(frozen=True, slots=True)
class DiskState:
    """What a health banner or a phone push shows: whether disk trouble threatens evidence.

    `low` is true while a watched disk is below its warning threshold or cannot be read, or
    while snapshots and clips cannot be written (`media_error`, e.g. a read-only disk);
    `reason` says which, in one English line ("" when not low); `since` is when it began.
    """

    low: bool
    reason: str
    since: datetime | None
    readings: tuple[DiskReading, ...]
    media_error: str  # the cause media writes fail with now; "" while they work
    checked_at: datetime | None  # None before the first check

    def reading(self, folder: str) -> DiskReading | None:
        return next((r for r in self.readings if r.folder == folder), None)


UNCHECKED = DiskState(False, "", None, (), "", None)


def read_disks(
    folders: Mapping[str, Path], thresholds: DiskThresholds, free_space: FreeSpace = disk_space
) -> tuple[DiskReading, ...]:
    """One reading per watched folder (a missing folder is read at its nearest parent)."""
    return tuple(_reading(name, path, thresholds, free_space) for name, path in folders.items())


def disk_state(
    readings: tuple[DiskReading, ...],
    thresholds: DiskThresholds,
    at: datetime,
    media: MediaWriteState | None = None,
    since: datetime | None = None,
) -> DiskState:
    """The state the readings and media writes make, with one line saying what is wrong;
    `since`: when the trouble began, if it already had (else `at`)."""
    reasons = [_why_low(reading, thresholds) for reading in readings if reading.low]
    media_error = media.cause if media is not None and media.failing else ""
    if media_error:
        reasons.append(f"snapshots and clips cannot be written: {media_error}")
    low = bool(reasons)
    began = (since or at) if low else None
    return DiskState(low, "; ".join(reasons), began, readings, media_error, at)


class DiskWatch:
    """Every `check_every_s`, reads the watched disks; `state()` is the newest `DiskState`.

    A disk turning low is logged once as a warning, its recovery once; listeners registered
    with `on_change` hear of every change of `low`, of which folders are low, or of the media
    write error. `media_writes` tells whether snapshots and clips are being written.
    """

    def __init__(
        self,
        folders: Mapping[str, Path],
        thresholds: DiskThresholds,
        check_every_s: float,
        *,
        media_writes: Callable[[], MediaWriteState] | None = None,
        free_space: FreeSpace = disk_space,
    ) -> None:
        self.folders = dict(folders)
        self.thresholds = thresholds
        self.check_every_s = check_every_s
        self.media_writes = media_writes
        self.free_space = free_space
        self._state = UNCHECKED
        self._listeners: list[Callable[[DiskState], None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def state(self) -> DiskState:
        return self._state

    def on_change(self, listener: Callable[[DiskState], None]) -> None:
        self._listeners.append(listener)

    def check(self, now: datetime | None = None) -> DiskState:
        """Reads the disks now; the new state replaces the old one whole."""
        readings = read_disks(self.folders, self.thresholds, self.free_space)
        media = self.media_writes() if self.media_writes is not None else None
        old = self._state
        new = disk_state(readings, self.thresholds, now or utc_now(), media, old.since)
        self._state = new
        if _trouble(old) != _trouble(new):
            self._tell(old, new)
        return new

    def start(self) -> None:
        self.check()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="disk-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.check_every_s):
            self.check()

    def _tell(self, old: DiskState, new: DiskState) -> None:
        if new.low:
            log.warning("disk trouble: %s", new.reason)
        elif old.low:
            log.info("disk trouble over: free space above the warning, media writes work")
        for listener in self._listeners:
            try:
                listener(new)
            except Exception:  # a listener's failure must not stop the watch
                log.exception("disk state listener failed")


def format_bytes(count: float) -> str:
    """Bytes for people: 950 B, 12.3 KiB, 4.0 GiB."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(count) < 1024 or unit == "TiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


def _reading(
    name: str, path: Path, thresholds: DiskThresholds, free_space: FreeSpace
) -> DiskReading:
    try:
        space = free_space(_existing(path))
    except OSError as error:
        return DiskReading(name, path, None, low=True, error=str(error))
    return DiskReading(name, path, space, low=thresholds.is_low(space))


def _existing(path: Path) -> Path:
    """`path`, or its nearest existing parent (a folder made on first write is on that disk)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return path


def _why_low(reading: DiskReading, thresholds: DiskThresholds) -> str:
    where = f"{reading.folder} disk ({reading.path})"
    if reading.space is None:
        return f"{where} cannot be read: {reading.error}"
    free = format_bytes(reading.space.free_bytes)
    fraction = reading.free_fraction or 0.0
    wants = []
    if thresholds.warn_free_fraction > 0:
        wants.append(f"{thresholds.warn_free_fraction:.0%}")
    if thresholds.warn_free_bytes > 0:
        wants.append(format_bytes(thresholds.warn_free_bytes))
    return f"{where} has {free} free ({fraction:.1%}), below the warning at {' / '.join(wants)}"


def _trouble(state: DiskState) -> tuple[tuple[str, ...], str]:
    """What a change of is worth telling: the low folders and the media write error."""
    return tuple(r.folder for r in state.readings if r.low), state.media_error

"""Retention: clips and snapshots deleted by age, or oldest first when the disk is short."""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal, NamedTuple, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from supervision.audit import append_audit
from supervision.config import RetentionConfig
from supervision.holds import held_event_ids
from supervision.store import EventStore, next_revision
from supervision.tables import Event, utc_now

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "carewatch"  # the audit actor of deletions retention makes itself
MediaKind = Literal["clip", "snapshot"]
DeletionReason = Literal["age", "disk_pressure"]


class DiskSpace(NamedTuple):
    free_bytes: int
    total_bytes: int


class FreeSpace(Protocol):
    """How much space the disk holding `path` has; `disk_space` is the real one."""

    def __call__(self, path: Path, /) -> DiskSpace: ...


def disk_space(path: Path) -> DiskSpace:
    usage = shutil.disk_usage(path)
    return DiskSpace(free_bytes=usage.free, total_bytes=usage.total)


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A clip or snapshot (relative to the media root) and the events that point at it."""

    kind: MediaKind
    path: str
    event_ids: tuple[int, ...]
    newest_started_at: datetime  # of those events; the file's age is counted from it


@dataclass(frozen=True, slots=True)
class MediaDeletion:
    file: MediaFile
    reason: DeletionReason
    bytes: int  # 0 when the file was already gone (its path is cleared all the same)
    missing: bool


@dataclass(frozen=True, slots=True)
class RetentionReport:
    deleted: tuple[MediaDeletion, ...]
    kept_held: int  # files due by age that a legal hold kept
    pressure_left: bool  # still short of free space once every unheld file was gone

    @property
    def bytes_freed(self) -> int:
        return sum(deletion.bytes for deletion in self.deleted)


def under_pressure(space: DiskSpace, config: RetentionConfig) -> bool:
    """Free space below `min_free_disk_bytes` or below `min_free_disk_fraction` of the disk."""
    too_few_bytes = space.free_bytes < config.min_free_disk_bytes
    return too_few_bytes or space.free_bytes < config.min_free_disk_fraction * space.total_bytes


def run_retention(
    store: EventStore,
    config: RetentionConfig,
    media_root: Path,
    *,
    now: datetime | None = None,
    free_space: FreeSpace = disk_space,
    on_delete: Callable[[MediaDeletion], None] | None = None,
) -> RetentionReport:
    """One pass: delete media past their age, then oldest first while the disk is short.

    Each file goes in its own transaction: its events' paths are cleared (the event rows
    stay), a `media_deleted` audit row is appended, the file is unlinked, then it commits;
    `on_delete` hears of it then, even if a later step of the pass fails.
    """
    now = now or utc_now()
    root = media_root.resolve()
    with store.sessions() as session:
        files = media_files(session)
        held = held_event_ids(session)
    unheld = sorted((file for file in files if held.isdisjoint(file.event_ids)), key=_oldest_first)
    due = {file for file in files if _due_by_age(file, config, now)}
    tell = on_delete or _ignore
    deleted = _delete_all(store, root, [file for file in unheld if file in due], "age", tell)
    done = {deletion.file for deletion in deleted}
    rest = [file for file in unheld if file not in done]
    by_pressure, pressure_left = _relieve_pressure(store, root, config, rest, free_space, tell)
    return RetentionReport(
        deleted=tuple(deleted + by_pressure),
        kept_held=len(due) - len(due.intersection(unheld)),
        pressure_left=pressure_left,
    )


def media_files(session: Session) -> list[MediaFile]:
    """Every clip and snapshot the events point at, one entry per distinct path."""
    files: list[MediaFile] = []
    for kind in ("clip", "snapshot"):
        column = _column(kind)
        query = select(Event.id, Event.started_at, column).where(column.is_not(None))
        rows = session.execute(query)
        grouped: dict[str, list[tuple[int, datetime]]] = {}
        for event_id, started_at, path in rows:
            grouped.setdefault(path, []).append((event_id, started_at))
        for path, events in grouped.items():
            ids = tuple(sorted(event_id for event_id, _ in events))
            files.append(MediaFile(kind, path, ids, max(started for _, started in events)))
    return files


class Retention:
    """Every `check_every_s`, one retention pass; deletions go to `on_delete` as well."""

    def __init__(
        self,
        store: EventStore,
        config: RetentionConfig,
        media_root: Path,
        *,
        free_space: FreeSpace = disk_space,
        on_delete: Callable[[MediaDeletion], None] | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.media_root = media_root
        self.free_space = free_space
        self.on_delete = on_delete
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def check(self, now: datetime | None = None) -> RetentionReport | None:
        """One pass; an error is logged and the pass retried at the next interval."""
        try:
            report = run_retention(
                self.store,
                self.config,
                self.media_root,
                now=now,
                free_space=self.free_space,
                on_delete=self.on_delete,
            )
        except Exception as error:  # the database may be busy or away, the disk unreadable
            log.warning("retention pass failed: %s", error)
            return None
        if report.pressure_left:
            log.warning("media disk still short of space: only held evidence is left to delete")
        return report

    def _run(self) -> None:
        # A first pass at start, so a service restarted often still cleans up.
        self.check()
        while not self._stop.wait(self.config.check_every_s):
            self.check()


class _Skip(Exception):
    """The file is no longer to be deleted (held, or re-pointed since the scan): roll back."""


def _column(kind: MediaKind) -> Any:
    return Event.clip_path if kind == "clip" else Event.snapshot_path


def _due_by_age(file: MediaFile, config: RetentionConfig, now: datetime) -> bool:
    days = config.clip_days if file.kind == "clip" else config.snapshot_days
    return file.newest_started_at < now - timedelta(days=days)


def _oldest_first(file: MediaFile) -> tuple[datetime, bool, str]:
    return file.newest_started_at, file.kind != "clip", file.path


def _ignore(deletion: MediaDeletion) -> None:
    return None


def _delete_all(
    store: EventStore,
    root: Path,
    files: Iterable[MediaFile],
    reason: DeletionReason,
    tell: Callable[[MediaDeletion], None],
) -> list[MediaDeletion]:
    deleted = []
    for file in files:
        deletion = _delete(store, root, file, reason)
        if deletion is not None:
            tell(deletion)
            deleted.append(deletion)
    return deleted


def _relieve_pressure(
    store: EventStore,
    root: Path,
    config: RetentionConfig,
    candidates: list[MediaFile],
    free_space: FreeSpace,
    tell: Callable[[MediaDeletion], None],
) -> tuple[list[MediaDeletion], bool]:
    if not root.is_dir():
        return [], False
    deleted: list[MediaDeletion] = []
    queue = iter(candidates)
    while under_pressure(free_space(root), config):
        file = next(queue, None)
        if file is None:
            return deleted, True
        deleted += _delete_all(store, root, [file], "disk_pressure", tell)
    return deleted, False


def _delete(
    store: EventStore, root: Path, file: MediaFile, reason: DeletionReason
) -> MediaDeletion | None:
    target = _inside(root, file.path)
    if target is None:
        log.warning("not deleting %s %r: it is not a file under %s", file.kind, file.path, root)
        return None
    size = _size(target)
    deletion = MediaDeletion(file, reason, bytes=size or 0, missing=size is None)
    try:
        with store.write_session() as session:
            _audit(session, deletion)
            _clear_paths(session, file)
            target.unlink(missing_ok=True)
    except _Skip:
        return None
    except OSError as error:
        log.warning("could not delete %s %r: %s", file.kind, file.path, error)
        return None
    log.info("deleted %s %r (%s, %d bytes)", file.kind, file.path, reason, deletion.bytes)
    return deletion


def _audit(session: Session, deletion: MediaDeletion) -> None:
    # First in the transaction: it locks the audit chain, which a hold being placed locks
    # too, so the hold check below sees every hold committed before this deletion.
    file = deletion.file
    detail = {
        "kind": file.kind,
        "path": file.path,
        "reason": deletion.reason,
        "bytes": deletion.bytes,
        "missing": deletion.missing,
        "event_ids": list(file.event_ids),
    }
    append_audit(session, SYSTEM_ACTOR, "media_deleted", "event", str(file.event_ids[0]), detail)


def _clear_paths(session: Session, file: MediaFile) -> None:
    if held_event_ids(session, file.event_ids):
        raise _Skip
    rows = session.scalars(select(Event).where(Event.id.in_(file.event_ids))).all()
    pointing = [row for row in rows if _path_of(row, file.kind) == file.path]
    if not pointing:
        raise _Skip
    revision = next_revision(session)
    for offset, row in enumerate(pointing):
        if file.kind == "clip":
            row.clip_path, row.clip_start_s = None, None
        else:
            row.snapshot_path = None
        row.revision = revision + offset
    session.flush()


def _path_of(row: Event, kind: MediaKind) -> str | None:
    return row.clip_path if kind == "clip" else row.snapshot_path


def _inside(root: Path, relative_path: str) -> Path | None:
    """The path to unlink if it lies under the root (a link is removed, not its target)."""
    candidate = root / relative_path
    try:
        resolved_parent = candidate.parent.resolve()
    except (OSError, ValueError):
        return None
    inside = resolved_parent.is_relative_to(root) and candidate.name not in ("", ".", "..")
    return resolved_parent / candidate.name if inside else None


def _size(path: Path) -> int | None:
    try:
        return path.lstat().st_size
    except FileNotFoundError:
        return None

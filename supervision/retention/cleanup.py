"""Retention: clips and snapshots deleted by age, or oldest first when the disk is short."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from supervision.audit.chain import append_audit
from supervision.config import RetentionConfig
from supervision.events.store import EventStore, next_revision
from supervision.retention.disk import DiskSpace, FreeSpace, disk_space
from supervision.retention.holds import held_event_ids
from supervision.retention.report import (
    DeletionReason,
    MediaDeletion,
    RetentionReport,
    describe_pass,
)
from supervision.retention.scan import (
    KeepReason,
    MediaFile,
    MediaKind,
    Protected,
    file_size,
    inside,
    kept_media,
    media_files,
    oldest_first,
    open_incident_event_ids,
    protected,
)
from supervision.tables import Event, utc_now

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "carewatch"  # the audit actor of deletions retention makes itself
Outcome = Literal["kept", "failed"]  # a file not deleted after all: kept since the scan, or not


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

    Never deleted: media of events on hold or kept as evidence, of open incidents, and under
    disk pressure the newest (`keep_newest_h`). Each file goes in its own transaction: its
    events' paths are cleared (the event rows stay), a `media_deleted` audit row is appended,
    the file is unlinked, then it commits; `on_delete` hears of it then, even if a later step
    of the pass fails.
    """
    now = now or utc_now()
    root = media_root.resolve()
    with store.sessions() as session:
        files = sorted(media_files(session), key=oldest_first)
        keep = protected(session, config, now)
    pass_ = _Pass(store, root, on_delete or _ignore)
    due = [file for file in files if _due_by_age(file, config, now)]
    pass_.delete([file for file in due if keep.reason(file, False) is None], "age")
    kept_by_age = [(file, keep.reason(file, False)) for file in due]
    rest = [file for file in files if file not in pass_.done]
    space, pressure_left = _relieve_pressure(pass_, config, rest, keep, free_space)
    kept = [(file, reason) for file, reason in kept_by_age if reason is not None]
    if pressure_left:
        kept = _reasons([file for file in rest if file not in pass_.done], keep)
    return RetentionReport(
        deleted=tuple(pass_.deleted),
        kept=kept_media(kept, root),
        pressure_left=pressure_left,
        space=space,
        failed=pass_.failed,
    )


class Retention:
    """Every `check_every_s`, one retention pass; deletions go to `on_delete` as well.

    Between passes the media disk is looked at every `pressure_check_every_s`: a pass runs at
    once when it is short. Each pass that deletes or finds the disk short logs one line (an
    unchanged outcome is not repeated).
    """

    def __init__(
        self,
        store: EventStore,
        config: RetentionConfig,
        media_root: Path,
        *,
        free_space: FreeSpace = disk_space,
        on_delete: Callable[[MediaDeletion], None] | None = None,
        lease: Callable[[], bool] = lambda: True,
    ) -> None:
        self.store = store
        # True while this process runs retention for its database (one of those sharing it).
        self.lease = lease
        self.config = config
        self.media_root = media_root
        self.free_space = free_space
        self.on_delete = on_delete
        self.last_report: RetentionReport | None = None
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
        if not self.lease():
            return None
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
        self._log(report)
        self.last_report = report
        return report

    def short_of_space(self) -> bool:
        """Whether the media disk is short now (False when it cannot be read: the pass says)."""
        try:
            return under_pressure(self.free_space(self.media_root), self.config)
        except OSError:
            return False

    def _log(self, report: RetentionReport) -> None:
        line = describe_pass(report, self.config)
        if line is None:
            return
        last = self.last_report
        repeated = last is not None and _same_outcome(last, report)
        log.log(logging.DEBUG if repeated else _level(report), "%s", line)

    def _run(self) -> None:
        # A first pass at start, so a service restarted often still cleans up.
        self.check()
        last_pass = time.monotonic()
        wait_s = min(self.config.check_every_s, self.config.pressure_check_every_s)
        while not self._stop.wait(wait_s):
            due = time.monotonic() - last_pass >= self.config.check_every_s
            if due or self.short_of_space():
                self.check()
                last_pass = time.monotonic()


class _Skip(Exception):
    """The file is no longer to be deleted (kept, or re-pointed since the scan): roll back."""


class _Pass:
    """The deletions of one pass, in order, and the files it could not delete."""

    def __init__(
        self, store: EventStore, root: Path, tell: Callable[[MediaDeletion], None]
    ) -> None:
        self.store, self.root, self.tell = store, root, tell
        self.deleted: list[MediaDeletion] = []
        self.done: set[MediaFile] = set()  # deleted, or tried and failed
        self.failed = 0

    def delete(self, files: Iterable[MediaFile], reason: DeletionReason) -> None:
        for file in files:
            self.done.add(file)
            deletion = _delete(self.store, self.root, file, reason)
            if isinstance(deletion, MediaDeletion):
                self.tell(deletion)
                self.deleted.append(deletion)
            elif deletion == "failed":
                self.failed += 1


def _due_by_age(file: MediaFile, config: RetentionConfig, now: datetime) -> bool:
    days = config.clip_days if file.kind == "clip" else config.snapshot_days
    return file.newest_started_at < now - timedelta(days=days)


def _ignore(deletion: MediaDeletion) -> None:
    return None


def _relieve_pressure(
    pass_: _Pass,
    config: RetentionConfig,
    files: list[MediaFile],
    keep: Protected,
    free_space: FreeSpace,
) -> tuple[DiskSpace | None, bool]:
    """Deletes unkept files oldest first while the disk is short; (its space, still short)."""
    if not pass_.root.is_dir():
        return None, False
    space = free_space(pass_.root)
    if not under_pressure(space, config):
        return None, False
    queue = iter(file for file in files if keep.reason(file, True) is None)
    while under_pressure(space, config):
        file = next(queue, None)
        if file is None:
            return space, True
        pass_.delete([file], "disk_pressure")
        space = free_space(pass_.root)
    return space, False


def _reasons(files: list[MediaFile], keep: Protected) -> list[tuple[MediaFile, KeepReason]]:
    pairs = [(file, keep.reason(file, True)) for file in files]
    return [(file, reason) for file, reason in pairs if reason is not None]


def _delete(
    store: EventStore, root: Path, file: MediaFile, reason: DeletionReason
) -> MediaDeletion | Outcome:
    target = inside(root, file.path)
    if target is None:
        log.warning("not deleting %s %r: it is not a file under %s", file.kind, file.path, root)
        return "failed"
    size = file_size(target)
    deletion = MediaDeletion(file, reason, bytes=size or 0, missing=size is None)
    try:
        with store.write_session() as session:
            _audit(session, deletion)
            _clear_paths(session, file)
            target.unlink(missing_ok=True)
    except _Skip:
        return "kept"
    except OSError as error:
        log.warning("could not delete %s %r: %s", file.kind, file.path, error)
        return "failed"
    log.debug("deleted %s %r (%s, %d bytes)", file.kind, file.path, reason, deletion.bytes)
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
    if held_event_ids(session, file.event_ids) or open_incident_event_ids(session, file.event_ids):
        raise _Skip
    rows = session.scalars(select(Event).where(Event.id.in_(file.event_ids))).all()
    pointing = [row for row in rows if _path_of(row, file.kind) == file.path]
    if not pointing:
        raise _Skip
    for row in pointing:
        if file.kind == "clip":
            row.clip_path, row.clip_start_s = None, None
        else:
            row.snapshot_path = None
        row.revision = next_revision(session)
    session.flush()


def _path_of(row: Event, kind: MediaKind) -> str | None:
    return row.clip_path if kind == "clip" else row.snapshot_path


def _level(report: RetentionReport) -> int:
    return logging.WARNING if report.pressure_left or report.failed else logging.INFO


def _same_outcome(last: RetentionReport, new: RetentionReport) -> bool:
    """Nothing deleted and the same files kept for the same reasons as the last pass."""
    return not new.deleted and (last.pressure_left, last.kept) == (new.pressure_left, new.kept)

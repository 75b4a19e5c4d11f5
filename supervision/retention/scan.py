"""What retention may delete: the media files the events point at, and why some must stay."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from supervision.config import RetentionConfig
from supervision.events.workflow import OPEN_STATUSES
from supervision.retention.holds import held_event_ids
from supervision.tables import Event, Incident

MediaKind = Literal["clip", "snapshot"]
# Why a file stays, strongest first: a file with several reasons is counted under the first.
KeepReason = Literal["on_hold", "open_incident", "newest"]
KEEP_REASONS: tuple[KeepReason, ...] = ("on_hold", "open_incident", "newest")


@dataclass(frozen=True, slots=True)
class MediaFile:
    """A clip or snapshot (relative to the media root) and the events that point at it."""

    kind: MediaKind
    path: str
    event_ids: tuple[int, ...]
    newest_started_at: datetime  # of those events; the file's age is counted from it


@dataclass(frozen=True, slots=True)
class Protected:
    """The events whose media stay whatever the disk: on hold (or evidence), open incidents."""

    held: frozenset[int]
    open: frozenset[int]
    newest_after: datetime  # media of events started after this stay under disk pressure

    def reason(self, file: MediaFile, pressure: bool) -> KeepReason | None:
        """Why `file` stays (None: it may go); "newest" counts only under disk pressure."""
        if not self.held.isdisjoint(file.event_ids):
            return "on_hold"
        if not self.open.isdisjoint(file.event_ids):
            return "open_incident"
        if pressure and file.newest_started_at > self.newest_after:
            return "newest"
        return None


@dataclass(frozen=True, slots=True)
class KeptMedia:
    """Files a pass would have deleted and kept, for one reason, and their size on disk."""

    reason: KeepReason
    files: int
    bytes: int


def media_files(session: Session) -> list[MediaFile]:
    """Every clip and snapshot the events point at, one entry per distinct path."""
    files: list[MediaFile] = []
    for kind in ("clip", "snapshot"):
        column = media_column(kind)
        query = select(Event.id, Event.started_at, column).where(column.is_not(None))
        grouped: dict[str, list[tuple[int, datetime]]] = {}
        for event_id, started_at, path in session.execute(query):
            grouped.setdefault(path, []).append((event_id, started_at))
        for path, events in grouped.items():
            ids = tuple(sorted(event_id for event_id, _ in events))
            files.append(MediaFile(kind, path, ids, max(started for _, started in events)))
    return files


def protected(session: Session, config: RetentionConfig, now: datetime) -> Protected:
    """What the database says must stay now."""
    newest_after = now - timedelta(hours=config.keep_newest_h)
    held = frozenset(held_event_ids(session))
    return Protected(held, frozenset(open_incident_event_ids(session)), newest_after)


def open_incident_event_ids(session: Session, event_ids: Iterable[int] | None = None) -> set[int]:
    """The events (of `event_ids`, or all) whose incident is open (new, acknowledged, on scene);
    an event without an incident counts by its own status."""
    statuses = sorted(str(status) for status in OPEN_STATUSES)
    in_open = (
        select(Event.id)
        .join(Incident, Event.incident_id == Incident.id)
        .where(Incident.status.in_(statuses))
    )
    alone = select(Event.id).where(Event.incident_id.is_(None), Event.status.in_(statuses))
    if event_ids is not None:
        wanted = list(event_ids)
        in_open, alone = in_open.where(Event.id.in_(wanted)), alone.where(Event.id.in_(wanted))
    return set(session.scalars(in_open)) | set(session.scalars(alone))


def kept_media(files: Iterable[tuple[MediaFile, KeepReason]], root: Path) -> tuple[KeptMedia, ...]:
    """Counts and bytes by reason, strongest first; reasons without files are left out."""
    counts = {reason: [0, 0] for reason in KEEP_REASONS}
    for file, reason in files:
        target = inside(root, file.path)
        counts[reason][0] += 1
        counts[reason][1] += (file_size(target) or 0) if target is not None else 0
    return tuple(KeptMedia(r, n, size) for r, (n, size) in counts.items() if n)


def media_column(kind: MediaKind) -> Any:
    return Event.clip_path if kind == "clip" else Event.snapshot_path


def oldest_first(file: MediaFile) -> tuple[datetime, bool, str]:
    """Sort key: the oldest events' files first, a clip before the snapshot of the same age."""
    return file.newest_started_at, file.kind != "clip", file.path


def inside(root: Path, relative_path: str) -> Path | None:
    """The path to unlink if it lies under the root (a link is removed, not its target)."""
    candidate = root / relative_path
    try:
        resolved_parent = candidate.parent.resolve()
    except (OSError, ValueError):
        return None
    inside_root = resolved_parent.is_relative_to(root) and candidate.name not in ("", ".", "..")
    return resolved_parent / candidate.name if inside_root else None


def file_size(path: Path) -> int | None:
    """Bytes of the file (of a link: the link's own), None when it is gone."""
    try:
        return path.lstat().st_size
    except FileNotFoundError:
        return None

"""Evidence of inspections and hazard fixes: references to events, and uploaded images on disk."""

from __future__ import annotations

import contextlib
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from supervision.audit.chain import append_audit
from supervision.tables import Camera, Event, Evidence, utc_now

EVIDENCE_DIR = "evidence"  # under the media root; served only through scoped routes
CHUNK_BYTES = 64 * 1024
# Accepted uploads: content type -> (file suffix, leading bytes every such file starts with).
IMAGE_TYPES: dict[str, tuple[str, bytes]] = {
    "image/jpeg": (".jpg", b"\xff\xd8\xff"),
    "image/png": (".png", b"\x89PNG\r\n\x1a\n"),
}


class EvidenceKind(StrEnum):
    SNAPSHOT = "snapshot"  # an event's snapshot
    CLIP = "clip"  # an event's clip
    EVENT = "event"  # the event record itself
    FILE = "file"  # an uploaded image


class EvidenceError(ValueError):
    """Evidence that cannot be attached as given (e.g. an event without a snapshot yet)."""


class EvidenceTooLarge(EvidenceError):
    """An upload over the size limit."""


class UnsupportedEvidenceType(EvidenceError):
    """An upload that is not one of IMAGE_TYPES, by its declared type or by its contents."""


class EventNotInFacility(LookupError):
    """No event with that id among the facility's cameras (the message reads as a missing id)."""


@dataclass(frozen=True, slots=True)
class EventRef:
    """An event of the facility as evidence: its snapshot, its clip, or the event itself."""

    event_id: int
    kind: EvidenceKind = EvidenceKind.EVENT


@dataclass(frozen=True, slots=True)
class StoredFile:
    """An upload already written under the media root (`path` is relative to it, POSIX)."""

    path: str
    content_type: str
    size_bytes: int


EvidenceSource = EventRef | StoredFile


@dataclass(frozen=True, slots=True)
class EvidenceView:
    id: int
    kind: EvidenceKind
    item_id: str | None
    event_id: int | None
    content_type: str | None
    size_bytes: int | None
    note: str | None
    added_by: str
    added_at: datetime
    # The file to serve, relative to the media root (an upload, or the event's snapshot or
    # clip); None for a bare event reference or media not written yet. Never sent to clients.
    media_path: str | None


def inspection_folder(inspection_id: int) -> str:
    return f"{EVIDENCE_DIR}/{inspection_id}"


def hazard_folder(hazard_id: int) -> str:
    return f"{EVIDENCE_DIR}/hazards/{hazard_id}"


def store_image(
    media_root: Path, folder: str, source: BinaryIO, declared_type: str | None, max_bytes: int
) -> StoredFile:
    """Copy an uploaded image under `media_root/folder` with a generated name.

    The declared content type and the file's first bytes must both name one of IMAGE_TYPES;
    more than `max_bytes` is refused. Nothing is left on disk when it is refused.
    """
    content_type = (declared_type or "").split(";")[0].strip().lower()
    if content_type not in IMAGE_TYPES:
        allowed = ", ".join(IMAGE_TYPES)
        raise UnsupportedEvidenceType(f"file: expected {allowed}, got {content_type or 'none'}")
    suffix, magic = IMAGE_TYPES[content_type]
    target_dir = media_root / folder
    target_dir.mkdir(parents=True, exist_ok=True)
    name = uuid.uuid4().hex + suffix
    partial = target_dir / f".{name}.part"
    try:
        size_bytes = _copy_checked(source, partial, magic, content_type, max_bytes)
        os.replace(partial, target_dir / name)
    finally:
        partial.unlink(missing_ok=True)
    return StoredFile(f"{folder}/{name}", content_type, size_bytes)


def discard_file(media_root: Path, stored: StoredFile) -> None:
    """Remove an upload whose database row was never committed."""
    with contextlib.suppress(OSError):
        (media_root / stored.path).unlink(missing_ok=True)


def evidence_file(media_root: Path, media_path: str) -> Path | None:
    """The file behind `media_path` if it lies inside the media root and exists."""
    root = media_root.resolve()
    try:
        path = (root / media_path).resolve()
    except (OSError, ValueError):
        return None
    return path if path.is_relative_to(root) and path.is_file() else None


def add_evidence(
    session: Session,
    source: EvidenceSource,
    actor: str,
    *,
    facility_id: str,
    inspection_id: int | None = None,
    hazard_id: int | None = None,
    step_id: int | None = None,
    item_id: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> EvidenceView:
    """Attach evidence to an inspection or a hazard of `facility_id`, with its audit row."""
    if (inspection_id is None) == (hazard_id is None):
        raise ValueError("evidence belongs to exactly one inspection or hazard")
    row = Evidence(
        inspection_id=inspection_id,
        hazard_id=hazard_id,
        step_id=step_id,
        item_id=item_id,
        note=note,
        added_by=actor,
        added_at=now or utc_now(),
    )
    _fill_source(session, row, source, facility_id)
    session.add(row)
    session.flush()
    parent = ("inspection", inspection_id) if inspection_id is not None else ("hazard", hazard_id)
    detail = {"evidence_id": row.id, "kind": row.kind, "event_id": row.event_id, "item_id": item_id}
    append_audit(session, actor, "evidence_attached", parent[0], str(parent[1]), detail)
    return _view(row, _event_media(session, row))


def evidence_for(
    session: Session, *, inspection_id: int | None = None, hazard_id: int | None = None
) -> list[EvidenceView]:
    """Evidence of one inspection or one hazard, oldest first."""
    query = select(Evidence).order_by(Evidence.id)
    if inspection_id is not None:
        query = query.where(Evidence.inspection_id == inspection_id)
    if hazard_id is not None:
        query = query.where(Evidence.hazard_id == hazard_id)
    return [_view(row, _event_media(session, row)) for row in session.scalars(query)]


def get_evidence(
    session: Session,
    evidence_id: int,
    *,
    inspection_id: int | None = None,
    hazard_id: int | None = None,
) -> EvidenceView | None:
    """One piece of evidence, or None unless it belongs to the inspection or hazard named."""
    row = session.get(Evidence, evidence_id) if 0 < evidence_id < 2**31 else None
    if row is None or (row.inspection_id, row.hazard_id) != (inspection_id, hazard_id):
        return None
    return _view(row, _event_media(session, row))


def _copy_checked(
    source: BinaryIO, target: Path, magic: bytes, content_type: str, max_bytes: int
) -> int:
    size_bytes = 0
    with target.open("wb") as out:
        while chunk := source.read(CHUNK_BYTES):
            if size_bytes == 0 and not chunk.startswith(magic):
                raise UnsupportedEvidenceType(f"file: the contents are not {content_type}")
            size_bytes += len(chunk)
            if size_bytes > max_bytes:
                raise EvidenceTooLarge(f"file: larger than {max_bytes} bytes")
            out.write(chunk)
    if size_bytes == 0:
        raise UnsupportedEvidenceType("file: empty")
    return size_bytes


def _fill_source(session: Session, row: Evidence, source: EvidenceSource, facility_id: str) -> None:
    if isinstance(source, StoredFile):
        row.kind = str(EvidenceKind.FILE)
        row.file_path = source.path
        row.content_type = source.content_type
        row.size_bytes = source.size_bytes
        return
    if source.kind is EvidenceKind.FILE:
        raise EvidenceError("kind: an event reference is a snapshot, clip or event")
    event = _facility_event(session, source.event_id, facility_id)
    if source.kind is EvidenceKind.SNAPSHOT and not event.snapshot_path:
        raise EvidenceError(f"event {event.id} has no snapshot yet")
    if source.kind is EvidenceKind.CLIP and not event.clip_path:
        raise EvidenceError(f"event {event.id} has no clip yet")
    row.kind = str(source.kind)
    row.event_id = event.id


def _facility_event(session: Session, event_id: int, facility_id: str) -> Event:
    found = None
    if 0 < event_id < 2**31:
        found = session.scalar(
            select(Event)
            .join(Camera, Event.camera_id == Camera.id)
            .where(Event.id == event_id, Camera.facility_id == facility_id)
        )
    if found is None:
        raise EventNotInFacility(f"event {event_id} not found")
    return found


def _event_media(session: Session, row: Evidence) -> str | None:
    if row.kind == EvidenceKind.FILE:
        return row.file_path
    if row.event_id is None or row.kind == EvidenceKind.EVENT:
        return None
    event = session.get(Event, row.event_id)
    if event is None:
        return None
    return event.snapshot_path if row.kind == EvidenceKind.SNAPSHOT else event.clip_path


def _view(row: Evidence, media_path: str | None) -> EvidenceView:
    return EvidenceView(
        id=row.id,
        kind=EvidenceKind(row.kind),
        item_id=row.item_id,
        event_id=row.event_id,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        note=row.note,
        added_by=row.added_by,
        added_at=row.added_at,
        media_path=media_path,
    )

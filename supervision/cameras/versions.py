"""Versioned camera configurations: save, list, roll back; each change audited in its transaction.

A configuration is the camera's whole settings section as JSON (its shape belongs to the
composition root, which validates it before it gets here). Versions count 1, 2, 3 … per
camera; a rollback adds a new version equal to an old one, so history stays linear.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from supervision.audit.chain import append_audit
from supervision.db import hold_lock
from supervision.events.workflow import require_storable
from supervision.org.tree import move_camera
from supervision.tables import Camera, CameraConfigVersion, Event, utc_now

# Top-level sections of a camera configuration, by what changing them needs.
CAMERA_FIELDS = frozenset({"id", "name", "facility", "source"})
ZONE_FIELDS = frozenset({"zones", "lines"})
OBJECT_TYPE = "camera"


class VersionKind(StrEnum):
    SEEDED = "seeded"  # version 1, copied from the settings file at start-up
    CREATED = "created"  # a camera added in the dashboard
    EDITED = "edited"
    ROLLED_BACK = "rolled_back"


class ConfigConflict(ValueError):
    """The camera changed since the version the caller edited (or at the same moment)."""


@dataclass(frozen=True, slots=True)
class ConfigVersion:
    camera_id: str
    version: int
    kind: VersionKind
    config: Mapping[str, Any]
    actor: str
    created_at: datetime
    note: str | None
    rolled_back_to: int | None


@dataclass(frozen=True, slots=True)
class RecordedClip:
    """An event's clip (path relative to the media root) and the wall time of its first frame."""

    event_id: int
    clip_path: str
    start_epoch_s: float


def changed_sections(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Top-level keys whose values differ, sorted."""
    return sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))


def edit_action(changed: Iterable[str]) -> str:
    """The audit action of an edit: camera_edit, thresholds_change or zones_change."""
    sections = set(changed)
    if sections & CAMERA_FIELDS:
        return "camera_edit"
    if sections - ZONE_FIELDS:
        return "thresholds_change"
    return "zones_change"


def latest_version(session: Session, camera_id: str) -> ConfigVersion | None:
    query = _versions(camera_id).order_by(CameraConfigVersion.version.desc()).limit(1)
    row = session.scalar(query)
    return None if row is None else _view(row)


def get_version(session: Session, camera_id: str, version: int) -> ConfigVersion | None:
    row = session.get(CameraConfigVersion, (camera_id, version))
    return None if row is None else _view(row)


def list_versions(session: Session, camera_id: str) -> list[ConfigVersion]:
    """Every version of a camera, newest first."""
    rows = session.scalars(_versions(camera_id).order_by(CameraConfigVersion.version.desc()))
    return [_view(row) for row in rows]


def latest_configs(session: Session) -> dict[str, ConfigVersion]:
    """Each camera's newest version, by camera id."""
    newest = (
        select(CameraConfigVersion.camera_id, func.max(CameraConfigVersion.version).label("v"))
        .group_by(CameraConfigVersion.camera_id)
        .subquery()
    )
    query = select(CameraConfigVersion).join(
        newest,
        (CameraConfigVersion.camera_id == newest.c.camera_id)
        & (CameraConfigVersion.version == newest.c.v),
    )
    return {row.camera_id: _view(row) for row in session.scalars(query)}


def first_kinds(session: Session) -> dict[str, VersionKind]:
    """How each camera's history began (seeded from settings, or created in the dashboard)."""
    query = select(CameraConfigVersion.camera_id, CameraConfigVersion.kind).where(
        CameraConfigVersion.version == 1
    )
    return {camera_id: VersionKind(kind) for camera_id, kind in session.execute(query)}


def save_version(
    session: Session,
    camera_id: str,
    config: Mapping[str, Any],
    actor: str,
    kind: VersionKind,
    action: str,
    *,
    note: str | None = None,
    rolled_back_to: int | None = None,
    base_version: int | None = None,
) -> ConfigVersion:
    """Add the camera's next version and its audit row, in the caller's transaction.

    The camera's row must exist (see `add_camera`); with `base_version`, ConfigConflict
    unless that is still the newest version.
    """
    require_storable(actor=actor, note=note)
    _lock_camera(session, camera_id)
    latest = latest_version(session, camera_id)
    _check_base(camera_id, latest, base_version)
    number = 1 if latest is None else latest.version + 1
    changed = changed_sections(latest.config if latest else {}, config)
    row = CameraConfigVersion(
        camera_id=camera_id,
        version=number,
        kind=str(kind),
        config=dict(config),
        actor=actor,
        created_at=utc_now(),
        note=note,
        rolled_back_to=rolled_back_to,
    )
    session.add(row)
    detail = {"version": number, "kind": str(kind), "changed": changed}
    if rolled_back_to is not None:
        detail["rolled_back_to"] = rolled_back_to
    append_audit(session, actor, action, OBJECT_TYPE, camera_id, detail)
    session.flush()
    return _view(row)


def add_camera(
    session: Session, camera_id: str, facility_id: str, name: str, source_kind: str
) -> None:
    """The camera's row (for scope, health and events); ValueError naming the field if taken."""
    require_storable(camera_id=camera_id, name=name, source_kind=source_kind)
    if session.get(Camera, camera_id) is not None:
        raise ConfigConflict(f"id: a camera with id {camera_id!r} already exists")
    session.add(Camera(id=camera_id, facility_id=facility_id, name=name, source_kind=source_kind))
    session.flush()


def update_camera(
    session: Session, camera_id: str, facility_id: str, name: str, source_kind: str
) -> None:
    """Keep the camera's row in step with an edited configuration."""
    require_storable(name=name, source_kind=source_kind)
    row = session.get(Camera, camera_id)
    if row is None:
        raise LookupError(f"camera {camera_id!r} not found")
    if row.facility_id != facility_id:
        move_camera(session, camera_id, facility_id)
    row.name, row.source_kind = name, source_kind
    session.flush()


def seed_versions(
    session: Session, configs: Mapping[str, Mapping[str, Any]], actor: str = "settings"
) -> list[str]:
    """Version 1 of each camera that has none yet, copied from `configs`; the ids seeded."""
    hold_lock(session, "camera-seeds")  # processes starting at once seed the same cameras
    known = set(first_kinds(session))
    seeded = [camera_id for camera_id in configs if camera_id not in known]
    for camera_id in seeded:
        save_version(
            session, camera_id, configs[camera_id], actor, VersionKind.SEEDED, "camera_seed"
        )
    return seeded


def recorded_clips(session: Session, camera_id: str, limit: int) -> list[RecordedClip]:
    """The camera's newest event clips (one per clip file), newest first."""
    query = (
        select(Event)
        .where(Event.camera_id == camera_id, Event.clip_path.is_not(None))
        .order_by(Event.started_at.desc(), Event.id.desc())
    )
    clips: dict[str, RecordedClip] = {}
    for row in session.scalars(query.limit(limit * 4)):
        if len(clips) >= limit:
            break
        if row.clip_path is not None and row.clip_path not in clips:
            clips[row.clip_path] = RecordedClip(row.id, row.clip_path, _clip_start(row))
    return list(clips.values())


def _clip_start(row: Event) -> float:
    offset_s = row.start_s - row.clip_start_s if row.clip_start_s is not None else 0.0
    return (row.started_at - timedelta(seconds=offset_s)).timestamp()


def _lock_camera(session: Session, camera_id: str) -> None:
    # The row lock (PostgreSQL) queues concurrent saves of one camera; SQLite writes one at a time.
    found = session.scalar(select(Camera.id).where(Camera.id == camera_id).with_for_update())
    if found is None:
        raise LookupError(f"camera {camera_id!r} not found")


def _check_base(camera_id: str, latest: ConfigVersion | None, base_version: int | None) -> None:
    if base_version is None:
        return
    current = 0 if latest is None else latest.version
    if base_version != current:
        raise ConfigConflict(
            f"base_version: camera {camera_id!r} is at version {current}, not {base_version}; "
            "reload and edit again"
        )


def _versions(camera_id: str) -> Select[CameraConfigVersion]:
    return select(CameraConfigVersion).where(CameraConfigVersion.camera_id == camera_id)


def _view(row: CameraConfigVersion) -> ConfigVersion:
    return ConfigVersion(
        camera_id=row.camera_id,
        version=row.version,
        kind=VersionKind(row.kind),
        config=row.config,
        actor=row.actor,
        created_at=row.created_at,
        note=row.note,
        rolled_back_to=row.rolled_back_to,
    )

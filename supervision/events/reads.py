"""Reading events and the cameras' health in the caller's session: by id, listed, by media."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from supervision.events.from_rows import camera_view, event_view
from supervision.events.views import CameraView, EventStatus, EventView
from supervision.events.workflow import latest_revision, require_storable
from supervision.tables import INT_MAX, Camera, Event


def get_event(session: Session, event_id: int) -> EventView | None:
    row = event_by_id(session, event_id)
    return None if row is None else event_view(row)


def event_by_id(session: Session, event_id: int) -> Event | None:
    """The event row with its transitions; None for an id no INTEGER column can hold."""
    if not 0 < event_id <= INT_MAX:
        return None
    return session.get(Event, event_id, options=[selectinload(Event.transitions)])


def list_events(
    session: Session,
    *,
    limit: int = 100,
    camera_id: str | None = None,
    status: EventStatus | str | None = None,
    since_revision: int | None = None,
    camera_ids: Collection[str] | None = None,
) -> list[EventView]:
    """Events newest first (by `started_at`), of `camera_ids` only when given (a scope).

    With `since_revision`, the `limit` earliest changes after it are returned, so a poller
    that continues from the largest `revision` it got misses nothing.
    """
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    require_storable(camera_id=camera_id)
    query = _in_cameras(_filtered(camera_id, status), camera_ids)
    if since_revision is None:
        query = query.order_by(Event.started_at.desc(), Event.id.desc())
    else:
        since = min(max(since_revision, 0), INT_MAX)
        query = query.where(Event.revision > since).order_by(Event.revision)
    views = [event_view(row) for row in session.scalars(query.limit(limit)).all()]
    return sorted(views, key=lambda view: (view.started_at, view.id), reverse=True)


def latest_revision_of(session: Session, camera_ids: Collection[str] | None = None) -> int:
    """The newest revision, among the events of `camera_ids` when given (0: none)."""
    if camera_ids is None:
        return latest_revision(session)
    return session.scalar(_in_cameras(select(func.max(Event.revision)), camera_ids)) or 0


def event_for_media(session: Session, media_path: str) -> EventView | None:
    """The event whose snapshot or clip is `media_path` (relative to the media root)."""
    query = select(Event).where(
        (Event.snapshot_path == media_path) | (Event.clip_path == media_path)
    )
    row = session.scalars(query.options(selectinload(Event.transitions))).first()
    return None if row is None else event_view(row)


def list_camera_health(session: Session) -> list[CameraView]:
    """Every camera with its last reported health, by facility."""
    rows = session.scalars(select(Camera).order_by(Camera.facility_id, Camera.id))
    return [camera_view(row) for row in rows]


def _in_cameras(query: Select[Any], camera_ids: Collection[str] | None) -> Select[Any]:
    return query if camera_ids is None else query.where(Event.camera_id.in_(list(camera_ids)))


def _filtered(camera_id: str | None, status: EventStatus | str | None) -> Select[Event]:
    query = select(Event).options(selectinload(Event.transitions))
    if camera_id is not None:
        query = query.where(Event.camera_id == camera_id)
    if status is not None:
        query = query.where(Event.status == str(EventStatus(status)))
    return query

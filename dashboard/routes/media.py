"""Media: snapshots and clips of events in the user's scope, with HTTP range support."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import FileResponse

from dashboard.auth import PrincipalDep, SessionsDep, audit
from dashboard.deps import MediaRootDep, ObjectsDep
from dashboard.media_files import fetch_media, resolve_media
from supervision.events.reads import event_for_media
from supervision.org.scope import can_read_camera

router = APIRouter(prefix="/media", tags=["media"])


@router.get("/{media_path:path}")
def media_file(
    media_path: str,
    principal: PrincipalDep,
    sessions: SessionsDep,
    media_root: MediaRootDep,
    objects: ObjectsDep,
    download: Annotated[bool, Query(description="Save as a file (audited as an export).")] = False,
    range_header: Annotated[str | None, Header(alias="range")] = None,
) -> FileResponse:
    """404 alike for a missing file, one no event names, and one outside the user's scope."""
    found = resolve_media(media_root, media_path)
    relative = media_path if found is None else found[0].relative_to(media_root).as_posix()
    with sessions() as session:
        event = event_for_media(session, relative)
    if event is None or not can_read_camera(principal.scope, event.camera_id):
        raise HTTPException(status_code=404, detail="no such media file")
    found = found or fetch_media(media_root, relative, event, objects)  # a district site's
    if found is None:
        raise HTTPException(status_code=404, detail="no such media file")
    path, media_type = found
    if download or (_first_request(range_header) and media_type.startswith("video/")):
        action = "clip_export" if download else "clip_view"
        audit(sessions, principal.actor, action, "event", str(event.id), {"path": relative})
    # FileResponse answers Range requests (206 / 416), which video seeking needs.
    return FileResponse(path, media_type=media_type, filename=path.name if download else None)


def _first_request(range_header: str | None) -> bool:
    """A player's first request of a file (no range, or from byte 0); seeks are not views."""
    return range_header is None or range_header.replace(" ", "").startswith("bytes=0-")

"""Expiring snapshot links sent to phone groups: the picture without signing in, audited."""

from __future__ import annotations

import time

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from dashboard.auth import SessionsDep, audit
from dashboard.deps import LinkSignerDep, MediaRootDep
from dashboard.media_files import resolve_media
from supervision.events.reads import get_event
from supervision.push.links import BadLink

router = APIRouter(prefix="/api/push", tags=["push"])
LINK_ACTOR = "phone-group link"


@router.get("/snapshots/{token}")
def snapshot(
    token: str,
    sessions: SessionsDep,
    media_root: MediaRootDep,
    signer: LinkSignerDep,
) -> FileResponse:
    """The event's snapshot while the link lasts; 404 alike for a forged, expired or spent one."""
    if signer is None or len(token) > 200:
        raise HTTPException(status_code=404, detail="no such link")
    try:
        event_id = signer.event_id(token, time.time())
    except BadLink as error:
        raise HTTPException(status_code=404, detail=f"no such link ({error})") from error
    with sessions() as session:
        event = get_event(session, event_id)
    found = None if event is None else resolve_media(media_root, event.snapshot_path or "")
    if event is None or found is None:
        raise HTTPException(status_code=404, detail="no such link")
    audit(sessions, LINK_ACTOR, "snapshot_link_view", "event", str(event_id), {})
    path, media_type = found
    return FileResponse(path, media_type=media_type)

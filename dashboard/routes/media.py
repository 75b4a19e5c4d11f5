"""Media: event snapshots and clips from the media root, with HTTP range support."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from dashboard.deps import MediaRootDep
from dashboard.media_files import resolve_media

router = APIRouter(prefix="/media", tags=["media"])


@router.get("/{media_path:path}")
def media_file(media_path: str, media_root: MediaRootDep) -> FileResponse:
    found = resolve_media(media_root, media_path)
    if found is None:
        raise HTTPException(status_code=404, detail="no such media file")
    path, media_type = found
    # FileResponse answers Range requests (206 / 416), which video seeking needs.
    return FileResponse(path, media_type=media_type)

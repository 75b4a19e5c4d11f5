"""Cameras: configured cameras with live health merged in."""

from __future__ import annotations

from fastapi import APIRouter

from dashboard.deps import LiveDep, StoreDep
from dashboard.live import LiveFeed
from dashboard.schemas import CameraOut
from supervision.records import CameraView

router = APIRouter(prefix="/api/cameras", tags=["cameras"])


@router.get("", response_model=list[CameraOut])
def list_cameras(store: StoreDep, live: LiveDep) -> list[CameraOut]:
    return merge_cameras(store.list_cameras(), live)


def merge_cameras(stored: list[CameraView], live: LiveFeed) -> list[CameraOut]:
    """Stored cameras with live health where the pipeline reports it, then live-only ones."""
    live_ids = live.camera_ids()
    cameras = [
        CameraOut.from_view(view, live.health(view.id), live=view.id in live_ids) for view in stored
    ]
    known = {view.id for view in stored}
    extra = [cid for cid in live_ids if cid not in known]
    return cameras + [CameraOut.live_only(cid, live.health(cid)) for cid in extra]

"""Cameras: configured cameras in the user's scope, with live health merged in."""

from __future__ import annotations

from fastapi import APIRouter

from dashboard.auth import PrincipalDep, SessionsDep
from dashboard.deps import LiveDep
from dashboard.live import LiveFeed
from dashboard.schemas.cameras import CameraOut
from supervision.events.reads import list_camera_health
from supervision.events.views import CameraView
from supervision.org.scope import Role, Scope, can_read_camera

router = APIRouter(prefix="/api/cameras", tags=["cameras"])


@router.get("", response_model=list[CameraOut])
def list_cameras(principal: PrincipalDep, sessions: SessionsDep, live: LiveDep) -> list[CameraOut]:
    with sessions() as session:
        stored = list_camera_health(session)
    return merge_cameras(stored, live, principal.scope)


def merge_cameras(stored: list[CameraView], live: LiveFeed, scope: Scope) -> list[CameraOut]:
    """Stored cameras in scope with live health, then (for admins) live ones the store lacks."""
    live_ids = live.camera_ids()
    cameras = [
        CameraOut.from_view(view, live.health(view.id), live=view.id in live_ids)
        for view in stored
        if can_read_camera(scope, view.id)
    ]
    if scope.role is not Role.ADMIN:
        return cameras
    known = {view.id for view in stored}
    extra = [cid for cid in live_ids if cid not in known]
    return cameras + [CameraOut.live_only(cid, live.health(cid)) for cid in extra]

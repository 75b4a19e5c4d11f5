"""An incident's timeline: every event on its facility's cameras around it, with media URLs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from dashboard.auth import PrincipalDep, SessionsDep
from dashboard.clip_info import clip_fps
from dashboard.deps import MediaRootDep
from dashboard.schemas.timeline import TimelineEventOut, TimelineOut
from supervision.events.incidents import get_incident
from supervision.events.timeline import incident_timeline
from supervision.org.scope import can_read_camera

router = APIRouter(prefix="/api/incidents", tags=["incidents"])

DEFAULT_WINDOW_S = 600


@router.get("/{incident_id}/timeline", response_model=TimelineOut)
def timeline(
    incident_id: int,
    principal: PrincipalDep,
    sessions: SessionsDep,
    media_root: MediaRootDep,
    window_s: Annotated[
        int, Query(ge=0, le=3600, description="Seconds before and after the incident.")
    ] = DEFAULT_WINDOW_S,
) -> TimelineOut:
    """Events of the incident's facility that started within `window_s` of it, oldest first."""
    with sessions() as session:
        view = get_incident(session, incident_id)
    # 404 alike for a missing incident and one outside the scope (as /api/incidents/{id}).
    if view is None or not can_read_camera(principal.scope, view.camera_id):
        raise HTTPException(status_code=404, detail=f"incident {incident_id} not found")
    with sessions() as session:
        found = incident_timeline(session, incident_id, window_s, principal.scope.camera_ids)
    if found is None:  # deleted between the two reads
        raise HTTPException(status_code=404, detail=f"incident {incident_id} not found")
    events = [
        TimelineEventOut.from_entry(entry, media_root, clip_fps(media_root, entry.event.clip_path))
        for entry in found.entries
    ]
    return TimelineOut.from_timeline(found, window_s, events)

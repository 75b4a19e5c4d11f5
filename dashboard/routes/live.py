"""Live video of one camera in the user's scope: WebRTC offer/answer and an MJPEG fallback."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse

from dashboard.auth import Principal, PrincipalDep, SessionsDep, audit
from dashboard.deps import ClosingDep, ConfigDep, LiveDep, PeersDep
from dashboard.live import LiveFeed
from dashboard.peers import OfferError
from dashboard.schemas import SessionDescriptionIn, SessionDescriptionOut
from dashboard.shutdown import until_closed
from streams.mjpeg import MJPEG_MEDIA_TYPE, mjpeg_stream
from supervision.scope import Role, can_read_camera

router = APIRouter(prefix="/api/cameras", tags=["live"])


@router.get("/{camera_id}/mjpeg")
async def mjpeg(
    camera_id: str,
    principal: PrincipalDep,
    sessions: SessionsDep,
    live: LiveDep,
    config: ConfigDep,
    closing: ClosingDep,
) -> StreamingResponse:
    _require_camera(live, principal, camera_id)
    audit(sessions, principal.actor, "live_view", "camera", camera_id, {"transport": "mjpeg"})
    frames = mjpeg_stream(
        lambda: live.latest_frame(camera_id), config.live_fps, config.mjpeg_quality
    )
    chunks = until_closed(frames, closing)
    return StreamingResponse(
        chunks, media_type=MJPEG_MEDIA_TYPE, headers={"Cache-Control": "no-store"}
    )


@router.post("/{camera_id}/webrtc", response_model=SessionDescriptionOut)
async def webrtc_offer(
    camera_id: str,
    offer: SessionDescriptionIn,
    principal: PrincipalDep,
    sessions: SessionsDep,
    live: LiveDep,
    peers: PeersDep,
) -> SessionDescriptionOut:
    _require_camera(live, principal, camera_id)
    try:
        answer = await peers.answer(camera_id, offer.sdp)
    except OfferError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    audit(sessions, principal.actor, "live_view", "camera", camera_id, {"transport": "webrtc"})
    return SessionDescriptionOut(sdp=answer.sdp, type=answer.type)


def _require_camera(live: LiveFeed, principal: Principal, camera_id: str) -> None:
    """404 alike for a camera that is not running and one outside the user's scope."""
    readable = can_read_camera(principal.scope, camera_id) or principal.scope.role is Role.ADMIN
    if camera_id not in live.camera_ids() or not readable:
        raise HTTPException(status_code=404, detail=f"camera {camera_id!r} is not live")

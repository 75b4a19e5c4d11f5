"""Live video of one camera in the user's scope: WebRTC offer/answer and an MJPEG fallback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from dashboard.auth import Principal, PrincipalDep, SessionsDep, audit
from dashboard.deps import ClosingDep, ConfigDep, LiveDep, PeersDep
from dashboard.live import FrameProvider, LiveFeed
from dashboard.peers import OfferError
from dashboard.schemas.live import SessionDescriptionIn, SessionDescriptionOut
from dashboard.shutdown import until_closed
from streams.mjpeg import MJPEG_MEDIA_TYPE, mjpeg_stream
from supervision.org.scope import Role, can_read_camera

router = APIRouter(prefix="/api/cameras", tags=["live"])

OverlayQuery = Annotated[
    bool, Query(description="Draw the detections (people, zones, fire) on the picture.")
]
WidthQuery = Annotated[
    int | None,
    Query(
        ge=16,
        le=7680,
        description="Scale the picture down to at most this many pixels wide (a small tile "
        "needs no full-size video); never scaled up.",
    ),
]


@router.get("/{camera_id}/mjpeg")
async def mjpeg(
    camera_id: str,
    principal: PrincipalDep,
    sessions: SessionsDep,
    live: LiveDep,
    config: ConfigDep,
    closing: ClosingDep,
    overlay: OverlayQuery = True,
    width: WidthQuery = None,
) -> StreamingResponse:
    _require_camera(live, principal, camera_id)
    detail = {"transport": "mjpeg", "overlay": overlay}
    # On a worker thread: a hung database must not stop the event loop (and every request).
    await run_in_threadpool(
        audit, sessions, principal.actor, "live_view", "camera", camera_id, detail
    )
    provider = FrameProvider(live, camera_id, overlay, width)
    frames = mjpeg_stream(provider, config.live_fps, config.mjpeg_quality)
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
    overlay: OverlayQuery = True,
    width: WidthQuery = None,
) -> SessionDescriptionOut:
    _require_camera(live, principal, camera_id)
    try:
        answer = await peers.answer(camera_id, offer.sdp, overlay, width)
    except OfferError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc
    detail = {"transport": "webrtc", "overlay": overlay}
    await run_in_threadpool(
        audit, sessions, principal.actor, "live_view", "camera", camera_id, detail
    )
    return SessionDescriptionOut(sdp=answer.sdp, type=answer.type)


def _require_camera(live: LiveFeed, principal: Principal, camera_id: str) -> None:
    """404 alike for a camera that is not running and one outside the user's scope."""
    readable = can_read_camera(principal.scope, camera_id) or principal.scope.role is Role.ADMIN
    if camera_id not in live.camera_ids() or not readable:
        raise HTTPException(status_code=404, detail=f"camera {camera_id!r} is not live")

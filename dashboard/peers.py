"""WebRTC peers of the live view: one relay per camera, peers closed on failure and at shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import numpy as np
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaRelay

from dashboard.live import LiveFeed
from streams.webrtc import LatestFrameTrack

logger = logging.getLogger(__name__)


class OfferError(ValueError):
    """The browser's offer could not be answered (malformed SDP, no common codec...)."""


class PeerRegistry:
    """Answers offers with a relayed live track and owns every peer connection it made."""

    def __init__(self, live: LiveFeed, fps: float, ice_servers: Sequence[str] = ()) -> None:
        self._live = live
        self._fps = fps
        # An explicit empty list keeps aiortc from trying a public STUN server.
        self._rtc_config = RTCConfiguration(iceServers=[RTCIceServer(urls=u) for u in ice_servers])
        self._relay = MediaRelay()
        self._sources: dict[str, MediaStreamTrack] = {}
        self._peers: dict[RTCPeerConnection, str] = {}

    @property
    def peer_count(self) -> int:
        return len(self._peers)

    async def answer(self, camera_id: str, offer_sdp: str) -> RTCSessionDescription:
        """Open a peer sending `camera_id`'s live video and return its SDP answer."""
        pc = RTCPeerConnection(self._rtc_config)
        self._peers[pc] = camera_id
        self._watch(pc)
        try:
            pc.addTrack(self._relay.subscribe(self._source(camera_id), buffered=False))
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:  # aiortc raises many types for bad SDP
            await self._close(pc)
            raise OfferError(f"cannot answer offer: {exc}") from exc
        return pc.localDescription

    async def close_all(self) -> None:
        await asyncio.gather(*(self._close(pc) for pc in list(self._peers)))

    def _watch(self, pc: RTCPeerConnection) -> None:
        @pc.on("connectionstatechange")
        async def on_state_change() -> None:
            logger.debug("peer %s is %s", id(pc), pc.connectionState)
            if pc.connectionState in ("failed", "closed"):
                await self._close(pc)

    def _source(self, camera_id: str) -> MediaStreamTrack:
        if camera_id not in self._sources:
            provider = _frame_provider(self._live, camera_id)
            self._sources[camera_id] = LatestFrameTrack(provider, fps=self._fps)
        return self._sources[camera_id]

    async def _close(self, pc: RTCPeerConnection) -> None:
        camera_id = self._peers.pop(pc, None)
        await pc.close()
        if camera_id is not None and camera_id not in self._peers.values():
            # Stopping the source ends the relay's reader task for this camera.
            source = self._sources.pop(camera_id, None)
            if source is not None:
                source.stop()


def _frame_provider(live: LiveFeed, camera_id: str) -> Callable[[], np.ndarray | None]:
    return lambda: live.latest_frame(camera_id)

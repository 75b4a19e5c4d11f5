"""WebRTC peers of the live view: one relay per camera, peers closed on failure and at shutdown."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaRelay

from dashboard.live import FrameProvider, LiveFeed
from streams.webrtc import LatestFrameTrack

logger = logging.getLogger(__name__)

# What a peer is sent: a camera, with or without the detection overlay, at most so wide.
SourceKey = tuple[str, bool, int | None]
T = TypeVar("T")


class OfferError(ValueError):
    """The browser's offer could not be answered (malformed SDP, no common codec...)."""


class MediaLoop:
    """An event loop on its own thread for the WebRTC peers.

    Sixteen live videos mean hundreds of frames and thousands of RTP packets a second; on
    the web server's loop they would queue in front of every request and event-stream push
    (a wall of 16 tiles delayed a plain GET by seconds on 2 busy cores).
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._thread is not None

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the media loop (started on first use) and wait for it here."""
        loop = self._start()
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))

    async def close(self) -> None:
        """End what is left on the media loop (tasks, encoder threads), then the loop."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(_wind_down(), loop))
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(thread.join, 10)
        loop.close()

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name="webrtc-media", daemon=True
                )
                self._thread.start()
            return self._loop


async def _wind_down(timeout_s: float = 2.0) -> None:
    """Let the loop's other tasks end (a stopped track ends its relay at its next frame),
    cancel the ones that do not, and end the encoders' threads."""
    current = asyncio.current_task()
    tasks = [task for task in asyncio.all_tasks() if task is not current]
    if tasks:
        _, pending = await asyncio.wait(tasks, timeout=timeout_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    await asyncio.get_running_loop().shutdown_default_executor()


class PeerRegistry:
    """Answers offers with a relayed live track and owns every peer connection it made.

    The peers live on a `MediaLoop` of their own; `answer` and `close_all` may be awaited
    from any event loop.
    """

    def __init__(self, live: LiveFeed, fps: float, ice_servers: Sequence[str] = ()) -> None:
        self._media = MediaLoop()
        self._live = live
        self._fps = fps
        # An explicit empty list keeps aiortc from trying a public STUN server.
        self._rtc_config = RTCConfiguration(iceServers=[RTCIceServer(urls=u) for u in ice_servers])
        self._relay = MediaRelay()
        self._sources: dict[SourceKey, MediaStreamTrack] = {}
        self._peers: dict[RTCPeerConnection, SourceKey] = {}

    @property
    def peer_count(self) -> int:
        return len(self._peers)

    async def answer(
        self,
        camera_id: str,
        offer_sdp: str,
        overlay: bool = True,
        max_width_px: int | None = None,
    ) -> RTCSessionDescription:
        """Open a peer sending `camera_id`'s live video and return its SDP answer.

        `overlay` off sends the picture without detections drawn; `max_width_px` scales it
        down to fit a small tile (peers asking the same share one source).
        """
        key = (camera_id, overlay, max_width_px)
        return await self._media.run(self._answer(key, offer_sdp))

    async def close_all(self) -> None:
        """Close every peer and stop the media loop (a later offer starts it again)."""
        if self._media.running:
            await self._media.run(self._close_all())
        await self._media.close()

    async def _answer(self, key: SourceKey, offer_sdp: str) -> RTCSessionDescription:
        pc = RTCPeerConnection(self._rtc_config)
        self._peers[pc] = key
        self._watch(pc)
        try:
            pc.addTrack(self._relay.subscribe(self._source(key), buffered=False))
            await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:  # aiortc raises many types for bad SDP
            await self._close(pc)
            raise OfferError(f"cannot answer offer: {exc}") from exc
        return pc.localDescription

    async def _close_all(self) -> None:
        await asyncio.gather(*(self._close(pc) for pc in list(self._peers)))

    def _watch(self, pc: RTCPeerConnection) -> None:
        @pc.on("connectionstatechange")
        async def on_state_change() -> None:
            logger.debug("peer %s is %s", id(pc), pc.connectionState)
            if pc.connectionState in ("failed", "closed"):
                await self._close(pc)

    def _source(self, key: SourceKey) -> MediaStreamTrack:
        if key not in self._sources:
            provider = FrameProvider(self._live, *key)
            self._sources[key] = LatestFrameTrack(provider, fps=self._fps)
        return self._sources[key]

    async def _close(self, pc: RTCPeerConnection) -> None:
        key = self._peers.pop(pc, None)
        await pc.close()
        if key is not None and key not in self._peers.values():
            # Stopping the source ends the relay's reader task for this camera (and overlay).
            source = self._sources.pop(key, None)
            if source is not None:
                source.stop()

"""WebRTC peers: two in-process aiortc peers, and peers closed at app shutdown."""

from __future__ import annotations

import asyncio

import av
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dashboard.live import StaticLiveFeed
from dashboard.peers import PeerRegistry


async def _client_offer() -> RTCPeerConnection:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    return pc


async def _two_peers(live_feed: StaticLiveFeed) -> tuple[av.VideoFrame, int, int]:
    registry = PeerRegistry(live_feed, fps=15)
    client = await _client_offer()
    tracks: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
    client.on("track", tracks.put_nowait)
    try:
        await client.setRemoteDescription(
            await registry.answer("cam-1", client.localDescription.sdp)
        )
        track = await asyncio.wait_for(tracks.get(), timeout=10)
        frame = await asyncio.wait_for(track.recv(), timeout=20)
        assert isinstance(frame, av.VideoFrame)
        open_peers = registry.peer_count
        await registry.close_all()
        return frame, open_peers, registry.peer_count
    finally:
        await client.close()


def test_registry_sends_frames_and_closes_peers(live_feed: StaticLiveFeed) -> None:
    frame, open_before, open_after = asyncio.run(_two_peers(live_feed))
    assert (frame.width, frame.height) == (320, 240)
    assert (open_before, open_after) == (1, 0)


def _offer_sdp() -> str:
    async def make() -> str:
        pc = await _client_offer()
        sdp = pc.localDescription.sdp
        await pc.close()
        return sdp

    return asyncio.run(make())


def test_shutdown_closes_open_peers(app: FastAPI, tokens: dict[str, str]) -> None:
    peers: PeerRegistry = app.state.context.peers
    offer = {"sdp": _offer_sdp(), "type": "offer"}

    with TestClient(app, headers={"Authorization": f"Bearer {tokens['officer-1']}"}) as client:
        answers = [client.post("/api/cameras/cam-1/webrtc", json=offer) for _ in range(2)]
        open_during = peers.peer_count

    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json()["type"] == "answer"
    assert open_during == 2
    assert peers.peer_count == 0


async def _viewers_of_one_camera(live_feed: StaticLiveFeed, count: int) -> list[tuple[int, int]]:
    """`count` peers watch cam-1 at 160 px wide; each receives frames for a while."""
    registry = PeerRegistry(live_feed, fps=30)
    clients = [await _client_offer() for _ in range(count)]
    tracks: list[asyncio.Queue[MediaStreamTrack]] = [asyncio.Queue() for _ in clients]
    for client, queue in zip(clients, tracks, strict=True):
        client.on("track", queue.put_nowait)
    try:
        for client in clients:
            answer = await registry.answer("cam-1", client.localDescription.sdp, True, 160)
            await client.setRemoteDescription(answer)
        received = [await asyncio.wait_for(queue.get(), timeout=10) for queue in tracks]
        # Both encoders work on the relay's shared frames at once for a second.
        frames = await asyncio.gather(*(_frames(track, 30) for track in received))
        return [(frame.width, frame.height) for frame in frames]
    finally:
        await registry.close_all()
        for client in clients:
            await client.close()


async def _frames(track: MediaStreamTrack, count: int) -> av.VideoFrame:
    for _ in range(count - 1):
        await asyncio.wait_for(track.recv(), timeout=20)
    frame = await asyncio.wait_for(track.recv(), timeout=20)
    assert isinstance(frame, av.VideoFrame)
    return frame


def test_viewers_of_one_camera_share_its_frames(live_feed: StaticLiveFeed) -> None:
    assert asyncio.run(_viewers_of_one_camera(live_feed, 2)) == [(160, 120), (160, 120)]

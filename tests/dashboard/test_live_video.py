"""Live video routes: MJPEG multipart stream and WebRTC offer/answer with a real aiortc peer."""

from __future__ import annotations

import asyncio
import time

import av
import cv2
import httpx
import numpy as np
import pytest
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from fastapi.testclient import TestClient

from dashboard.deps import AppContext
from dashboard.live import StaticLiveFeed
from tests.dashboard.conftest import LiveServer
from tests.dashboard.media_helpers import draw_picture

JPEG_START, JPEG_END = b"\xff\xd8", b"\xff\xd9"


def _first_jpeg(response: httpx.Response, max_bytes: int = 2_000_000) -> bytes:
    buffer = b""
    for chunk in response.iter_bytes():
        buffer += chunk
        start = buffer.find(JPEG_START)
        end = buffer.find(JPEG_END, start + 2)
        if start >= 0 and end > 0:
            return buffer[start : end + 2]
        if len(buffer) > max_bytes:
            break
    raise AssertionError("no complete JPEG in the MJPEG stream")


def test_mjpeg_streams_jpeg_parts(live_server: LiveServer) -> None:
    with (
        httpx.Client(base_url=live_server.url, headers=live_server.headers, timeout=10) as http,
        http.stream("GET", "/api/cameras/cam-1/mjpeg") as response,
    ):
        content_type = response.headers["content-type"]
        jpeg = _first_jpeg(response)

    assert content_type == "multipart/x-mixed-replace; boundary=frame"
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape == (240, 320, 3)


@pytest.mark.parametrize("kind", ["mjpeg", "webrtc"])
def test_unknown_camera_is_404(client: TestClient, kind: str) -> None:
    url = f"/api/cameras/cam-2/{kind}"
    response = client.get(url) if kind == "mjpeg" else client.post(url, json=_offer("v=0"))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, 422),
        ({"sdp": "v=0", "type": "answer"}, 422),
        ({"sdp": "garbage", "type": "offer"}, 400),
    ],
    ids=["empty", "not-an-offer", "bad-sdp"],
)
def test_bad_offers(client: TestClient, body: dict[str, str], code: int) -> None:
    assert client.post("/api/cameras/cam-1/webrtc", json=body).status_code == code


def _offer(sdp: str) -> dict[str, str]:
    return {"sdp": sdp, "type": "offer"}


async def _receive_frame(
    base_url: str, headers: dict[str, str], path: str = "/api/cameras/cam-1/webrtc"
) -> av.VideoFrame:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction="recvonly")
    tracks: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
    pc.on("track", tracks.put_nowait)

    try:
        await pc.setLocalDescription(await pc.createOffer())
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=10) as http:
            response = await http.post(path, json=_offer(pc.localDescription.sdp))
        response.raise_for_status()
        await pc.setRemoteDescription(RTCSessionDescription(**response.json()))
        track = await asyncio.wait_for(tracks.get(), timeout=10)
        frame = await asyncio.wait_for(track.recv(), timeout=20)
        assert isinstance(frame, av.VideoFrame)
        return frame
    finally:
        await pc.close()


def test_webrtc_peer_receives_live_frames(live_server: LiveServer) -> None:
    peers = live_server.app.state.context.peers
    assert isinstance(live_server.app.state.context, AppContext)

    frame = asyncio.run(_receive_frame(live_server.url, live_server.headers))

    assert (frame.width, frame.height) == (320, 240)
    # The closed client peer is noticed and dropped by the server.
    deadline = time.monotonic() + 15
    while peers.peer_count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert peers.peer_count == 0


# A solid green box drawn only on the annotated picture (where the gradient is blue-grey).
OVERLAY_ROWS, OVERLAY_COLS = slice(150, 220), slice(200, 300)


def _picture_pair(feed: StaticLiveFeed) -> None:
    raw = draw_picture(320, 240, index=3)
    annotated = raw.copy()
    annotated[OVERLAY_ROWS, OVERLAY_COLS] = (0, 255, 0)
    feed.set_frame("cam-1", annotated, raw)


def _shows_overlay(image_bgr: np.ndarray) -> bool:
    blue, green, red = image_bgr[OVERLAY_ROWS, OVERLAY_COLS].reshape(-1, 3).mean(axis=0)
    return bool(green > 200 and blue < 60 and red < 60)


@pytest.mark.parametrize(
    ("query", "overlay"),
    [("", True), ("?overlay=1", True), ("?overlay=0", False), ("?overlay=false", False)],
    ids=["default", "on", "off", "false"],
)
def test_mjpeg_with_and_without_overlay(
    live_server: LiveServer, live_feed: StaticLiveFeed, query: str, overlay: bool
) -> None:
    _picture_pair(live_feed)
    with (
        httpx.Client(base_url=live_server.url, headers=live_server.headers, timeout=10) as http,
        http.stream("GET", f"/api/cameras/cam-1/mjpeg{query}") as response,
    ):
        jpeg = _first_jpeg(response)
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert _shows_overlay(image) is overlay


@pytest.mark.parametrize("query", ["overlay=maybe", "width=8", "width=99999", "width=wide"])
def test_bad_stream_choices_are_422(client: TestClient, query: str) -> None:
    assert client.get(f"/api/cameras/cam-1/mjpeg?{query}").status_code == 422


def test_mjpeg_scaled_to_the_width_asked(live_server: LiveServer) -> None:
    with (
        httpx.Client(base_url=live_server.url, headers=live_server.headers, timeout=10) as http,
        http.stream("GET", "/api/cameras/cam-1/mjpeg?width=160") as response,
    ):
        jpeg = _first_jpeg(response)
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (120, 160, 3)


def test_webrtc_with_and_without_overlay(
    live_server: LiveServer, live_feed: StaticLiveFeed
) -> None:
    _picture_pair(live_feed)

    async def both() -> list[av.VideoFrame]:
        paths = [f"/api/cameras/cam-1/webrtc?overlay={flag}" for flag in (1, 0)]
        return [await _receive_frame(live_server.url, live_server.headers, p) for p in paths]

    with_overlay, without = asyncio.run(both())
    assert _shows_overlay(with_overlay.to_ndarray(format="bgr24"))
    assert not _shows_overlay(without.to_ndarray(format="bgr24"))

from __future__ import annotations

import asyncio
import time

import av
import cv2
import numpy as np
import pytest

from streams.mjpeg import MJPEG_MEDIA_TYPE, mjpeg_stream
from streams.webrtc import VIDEO_TIME_BASE, LatestFrameTrack, i420_frame
from tests.streams.videos import moving_box


class Provider:
    """Serves a new moving-box frame on every call, or None when told to."""

    def __init__(self, none_after: int | None = None) -> None:
        self.calls = 0
        self.none_after = none_after

    def __call__(self) -> np.ndarray | None:
        self.calls += 1
        if self.none_after is not None and self.calls > self.none_after:
            return None
        return moving_box(self.calls, (64, 48))


async def receive(track: LatestFrameTrack, count: int) -> list[av.VideoFrame]:
    return [await track.recv() for _ in range(count)]


def test_track_sends_latest_frames_with_increasing_pts() -> None:
    track = LatestFrameTrack(Provider(none_after=3), fps=20.0, placeholder_size_wh=(160, 120))
    started = time.monotonic()
    frames = asyncio.run(receive(track, 5))
    elapsed_s = time.monotonic() - started
    assert all(isinstance(f, av.VideoFrame) for f in frames)
    assert [f.pts for f in frames] == [0, 4500, 9000, 13500, 18000]  # 90 kHz at 20 fps
    assert all(f.time_base == VIDEO_TIME_BASE for f in frames)
    assert (frames[0].width, frames[0].height) == (64, 48)
    assert (frames[4].width, frames[4].height) == (160, 120)  # "no signal" placeholder
    assert 0.18 <= elapsed_s < 2.0


@pytest.mark.parametrize(
    ("shape", "size_wh"),
    [((48, 64, 3), (64, 48)), ((49, 65, 3), (64, 48)), ((2, 2, 3), (2, 2))],
    ids=["even", "odd-cropped", "smallest"],
)
def test_frames_go_out_as_yuv420p(shape: tuple[int, int, int], size_wh: tuple[int, int]) -> None:
    """The encoders take yuv420p as it is; they convert nothing (and share nothing)."""
    image = np.zeros(shape, np.uint8)
    image[..., 2] = 255  # red
    frame = i420_frame(image)
    assert frame.format.name == "yuv420p"
    assert (frame.width, frame.height) == size_wh
    back = frame.to_ndarray(format="bgr24")
    assert np.abs(back.astype(int) - (0, 0, 255)).max() <= 3


def test_track_rejects_bad_fps() -> None:
    with pytest.raises(ValueError, match="fps must be positive"):
        LatestFrameTrack(Provider(), fps=0.0)


async def take_chunks(count: int, provider: Provider) -> list[bytes]:
    chunks: list[bytes] = []
    async for chunk in mjpeg_stream(provider, fps=50.0, quality=80):
        chunks.append(chunk)
        if len(chunks) == count:
            break
    return chunks


def test_mjpeg_stream_yields_multipart_jpegs() -> None:
    chunks = asyncio.run(take_chunks(3, Provider(none_after=2)))
    assert MJPEG_MEDIA_TYPE == "multipart/x-mixed-replace; boundary=frame"
    for chunk in chunks:
        head, _, body = chunk.partition(b"\r\n\r\n")
        assert head.startswith(b"--frame\r\nContent-Type: image/jpeg\r\n")
        length = int(head.split(b"Content-Length: ")[1])
        assert len(body) == length + 2 and body.endswith(b"\r\n")
        image = cv2.imdecode(np.frombuffer(body[:-2], np.uint8), cv2.IMREAD_COLOR)
        assert image is not None
    last = cv2.imdecode(np.frombuffer(chunks[2].partition(b"\r\n\r\n")[2][:-2], np.uint8), 1)
    assert last is not None and last.shape == (
        360,
        640,
        3,
    )  # the placeholder when there is no frame

"""WebRTC live view: a video track that sends the latest frame of a camera."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from fractions import Fraction

import av
import cv2
import numpy as np
from aiortc import VideoStreamTrack
from aiortc.mediastreams import MediaStreamError

from streams.placeholder import no_signal_image

VIDEO_CLOCK_RATE = 90_000  # RTP video clock
VIDEO_TIME_BASE = Fraction(1, VIDEO_CLOCK_RATE)

FrameProvider = Callable[[], np.ndarray | None]


class LatestFrameTrack(VideoStreamTrack):
    """Sends whatever `provider()` returns now (BGR image, or None for "no signal") at `fps`.

    The provider must be cheap and non-blocking (e.g. `lambda: slot.peek()` plus the latest
    overlay); frames the viewer cannot take in time are simply never sent.
    """

    def __init__(
        self,
        provider: FrameProvider,
        fps: float = 15.0,
        placeholder_size_wh: tuple[int, int] = (640, 360),
    ) -> None:
        super().__init__()
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self._provider = provider
        self._period_ticks = round(VIDEO_CLOCK_RATE / fps)
        self._placeholder_size_wh = placeholder_size_wh
        self._start_s: float | None = None
        self._ticks = 0

    async def next_timestamp(self) -> tuple[int, Fraction]:
        """Paces sending at `fps` and returns (pts, time_base) on the 90 kHz RTP clock."""
        if self.readyState != "live":
            raise MediaStreamError
        if self._start_s is None:
            self._start_s = time.monotonic()
        else:
            self._ticks += self._period_ticks
            due_s = self._start_s + self._ticks / VIDEO_CLOCK_RATE
            await asyncio.sleep(max(0.0, due_s - time.monotonic()))
        return self._ticks, VIDEO_TIME_BASE

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        image = self._provider()
        if image is None:
            image = no_signal_image(*self._placeholder_size_wh)
        frame = i420_frame(image)
        frame.pts, frame.time_base = pts, time_base
        return frame


def i420_frame(image_bgr: np.ndarray) -> av.VideoFrame:
    """The picture as a yuv420p frame, the format the video encoders take (odd sizes cropped).

    Converted once here, a frame relayed to several peers is not converted again by each
    peer's encoder; that conversion would also share the frame's one PyAV reformatter between
    the encoder threads, which crashes.
    """
    height, width = image_bgr.shape[:2]
    even = np.ascontiguousarray(image_bgr[: height - height % 2, : width - width % 2])
    planes: np.ndarray = cv2.cvtColor(even, cv2.COLOR_BGR2YUV_I420).astype(np.uint8, copy=False)
    return av.VideoFrame.from_ndarray(planes, "yuv420p")

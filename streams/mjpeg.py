"""MJPEG fallback for the live view: multipart JPEG chunks for a streaming HTTP response."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import numpy as np

from streams.placeholder import no_signal_image
from streams.ringbuffer import encode_jpeg

BOUNDARY = "frame"
MJPEG_MEDIA_TYPE = f"multipart/x-mixed-replace; boundary={BOUNDARY}"


def mjpeg_part(jpeg: bytes) -> bytes:
    head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
    return head.encode("ascii") + jpeg + b"\r\n"


async def mjpeg_stream(
    provider: Callable[[], np.ndarray | None], fps: float = 5.0, quality: int = 80
) -> AsyncIterator[bytes]:
    """Yields one multipart chunk per tick, forever (the HTTP server ends it on disconnect).

    Encoding runs in a worker thread so the event loop stays free; an unchanged image (the
    same array object) is not encoded again.
    """
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    loop = asyncio.get_running_loop()
    period_s = 1.0 / fps
    last_image: np.ndarray | None = None
    chunk = b""
    next_s = loop.time()
    while True:
        image = provider()
        if image is None:
            image = no_signal_image()
        if image is not last_image:
            chunk = mjpeg_part(await asyncio.to_thread(encode_jpeg, image, quality))
            last_image = image
        yield chunk
        next_s = max(next_s + period_s, loop.time() - period_s)  # a slow client gets no burst
        await asyncio.sleep(max(0.0, next_s - loop.time()))

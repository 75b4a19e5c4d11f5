"""Small generated test videos: a white box moving over a dark background."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

VideoFactory = Callable[..., Path]


def moving_box(index: int, size_wh: tuple[int, int]) -> np.ndarray:
    """A white box moving right by 2 px a frame over a dark grey background."""
    width, height = size_wh
    image = np.full((height, width, 3), 40, np.uint8)
    x = (2 * index) % max(1, width - 16)
    image[height // 4 : height // 4 + 16, x : x + 16] = 255
    return image


def write_video(
    path: Path, frame_count: int, fps: int, size_wh: tuple[int, int], keyframe_every: int = 250
) -> Path:
    with av.open(str(path), "w") as container:
        options = {"g": str(keyframe_every), "keyint_min": str(keyframe_every)}
        stream = container.add_stream("libx264", rate=fps, options=options)
        stream.width, stream.height, stream.pix_fmt = size_wh[0], size_wh[1], "yuv420p"
        for index in range(frame_count):
            frame = av.VideoFrame.from_ndarray(moving_box(index, size_wh), format="bgr24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path

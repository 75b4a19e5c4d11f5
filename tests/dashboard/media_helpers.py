"""Real test media: drawn BGR pictures, JPEG snapshots and browser-playable H.264 MP4 clips."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np


def draw_picture(width: int = 320, height: int = 240, index: int = 0) -> np.ndarray:
    """A BGR picture with a gradient, a moving box and a frame number."""
    ramp = np.linspace(0, 255, width, dtype=np.uint8)
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[:, :, 0] = ramp
    image[:, :, 1] = ramp[::-1]
    x = (index * 7) % max(1, width - 60)
    cv2.rectangle(image, (x, height // 3), (x + 60, height // 3 + 60), (0, 0, 255), -1)
    cv2.putText(image, f"#{index}", (10, height - 15), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255,) * 3, 2)
    return image


def write_jpeg(path: Path, image_bgr: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, encoded = cv2.imencode(".jpg", image_bgr, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise RuntimeError(f"cannot encode JPEG for {path}")
    path.write_bytes(encoded.tobytes())
    return path


def write_h264_clip(
    path: Path, *, seconds: float = 2.0, fps: int = 10, size_wh: tuple[int, int] = (320, 240)
) -> Path:
    """An H.264 MP4 with the moov atom up front, as Chromium plays it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = size_wh
    with av.open(str(path), "w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for index in range(round(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(draw_picture(width, height, index), format="bgr24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path

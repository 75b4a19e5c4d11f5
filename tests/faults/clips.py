"""Inputs with a known number of falls: a real fall clip behind a still lead-in."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

FALL_CLIP = "assist-iot/fall/05_vertical_fall_faint.mp4"  # one person, one fall
SIZE_WH = (640, 360)
FPS = 15


def lead_in_fall(source: Path, target: Path, lead_in_s: float, tail_s: float = 0.0) -> Path:
    """`source` at 640×360 and 15 fps behind `lead_in_s` of its first picture: the fall comes
    late enough for a test to inject its fault first; `tail_s` of its last picture after."""
    frames = _frames(source)
    still = [frames[0]] * round(lead_in_s * FPS)
    frames += [frames[-1]] * round(tail_s * FPS)
    with av.open(str(target), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = SIZE_WH
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "veryfast", "g": str(FPS)}
        for index, picture in enumerate([*still, *frames]):
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, FPS)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return target


def _frames(source: Path) -> list[np.ndarray]:
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        step = max(1, round(float(stream.average_rate or FPS) / FPS))
        return [
            frame.reformat(*SIZE_WH, format="rgb24").to_ndarray()
            for index, frame in enumerate(container.decode(stream))
            if index % step == 0
        ]

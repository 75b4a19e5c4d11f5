"""Fixtures for the vision tests: a real camera frame from the evaluation clips."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

WALKING_CLIP = "assist-iot/adl/01_walking_slowly.mp4"


@pytest.fixture(scope="module")
def walking_frame(eval_dir: Path) -> np.ndarray:
    """The first 1280x720 frame of a real clip (one person walking); skips without the data."""
    clip = eval_dir / WALKING_CLIP
    if not clip.is_file():
        pytest.skip(f"{clip} not found")
    with av.open(str(clip)) as container:
        return next(container.decode(video=0)).to_ndarray(format="bgr24")

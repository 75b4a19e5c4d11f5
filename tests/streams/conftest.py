"""Fixtures for streams tests: small generated videos in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.streams.videos import VideoFactory, write_video


@pytest.fixture
def make_video(tmp_path: Path) -> VideoFactory:
    """make_video(name="v.mp4", frame_count=30, fps=30, size_wh=(64, 48), keyframe_every=250)."""

    def make(
        name: str = "v.mp4",
        frame_count: int = 30,
        fps: int = 30,
        size_wh: tuple[int, int] = (64, 48),
        keyframe_every: int = 250,
    ) -> Path:
        return write_video(tmp_path / name, frame_count, fps, size_wh, keyframe_every)

    return make

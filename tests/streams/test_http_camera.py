"""HTTP cameras on a real local server: a served recording at its own pace, MJPEG by arrival,
and an event's clip still buffered when it is written late."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.clips import ClipEvent, ClipRecorder, ClipResult
from streams.config import ClipConfig, ReconnectConfig, UrlSourceConfig
from streams.frame import Frame
from streams.packets import PacketRing
from streams.reader import CameraReader
from streams.sources import UrlSource
from tests.streams.http_camera import http_camera, write_web_video
from tests.streams.videos import moving_box

FAST = ReconnectConfig(initial_backoff_s=0.1, max_backoff_s=0.2)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    write_web_video(tmp_path / "room.mp4", frame_count=30, fps=20)  # 1.5 s
    with http_camera(tmp_path) as base_url:
        yield base_url


def read_frames(source: UrlSource, count: int) -> list[Frame]:
    source.open()
    try:
        return [frame for _ in range(count) if (frame := source.read()) is not None]
    finally:
        source.close()


def test_a_recording_served_over_http_comes_at_its_own_pace(server: str) -> None:
    source = UrlSource("cam", UrlSourceConfig(url=f"{server}/room.mp4"))
    started_s = time.monotonic()
    frames = read_frames(source, 100)
    elapsed_s = time.monotonic() - started_s

    assert len(frames) == 30
    assert frames[-1].pts_s == pytest.approx(29 / 20, abs=1e-3)
    # It used to arrive as fast as it decoded: 1.5 s of video in a few hundredths of a second.
    assert elapsed_s >= 1.3


def test_mjpeg_over_http_is_timed_by_arrival(server: str) -> None:
    source = UrlSource("cam", UrlSourceConfig(url=f"{server}/mjpeg?fps=10"))
    frames = read_frames(source, 11)

    # FFmpeg counts MJPEG frames at 25 fps: 10 frames a second made 0.4 s of video a second.
    assert len(frames) == 11
    assert frames[-1].pts_s == pytest.approx(1.0, abs=0.25)


def test_an_http_cameras_clip_is_still_buffered_when_written_late(
    server: str, tmp_path: Path
) -> None:
    config = ClipConfig(pre_roll_s=0.5, post_roll_s=0.3, max_lead_s=1.0, fps=20, max_width_px=160)
    ring = PacketRing(config.max_lead_s + config.post_roll_s + 5.0, config.fps, 160)
    reader = CameraReader("cam", UrlSourceConfig(url=f"{server}/room.mp4"), FAST, ring=ring)
    recorder = ClipRecorder(ring, config, tmp_path / "clips")
    done: list[ClipResult] = []
    finished = threading.Event()

    def on_done(result: ClipResult) -> None:
        done.append(result)
        finished.set()

    reader.start()
    try:
        frame = wait_for_frame(reader, after_s=0.8)
        time.sleep(1.5)  # the clip writer was busy with another camera's clip
        recorder.start()
        event = ClipEvent("fall-1", "cam", frame.pts_s, frame.pts_s, frame.captured_at)
        recorder.request(event, moving_box(0, (64, 48)), on_done)
        assert finished.wait(10.0)
    finally:
        recorder.stop()
        reader.stop()

    result = done[0]
    assert result.clip_path is not None, "no frames buffered for the event"
    assert result.duration_s == pytest.approx(0.8, abs=0.15)


def wait_for_frame(reader: CameraReader, after_s: float, timeout_s: float = 10.0) -> Frame:
    deadline_s = time.monotonic() + timeout_s
    while time.monotonic() < deadline_s:
        frame = reader.slot.peek()
        if frame is not None and frame.pts_s >= after_s:
            return frame
        time.sleep(0.02)
    raise AssertionError(f"no frame past {after_s} s within {timeout_s} s")

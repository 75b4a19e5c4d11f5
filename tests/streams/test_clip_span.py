"""A clip covers its event: pre-roll before the start, post-roll after the confirmation, at
the camera's frame rate, from either buffer kind."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import av
import numpy as np
import pytest

from streams.clips import BufferedVideo, ClipEvent, ClipRecorder, ClipResult
from streams.config import ClipConfig, FileSourceConfig
from streams.packets import PacketRing
from streams.ringbuffer import RingBuffer
from streams.sources import FileSource
from tests.streams.videos import moving_box

CAMERA_FPS = 15
SECONDS = 10.0
STILL_FROM_S = 4.0  # the box stops here (a person lying still): the JPEG buffer repeats
PERIOD_S = 1 / CAMERA_FPS
T0_EPOCH_S = 1_765_000_000.0


def picture(index: int) -> np.ndarray:
    return moving_box(min(index, round(STILL_FROM_S * CAMERA_FPS)), (64, 48))


def jpeg_camera(config: ClipConfig, tmp_path: Path) -> BufferedVideo:
    """A USB or demo camera's buffer, fed every frame the camera sends."""
    ring = RingBuffer(60.0, config.fps, 160, config.jpeg_quality, config.still_fps)
    for index in range(round(SECONDS * CAMERA_FPS)):
        ring.add(index * PERIOD_S, picture(index))
    return ring


def stream_camera(config: ClipConfig, tmp_path: Path) -> BufferedVideo:
    """A file or stream camera's buffer: the packets of an H.264 file (with B-frames)."""
    path = tmp_path / "camera.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=CAMERA_FPS, options={"g": "15"})
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(round(SECONDS * CAMERA_FPS)):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(picture(index), "bgr24")))
        container.mux(stream.encode(None))
    source = FileSource("cam", FileSourceConfig(path=str(path), realtime=False, max_fps=2))
    source.open()
    ring = PacketRing(60.0, config.fps, 160)
    while source.read() is not None:
        ring.add_packets(source.drain_packets())
    ring.add_packets(source.drain_packets())
    source.close()
    return ring


Camera = Callable[[ClipConfig, Path], BufferedVideo]
CAMERAS = pytest.mark.parametrize("camera", [jpeg_camera, stream_camera], ids=["jpeg", "stream"])


def record(ring: BufferedVideo, config: ClipConfig, event: ClipEvent, folder: Path) -> ClipResult:
    recorder = ClipRecorder(ring, config, folder)
    results: list[ClipResult] = []
    recorder.request(event, picture(0), results.append)
    recorder.stop()
    return results[0]


def frame_times(result: ClipResult) -> tuple[list[float], float, float]:
    """(video time of each frame, container duration, header frame rate) of a written clip."""
    assert result.clip_path is not None and result.clip_start_pts_s is not None
    with av.open(str(result.clip_path)) as container:
        stream = container.streams.video[0]
        times = [result.clip_start_pts_s + float(f.time) for f in container.decode(stream)]
        assert container.duration is not None and stream.average_rate is not None
        return times, container.duration / 1_000_000, float(stream.average_rate)


@CAMERAS
def test_a_clip_runs_from_pre_roll_before_the_start_to_post_roll_after_the_confirmation(
    camera: Camera, tmp_path: Path
) -> None:
    config = ClipConfig(pre_roll_s=1.0, post_roll_s=2.0, max_lead_s=10.0, max_width_px=160)
    fall = ClipEvent("fall", "cam", 3.0, 5.0, T0_EPOCH_S)  # descent at 3 s, raised at 5 s

    result = record(camera(config, tmp_path), config, fall, tmp_path / "clips")

    times, duration_s, header_fps = frame_times(result)
    assert 2.0 - 1e-3 <= times[0] < 2.0 + PERIOD_S  # start - pre_roll_s
    assert 7.0 - PERIOD_S < times[-1] <= 7.0 + 1e-3  # confirmation + post_roll_s
    gaps = np.diff(times)
    assert gaps == pytest.approx([PERIOD_S] * len(gaps), abs=2e-3)  # every camera frame
    assert duration_s == pytest.approx(times[-1] - times[0] + PERIOD_S, abs=0.01)
    assert header_fps == pytest.approx(CAMERA_FPS, rel=0.02)
    assert result.duration_s == pytest.approx(duration_s, abs=0.01)


@CAMERAS
def test_a_camera_faster_than_clips_fps_keeps_every_kth_frame(
    camera: Camera, tmp_path: Path
) -> None:
    config = ClipConfig(pre_roll_s=1.0, post_roll_s=2.0, fps=10.0, max_width_px=160)
    fall = ClipEvent("a", "cam", 3.0, 5.0, T0_EPOCH_S)
    result = record(camera(config, tmp_path), config, fall, tmp_path)

    times, _, header_fps = frame_times(result)
    gaps = np.diff(times)
    assert gaps == pytest.approx([2 * PERIOD_S] * len(gaps), abs=2e-3)  # 7.5 fps, evenly
    assert times[0] < 2.0 + 2 * PERIOD_S and times[-1] > 7.0 - 2 * PERIOD_S
    assert header_fps == pytest.approx(CAMERA_FPS / 2, rel=0.02)


@CAMERAS
def test_a_late_confirmed_event_reaches_back_max_lead_s(camera: Camera, tmp_path: Path) -> None:
    """A long lie raised 7.5 s after the lying began: the clip shows the last max_lead_s."""
    config = ClipConfig(pre_roll_s=1.0, post_roll_s=1.0, max_lead_s=3.0, max_width_px=160)
    long_lie = ClipEvent("lie", "cam", 0.5, 8.0, T0_EPOCH_S)

    times, _, _ = frame_times(record(camera(config, tmp_path), config, long_lie, tmp_path))

    assert 5.0 - 1e-3 <= times[0] < 5.0 + PERIOD_S
    assert 9.0 - PERIOD_S < times[-1] <= 9.0 + 1e-3


@pytest.mark.parametrize(
    ("start_s", "confirmed_s", "expected"),
    [
        (3.0, 5.0, (2.0, 7.0)),  # a fall: pre-roll before its descent
        (5.0, 5.0, (4.0, 7.0)),  # raised as it starts (a line crossed)
        (-10.0, 30.0, (10.0, 32.0)),  # a long lie: max_lead_s before its confirmation
        (6.0, 5.0, (4.0, 7.0)),  # a start after the confirmation is taken as it
    ],
)
def test_clip_span(start_s: float, confirmed_s: float, expected: tuple[float, float]) -> None:
    config = ClipConfig(pre_roll_s=1.0, post_roll_s=2.0, max_lead_s=20.0)
    assert ClipEvent("a", "cam", start_s, confirmed_s, 0.0).span(config) == expected


def test_max_lead_must_cover_the_pre_roll() -> None:
    with pytest.raises(ValueError, match=r"max_lead_s \(4\) is shorter than pre_roll_s"):
        ClipConfig(pre_roll_s=5.0, max_lead_s=4.0)


def test_the_writer_waits_for_the_post_roll_while_frames_come(tmp_path: Path) -> None:
    """Frames arriving at half speed (a slow camera) still give the whole post-roll."""
    config = ClipConfig(pre_roll_s=0.5, post_roll_s=1.0, max_width_px=160)
    ring = RingBuffer(30.0, config.fps, 160, config.jpeg_quality)
    for index in range(15):
        ring.add(index * PERIOD_S, picture(index))
    recorder = ClipRecorder(ring, config, tmp_path)
    recorder.STALL_S = 1.0  # far longer than the gaps between frames
    recorder.start()
    done = threading.Event()
    results: list[ClipResult] = []
    recorder.request(ClipEvent("a", "cam", 0.9, 0.9, 0.0), picture(0), results.append)
    recorder.request(ClipEvent("b", "cam", 1.0, 1.0, 0.0), picture(0), lambda r: done.set())
    for index in range(15, 45):  # 2 s of video in 4 s
        time.sleep(2 * PERIOD_S)
        ring.add(index * PERIOD_S, picture(index))
    assert done.wait(5.0)
    recorder.stop()
    times, _, _ = frame_times(results[0])
    assert times[-1] > 1.9 - PERIOD_S


def test_the_writer_gives_up_waiting_when_the_camera_stalls(tmp_path: Path) -> None:
    config = ClipConfig(pre_roll_s=0.5, post_roll_s=5.0, max_width_px=160)
    ring = RingBuffer(30.0, config.fps, 160, config.jpeg_quality)
    for index in range(15):
        ring.add(index * PERIOD_S, picture(index))
    recorder = ClipRecorder(ring, config, tmp_path)
    recorder.STALL_S = 0.3
    recorder.start()
    done = threading.Event()
    results: list[ClipResult] = []
    recorder.request(ClipEvent("a", "cam", 0.5, 0.5, 0.0), picture(0), results.append)
    recorder.request(ClipEvent("b", "cam", 0.5, 0.5, 0.0), picture(0), lambda r: done.set())
    started = time.monotonic()
    assert done.wait(3.0) and time.monotonic() - started < 2.0
    recorder.stop()
    times, _, _ = frame_times(results[0])
    assert times[-1] == pytest.approx(14 * PERIOD_S, abs=2e-3)  # what there was


@pytest.mark.parametrize(
    ("zone", "day"),
    [("Asia/Shanghai", "20261208"), ("UTC", "20261207"), ("America/New_York", "20261207")],
)
def test_clip_folders_carry_the_date_of_the_confirmation_in_the_facility_zone(
    tmp_path: Path, zone: str, day: str
) -> None:
    config = ClipConfig()
    recorder = ClipRecorder(RingBuffer(1.0, 10.0, 160, 85), config, tmp_path, None, ZoneInfo(zone))
    confirmed_at = datetime(2026, 12, 7, 17, 0, tzinfo=UTC).timestamp()  # 01:00 on the 8th +08
    clip_path, snapshot_path = recorder.paths_for(ClipEvent("k", "cam", 0, 0, confirmed_at))
    assert clip_path.parent == snapshot_path.parent == tmp_path / "cam" / day

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import av
import cv2
import pytest

from streams.clips import (
    ClipEvent,
    ClipRecorder,
    ClipResult,
    safe_name,
    write_clip,
    write_snapshot,
)
from streams.config import ClipConfig, FileSourceConfig
from streams.packets import PacketRing
from streams.ringbuffer import RingBuffer
from streams.sources import FileSource
from tests.streams.videos import VideoFactory, moving_box

T0_EPOCH_S = 1_765_000_000.0


def probe(path: Path) -> tuple[str, int, float]:
    """(codec name, decoded frame count, container duration in seconds)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        count = sum(1 for _ in container.decode(stream))
        assert container.duration is not None
        return stream.codec_context.name, count, container.duration / 1_000_000


@pytest.mark.parametrize(
    ("frame_count", "fps", "size_wh", "expected_wh"),
    [
        (1, 10.0, (64, 48), (64, 48)),  # a single frame still makes a clip
        (20, 10.0, (64, 48), (64, 48)),
        (15, 5.0, (65, 49), (64, 48)),  # odd sizes are cropped to even for yuv420p
    ],
)
def test_write_clip_is_h264_with_expected_frames_and_duration(
    tmp_path: Path,
    frame_count: int,
    fps: float,
    size_wh: tuple[int, int],
    expected_wh: tuple[int, int],
) -> None:
    frames = [(10.0 + i / fps, moving_box(i, size_wh)) for i in range(frame_count)]
    info = write_clip(frames, tmp_path / "a" / "clip.mp4", fps)
    codec, count, duration_s = probe(info.path)
    assert (codec, count) == ("h264", frame_count)
    assert duration_s == pytest.approx(frame_count / fps, abs=0.05)
    assert info.duration_s == pytest.approx(frame_count / fps)
    assert info.size_wh == expected_wh and info.frame_count == frame_count
    assert not list(tmp_path.rglob("*.part"))
    with info.path.open("rb") as f:  # +faststart puts the index before the media data
        head = f.read(4096)
    assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head


def test_write_clip_keeps_uneven_timing(tmp_path: Path) -> None:
    frames = [(t, moving_box(i, (64, 48))) for i, t in enumerate([0.0, 0.1, 0.5, 0.6, 0.6])]
    info = write_clip(frames, tmp_path / "gap.mp4", 10.0)
    with av.open(str(info.path)) as container:
        times_s = [round(f.time, 2) for f in container.decode(video=0)]
    assert times_s == [0.0, 0.1, 0.5, 0.6]  # the duplicate timestamp is dropped


def test_write_clip_rejects_empty_input(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one frame"):
        write_clip([], tmp_path / "empty.mp4", 10.0)


def test_write_snapshot_round_trips(tmp_path: Path) -> None:
    path = write_snapshot(moving_box(3, (64, 48)), tmp_path / "s" / "snap.jpg", quality=90)
    image = cv2.imread(str(path))
    assert image is not None and image.shape == (48, 64, 3)


@pytest.mark.parametrize(
    ("raw", "safe"), [("", "_"), ("fall:cam-1:12.5", "fall_cam-1_12.5"), ("../../etc", "etc")]
)
def test_safe_name(raw: str, safe: str) -> None:
    assert safe_name(raw) == safe


def feed(ring: RingBuffer, start_s: float, seconds: float, fps: float, realtime: bool) -> None:
    for i in range(round(seconds * fps)):
        t = start_s + i / fps
        ring.add(t, moving_box(i, (64, 48)))
        if realtime:
            time.sleep(1 / fps)


def at(t_s: float, key: str = "a", start_s: float | None = None) -> ClipEvent:
    """An event on camera "cam" started at `start_s` (default: `t_s`) and raised at `t_s`."""
    return ClipEvent(key, "cam", t_s if start_s is None else start_s, t_s, T0_EPOCH_S + t_s)


def test_recorder_writes_snapshot_now_and_clip_with_pre_roll(tmp_path: Path) -> None:
    config = ClipConfig(pre_roll_s=1.0, post_roll_s=0.5, fps=10.0, max_width_px=160)
    ring = RingBuffer(3.0, config.fps, config.max_width_px, config.jpeg_quality)
    feed(ring, 0.0, 2.0, 20.0, realtime=False)  # 2 s of history before the trigger
    recorder = ClipRecorder(ring, config, tmp_path / "clips")
    recorder.start()
    results: list[ClipResult] = []
    done = threading.Event()

    def on_done(result: ClipResult) -> None:
        results.append(result)
        done.set()

    event = ClipEvent("fall:cam/1", "cam 1", 1.95, 1.95, T0_EPOCH_S)
    snapshot = recorder.request(event, moving_box(0, (64, 48)), on_done)
    assert snapshot.is_file() and snapshot.parent.parent.name == "cam_1"
    assert snapshot.name == "fall_cam_1.jpg" and len(snapshot.parent.name) == 8  # YYYYMMDD
    assert not done.is_set()  # the post-roll has not arrived yet
    feed(ring, 2.0, 1.0, 20.0, realtime=True)
    assert done.wait(5.0)
    recorder.stop()

    result = results[0]
    assert result.clip_path is not None and result.clip_path.with_suffix(".jpg") == snapshot
    assert result.clip_start_pts_s == pytest.approx(1.0)
    codec, count, duration_s = probe(result.clip_path)
    assert codec == "h264" and count == 15  # 1.0 .. 2.4 s: 20 fps, every other frame
    assert result.duration_s == pytest.approx(duration_s, abs=0.05)


def test_recorder_stop_flushes_with_what_is_buffered(tmp_path: Path) -> None:
    config = ClipConfig(pre_roll_s=1.0, post_roll_s=60.0, fps=10.0, max_width_px=160)
    ring = RingBuffer(3.0, config.fps, config.max_width_px, config.jpeg_quality)
    feed(ring, 0.0, 1.0, 10.0, realtime=False)
    recorder = ClipRecorder(ring, config, tmp_path)
    results: list[ClipResult] = []
    recorder.request(at(0.5, "a"), moving_box(0, (64, 48)), results.append)
    recorder.request(at(30.0, "b"), moving_box(0, (64, 48)), results.append)  # no frames
    started = time.monotonic()
    recorder.stop()  # never started: stop still owes the clips
    assert time.monotonic() - started < 5.0
    assert [r.event_key for r in results] == ["a", "b"]
    assert results[0].clip_path is not None and results[0].clip_start_pts_s == 0.0
    assert results[1].clip_path is None and results[1].snapshot_path.is_file()


def test_recorder_does_not_wait_once_the_source_ended(tmp_path: Path) -> None:
    config = ClipConfig(pre_roll_s=1.0, post_roll_s=60.0, fps=10.0, max_width_px=160)
    ring = RingBuffer(3.0, config.fps, config.max_width_px, config.jpeg_quality)
    feed(ring, 0.0, 1.0, 10.0, realtime=False)
    ring.mark_ended()
    recorder = ClipRecorder(ring, config, tmp_path)
    recorder.start()
    done = threading.Event()
    recorder.request(at(0.5), moving_box(0, (64, 48)), lambda r: done.set())
    assert done.wait(3.0)
    recorder.stop()


def test_recorder_decorates_every_clip_frame(tmp_path: Path) -> None:
    config = ClipConfig(pre_roll_s=1.0, post_roll_s=60.0, fps=10.0, max_width_px=160)
    ring = RingBuffer(3.0, config.fps, config.max_width_px, config.jpeg_quality)
    feed(ring, 0.0, 1.0, 10.0, realtime=False)

    def paint_corner(image):  # type: ignore[no-untyped-def]
        out = image.copy()
        out[:16, :16] = (0, 0, 255)
        return out

    recorder = ClipRecorder(ring, config, tmp_path, decorate=paint_corner)
    results: list[ClipResult] = []
    recorder.request(at(0.5), moving_box(0, (64, 48)), results.append)
    recorder.stop()
    assert results[0].clip_path is not None
    with av.open(str(results[0].clip_path)) as container:
        corners = [
            f.to_ndarray(format="bgr24")[4:12, 4:12].mean(axis=(0, 1))
            for f in container.decode(video=0)
        ]
    assert corners and all(c[2] > 200 and c[0] < 60 for c in corners)


def test_recorder_writes_a_clip_from_the_compressed_stream(
    tmp_path: Path, make_video: VideoFactory
) -> None:
    path = make_video(frame_count=60, keyframe_every=15)
    source = FileSource("cam", FileSourceConfig(path=str(path), realtime=False))
    source.open()
    ring = PacketRing(10.0, 10.0, 160)
    while source.read() is not None:
        ring.add_packets(source.drain_packets())
    ring.add_packets(source.drain_packets())
    ring.mark_ended()
    config = ClipConfig(pre_roll_s=0.5, post_roll_s=0.5, fps=10.0, max_width_px=160)
    recorder = ClipRecorder(ring, config, tmp_path / "clips")
    results: list[ClipResult] = []
    recorder.request(at(1.0), moving_box(0, (64, 48)), results.append)
    recorder.stop()
    assert results[0].clip_path is not None and results[0].clip_start_pts_s == 0.5
    codec, count, _ = probe(results[0].clip_path)
    assert codec == "h264" and count == 11  # 0.5 .. 1.5 s: 30 fps, every 3rd frame


def test_the_clip_writer_runs_at_low_cpu_priority(tmp_path: Path) -> None:
    own_priority = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    recorder = ClipRecorder(RingBuffer(1.0, 10.0, 160, 85), ClipConfig(), tmp_path)
    recorder.start()
    try:
        deadline = time.monotonic() + 5.0
        worker = recorder._worker
        assert worker is not None and worker.native_id is not None
        while os.getpriority(os.PRIO_PROCESS, worker.native_id) < 10:
            assert time.monotonic() < deadline, "the clip writer kept normal priority"
            time.sleep(0.01)
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own_priority
    finally:
        recorder.stop()

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Callable

import numpy as np
import pytest

from streams.config import FileSourceConfig, ReconnectConfig, SourceConfig, UrlSourceConfig
from streams.frame import Frame
from streams.health import CameraHealth, CameraState
from streams.reader import CameraReader
from streams.ringbuffer import RingBuffer
from streams.sources import FrameSource, SourceError, build_source
from tests.streams.videos import VideoFactory

FAST = ReconnectConfig(
    initial_backoff_s=0.05, max_backoff_s=0.2, stall_timeout_s=0.2, offline_after_s=0.5
)


def wait_until(condition: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


class Recorder:
    """Collects health changes and frames delivered by a reader."""

    def __init__(self) -> None:
        self.health: list[CameraHealth] = []
        self.frames: list[Frame] = []

    @property
    def states(self) -> list[CameraState]:
        return [h.state for h in self.health]


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"rtsp://127.0.0.1:{sock.getsockname()[1]}/x"


class ScriptedSource:
    """Test fake: gives `frame_count` frames, then fails the way `then` says."""

    def __init__(self, frame_count: int, then: str) -> None:
        self.frame_count, self.then = frame_count, then
        self.index = 0

    @property
    def nominal_fps(self) -> float:
        return 10.0

    def open(self) -> None:
        self.index = 0

    def read(self) -> Frame | None:
        if self.index >= self.frame_count:
            if self.then == "block":
                time.sleep(1.0)  # a network read that hangs until its timeout
            raise SourceError("connection reset")
        self.index += 1
        time.sleep(0.01)
        image = np.zeros((8, 8, 3), np.uint8)
        return Frame("cam", self.index - 1, (self.index - 1) / 10, time.time(), image)

    def close(self) -> None:
        pass


def scripted(frame_count: int, then: str) -> Callable[[str, SourceConfig], FrameSource]:
    return lambda camera_id, config: ScriptedSource(frame_count, then)


def test_unreachable_camera_goes_offline_and_retries_with_backoff(
    make_video: VideoFactory,
) -> None:
    opens: list[float] = []

    def counting_factory(camera_id: str, config: SourceConfig) -> FrameSource:
        opens.append(time.monotonic())
        return build_source(camera_id, config)

    down, up = Recorder(), Recorder()
    broken = CameraReader(
        "down",
        UrlSourceConfig(url=closed_port_url(), open_timeout_s=1.0),
        FAST,
        on_health=down.health.append,
        source_factory=counting_factory,
    )
    file_config = FileSourceConfig(path=str(make_video(frame_count=20, fps=20)), loop=True)
    working = CameraReader("up", file_config, FAST, on_health=up.health.append)
    broken.start()
    working.start()
    assert wait_until(lambda: broken.health().reconnects >= 4)
    assert wait_until(lambda: working.health().frames_read >= 20)

    health = broken.health()
    assert health.state == CameraState.OFFLINE and health.frames_read == 0
    assert health.error is not None and "Connection refused" in health.error
    gaps_s = [b - a for a, b in itertools.pairwise(opens)]
    assert gaps_s[0] >= 0.04 and gaps_s[1] >= 0.09 and min(gaps_s[2:]) >= 0.19  # doubling, capped
    assert down.states == [CameraState.STARTING, CameraState.OFFLINE]
    assert working.health().state == CameraState.ONLINE and up.states[-1] == CameraState.ONLINE
    assert working.health().fps == pytest.approx(20.0, rel=0.5)

    started = time.monotonic()
    assert broken.stop() and working.stop()
    assert time.monotonic() - started < 1.0
    assert broken.health().state == CameraState.STOPPED


def test_file_that_ends_stops_for_good(make_video: VideoFactory) -> None:
    seen = Recorder()
    ring = RingBuffer(duration_s=5.0, fps=10.0, max_width_px=64, jpeg_quality=80)
    config = FileSourceConfig(path=str(make_video(frame_count=10, fps=30)), realtime=False)
    reader = CameraReader(
        "file", config, FAST, ring=ring, on_frame=[seen.frames.append], on_health=seen.health.append
    )
    reader.start()
    assert wait_until(lambda: reader.state == CameraState.STOPPED)
    assert seen.states == [CameraState.STARTING, CameraState.ONLINE, CameraState.STOPPED]
    assert [f.index for f in seen.frames] == list(range(10))
    assert reader.health().frames_read == 10 and reader.health().reconnects == 0
    assert ring.ended and len(ring) == 4  # 0, 0.1, 0.2, 0.3 s at 10 fps
    assert reader.slot.get(timeout_s=0.1) is seen.frames[-1]
    assert reader.stop()


def test_silent_camera_stalls_then_goes_offline() -> None:
    seen = Recorder()
    reader = CameraReader(
        "cam",
        UrlSourceConfig(url="rtsp://127.0.0.1/x"),
        FAST,
        on_health=seen.health.append,
        source_factory=scripted(3, then="block"),
    )
    reader.start()
    assert wait_until(lambda: CameraState.OFFLINE in seen.states)
    assert seen.states[:4] == [
        CameraState.STARTING,
        CameraState.ONLINE,
        CameraState.STALLED,
        CameraState.OFFLINE,
    ]
    assert (seen.health[3].error or "").startswith("no frame for ")
    started = time.monotonic()
    reader.stop()
    assert time.monotonic() - started < 2.0


def test_reconnect_keeps_numbering_and_pts_increasing() -> None:
    seen = Recorder()
    reader = CameraReader(
        "cam",
        UrlSourceConfig(url="rtsp://127.0.0.1/x"),
        FAST,
        on_frame=[seen.frames.append],
        on_health=seen.health.append,
        source_factory=scripted(5, then="fail"),
    )
    reader.start()
    assert wait_until(lambda: len(seen.frames) >= 15)
    reader.stop()
    pts_s = [f.pts_s for f in seen.frames]
    assert [f.index for f in seen.frames] == list(range(len(seen.frames)))
    assert all(a < b for a, b in itertools.pairwise(pts_s))
    assert reader.health().reconnects >= 2
    assert CameraState.OFFLINE not in seen.states  # each reconnect succeeded at once


def test_a_failing_consumer_does_not_stop_the_camera(make_video: VideoFactory) -> None:
    def broken_consumer(frame: Frame) -> None:
        raise RuntimeError("bug in a consumer")

    def broken_health(health: CameraHealth) -> None:
        raise RuntimeError("bug in a listener")

    config = FileSourceConfig(path=str(make_video(frame_count=10)), realtime=False)
    reader = CameraReader("cam", config, FAST, on_frame=[broken_consumer], on_health=broken_health)
    reader.start()
    assert wait_until(lambda: reader.state == CameraState.STOPPED)
    assert reader.health().frames_read == 10


def test_stop_returns_promptly_during_backoff_and_blocked_open() -> None:
    slow = ReconnectConfig(initial_backoff_s=30.0, max_backoff_s=60.0)
    in_backoff = CameraReader("a", UrlSourceConfig(url=closed_port_url()), slow)
    with socket.socket() as silent_server:  # accepts connections but never answers
        silent_server.bind(("127.0.0.1", 0))
        silent_server.listen(4)
        url = f"rtsp://127.0.0.1:{silent_server.getsockname()[1]}/x"
        blocked = CameraReader("b", UrlSourceConfig(url=url, open_timeout_s=20.0), slow)
        in_backoff.start()
        blocked.start()
        assert wait_until(lambda: in_backoff.state == CameraState.OFFLINE)
        time.sleep(0.2)
        started = time.monotonic()
        assert in_backoff.stop()
        blocked.stop(timeout_s=0.5)
        assert time.monotonic() - started < 1.5
        assert blocked.state == CameraState.STOPPED


def test_start_twice_is_refused(make_video: VideoFactory) -> None:
    config = FileSourceConfig(path=str(make_video(frame_count=30)), loop=True)
    reader = CameraReader("cam", config, FAST)
    reader.start()
    try:
        with pytest.raises(RuntimeError, match="already running"):
            reader.start()
    finally:
        reader.stop()
    thread_names = {t.name for t in threading.enumerate()}
    assert "reader-cam" not in thread_names

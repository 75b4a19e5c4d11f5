from __future__ import annotations

import itertools
import socket
import time
from pathlib import Path

import av
import numpy as np
import pytest

from streams.config import (
    DemoSourceConfig,
    FileSourceConfig,
    UrlSourceConfig,
    UsbSourceConfig,
)
from streams.demo import DemoSource
from streams.frame import Frame
from streams.sources import (
    FileSource,
    SourceError,
    UrlSource,
    UsbSource,
    build_source,
    iter_file_frames,
)
from tests.streams.videos import VideoFactory


def read_all(source: FileSource, limit: int = 1000) -> list[Frame]:
    source.open()
    frames: list[Frame] = []
    while len(frames) < limit and (frame := source.read()) is not None:
        frames.append(frame)
    source.close()
    return frames


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_file_source_reads_every_frame_in_order(make_video: VideoFactory) -> None:
    path = make_video(frame_count=30, fps=30, size_wh=(64, 48))
    source = FileSource("cam", FileSourceConfig(path=str(path), realtime=False))
    frames = read_all(source)
    assert len(frames) == 30
    assert [f.index for f in frames] == list(range(30))
    assert frames[0].pts_s == 0.0
    assert frames[-1].pts_s == pytest.approx(29 / 30, abs=1e-3)
    assert all(a.pts_s < b.pts_s for a, b in itertools.pairwise(frames))
    assert frames[0].image_bgr.shape == (48, 64, 3) and frames[0].camera_id == "cam"
    assert source.nominal_fps == 0.0  # closed


def test_file_source_loop_keeps_pts_increasing(make_video: VideoFactory) -> None:
    path = make_video(frame_count=10, fps=10)
    source = FileSource("cam", FileSourceConfig(path=str(path), loop=True, realtime=False))
    frames = read_all(source, limit=25)
    pts_s = [f.pts_s for f in frames]
    assert len(frames) == 25
    assert all(a < b for a, b in itertools.pairwise(pts_s))
    assert pts_s[10] == pytest.approx(1.0, abs=1e-3) and pts_s[24] == pytest.approx(2.4, abs=1e-3)


@pytest.mark.parametrize(
    ("max_fps", "decode_threads", "loop", "expected_count"),
    [(None, 1, False, 30), (10.0, 1, False, 10), (10.0, 0, False, 10), (10.0, 1, True, 25)],
)
def test_file_source_hands_on_at_most_max_fps(
    make_video: VideoFactory,
    max_fps: float | None,
    decode_threads: int,
    loop: bool,
    expected_count: int,
) -> None:
    path = make_video(frame_count=30, fps=30, size_wh=(64, 48))
    config = FileSourceConfig(
        path=str(path), realtime=False, loop=loop, max_fps=max_fps, decode_threads=decode_threads
    )
    frames = read_all(FileSource("cam", config), limit=expected_count)
    assert len(frames) == expected_count
    assert [f.index for f in frames] == list(range(expected_count))
    steps_s = [b.pts_s - a.pts_s for a, b in itertools.pairwise(frames)]
    period_s = 1.0 / (max_fps or 30.0)
    assert all(step == pytest.approx(period_s, abs=0.01) for step in steps_s)


def test_file_source_realtime_is_paced(make_video: VideoFactory) -> None:
    path = make_video(frame_count=6, fps=20)
    started = time.monotonic()
    frames = read_all(FileSource("cam", FileSourceConfig(path=str(path))))
    assert len(frames) == 6
    assert time.monotonic() - started >= 0.2  # 5 intervals of 50 ms


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "video file not found: {path}"),
        (b"", "cannot decode {path}: "),
        (np.random.default_rng(1).bytes(4096), "cannot decode {path}: "),
    ],
    ids=["missing", "empty", "random-bytes"],
)
def test_bad_files_raise_one_line_errors(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "clip.mp4"
    if content is not None:
        path.write_bytes(content)
    expected = message.format(path=path)
    for attempt in (
        lambda: FileSource("cam", FileSourceConfig(path=str(path))).open(),
        lambda: iter_file_frames(str(path), "cam", None),
    ):
        with pytest.raises(SourceError) as caught:
            attempt()
        assert str(caught.value).startswith(expected)
        assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("sample_fps", "expected_count"),
    # at 5 fps the last frame (0.967 s) is within the slack of the 1.0 s grid point
    [(None, 30), (10.0, 10), (5.0, 6), (60.0, 30)],
)
def test_iter_file_frames_samples(
    make_video: VideoFactory, sample_fps: float | None, expected_count: int
) -> None:
    path = make_video(frame_count=30, fps=30)
    frames = list(iter_file_frames(str(path), "cam", sample_fps))
    assert len(frames) == expected_count
    assert frames[0].index == 0 and frames[0].pts_s == 0.0
    if sample_fps == 10.0:
        assert [f.index for f in frames[:3]] == [0, 3, 6]  # index is the position in the file


def test_url_source_unreachable_fails_fast() -> None:
    url = f"rtsp://user:secret@127.0.0.1:{closed_port()}/x"
    source = UrlSource("cam", UrlSourceConfig(url=url, open_timeout_s=2.0))
    started = time.monotonic()
    with pytest.raises(SourceError) as caught:
        source.open()
    assert time.monotonic() - started < 3.0
    message = str(caught.value)
    assert message.startswith("cannot open rtsp://***@127.0.0.1:") and "\n" not in message
    assert "secret" not in message


def test_usb_source_missing_device_raises() -> None:
    with pytest.raises(SourceError, match="cannot open USB camera /dev/video-missing"):
        UsbSource("cam", UsbSourceConfig(device="/dev/video-missing")).open()


def test_usb_source_reads_what_opencv_opens(make_video: VideoFactory) -> None:
    # Any VideoCapture target exercises the real read path; a video file stands in for a device.
    source = UsbSource("cam", UsbSourceConfig(device=str(make_video(frame_count=3))))
    source.open()
    frames = [source.read() for _ in range(3)]
    with pytest.raises(SourceError, match="read failed"):
        source.read()  # past the end
    source.close()
    assert [f.index for f in frames if f] == [0, 1, 2]
    assert source.nominal_fps == pytest.approx(30.0)


@pytest.mark.parametrize(
    ("config", "expected_type"),
    [
        (FileSourceConfig(path="x.mp4"), FileSource),
        (UrlSourceConfig(url="rtsp://127.0.0.1/x"), UrlSource),
        (UsbSourceConfig(device=0), UsbSource),
        (DemoSourceConfig(), DemoSource),
    ],
)
def test_build_source_picks_by_type(config, expected_type: type) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(build_source("cam", config), expected_type)


def test_fast_decode_gives_the_same_frames_nearly(make_video: VideoFactory) -> None:
    path = make_video(frame_count=20, fps=20, size_wh=(128, 96))
    plain, fast = (
        read_all(FileSource("cam", FileSourceConfig(path=str(path), realtime=False, fast_decode=f)))
        for f in (False, True)
    )
    assert [f.pts_s for f in plain] == [f.pts_s for f in fast] and len(plain) == 20
    differences = [
        np.abs(a.image_bgr.astype(int) - b.image_bgr.astype(int)).mean()
        for a, b in zip(plain, fast, strict=True)
    ]
    assert max(differences) < 8.0  # only deblocking differs


def test_fast_offline_frames_are_the_pictures_a_live_file_camera_gives(tmp_path: Path) -> None:
    path = tmp_path / "blocky.mp4"  # textured and coarsely coded: deblocking changes pixels
    rng = np.random.default_rng(3)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10, options={"crf": "45"})
        stream.width, stream.height, stream.pix_fmt = 128, 96, "yuv420p"
        for _ in range(10):
            image = rng.integers(0, 255, (96, 128, 3), np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        container.mux(stream.encode(None))
    live = read_all(FileSource("cam", FileSourceConfig(path=str(path), realtime=False)))
    offline = list(iter_file_frames(str(path), "cam", None, fast_decode=True))
    deblocked = list(iter_file_frames(str(path), "cam", None))
    assert FileSourceConfig(path=str(path)).fast_decode  # what a live camera does by default
    assert [f.pts_s for f in offline] == [f.pts_s for f in live] and len(live) == 10
    same = [np.array_equal(a.image_bgr, b.image_bgr) for a, b in zip(offline, live, strict=True)]
    plain = [np.array_equal(a.image_bgr, b.image_bgr) for a, b in zip(deblocked, live, strict=True)]
    assert all(same) and not all(plain)

"""`carewatch bench --baseline nfd`'s arithmetic, and carewatch's offline run on a real clip."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from carewatch.bench.offline_speed import Comparison, FrameTally, Throughput, carewatch_throughput
from streams.frame import Frame
from streams.sources import iter_file_frames
from vision.config import ModelsConfig


def frames_at(pts_s: list[float]) -> list[Frame]:
    image = np.zeros((4, 4, 3), np.uint8)
    return [Frame("cam", index, pts, 0.0, image) for index, pts in enumerate(pts_s)]


@pytest.mark.parametrize(
    ("clips", "expected"),
    [
        ([], (0, 0.0)),
        ([[]], (0, 0.0)),
        ([[0.0]], (1, 0.125)),
        ([[0.0, 0.125, 0.25], [1.0, 1.125]], (5, 0.375 + 0.25)),
    ],
    ids=["no clips", "empty clip", "one frame", "two clips"],
)
def test_a_tally_counts_frames_and_the_video_time_they_span(
    clips: list[list[float]], expected: tuple[int, float]
) -> None:
    tally = FrameTally()
    for pts_s in clips:
        frames = frames_at(pts_s)
        assert [id(f) for f in tally.count(frames, 8.0)] == [id(f) for f in frames]
    assert (tally.frames, pytest.approx(tally.video_s)) == expected


@pytest.mark.parametrize(
    ("wall_s", "frames_per_s", "x_realtime"),
    [(0.0, 0.0, 0.0), (10.0, 8.0, 2.0)],
    ids=["no time", "ten seconds"],
)
def test_throughput_rates(wall_s: float, frames_per_s: float, x_realtime: float) -> None:
    figures = Throughput("carewatch", 2, 80, 20.0, wall_s, 8.0)
    assert (figures.frames_per_s, figures.x_realtime) == (frames_per_s, x_realtime)


def test_the_comparison_is_the_ratio_of_real_time_speeds() -> None:
    ours = Throughput("carewatch", 2, 80, 20.0, 5.0, 8.0)
    comparison = Comparison(ours, Throughput("nfd", 2, 80, 20.0, 10.0, 8.0))
    assert comparison.ratio == 2.0
    assert comparison.render().splitlines()[-1] == "carewatch / nfd: 2.00x"
    assert Comparison(ours, Throughput("nfd", 0, 0, 0.0, 0.0, 8.0)).ratio == 0.0


def write_clip(path: Path, seconds: float, fps: int = 25) -> Path:
    size_wh = (320, 180)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size_wh[0], size_wh[1], "yuv420p"
        for index in range(int(seconds * fps)):
            image = np.full((size_wh[1], size_wh[0], 3), 40 + index % 50, np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        container.mux(stream.encode(None))
    return path


@pytest.mark.slow
def test_carewatch_runs_each_clip_ahead_on_its_workers(tmp_path: Path) -> None:
    clips = [write_clip(tmp_path / f"clip{n}.mp4", 2.0) for n in range(2)]
    figures = carewatch_throughput(clips, ModelsConfig(second_opinion=False), workers=2)
    assert (figures.clips, figures.frames, figures.video_s) == (2, 32, pytest.approx(4.0, abs=0.05))
    assert figures.wall_s > 0


@pytest.mark.slow
def test_the_baseline_bench_runs_carewatch_as_its_config_sets_it_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from carewatch.cli import main

    clips = [write_clip(tmp_path / f"{name}.mp4", 2.0) for name in ("a", "b")]
    at_4_fps = sum(len(list(iter_file_frames(str(clip), "c", 4.0))) for clip in clips)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("clip,label\na.mp4,adl\nb.mp4,adl\n")
    config = tmp_path / "four.yaml"
    config.write_text(
        "facilities: [{id: home, name: Home}]\n"
        "models: {fire: false, second_opinion: false}\n"
        "cameras:\n"
        "  - {id: room, name: Room, facility: home, source: {type: file, path: x.mp4},\n"
        "     analysis_fps: 4}\n"
    )
    args = ["bench", "--cameras", "0", "--baseline", "nfd", "--clips", str(manifest)]
    args += ["--clip-size", "320x180", "--config", str(config), "--json"]
    assert main(args) == 0
    figures = json.loads(capsys.readouterr().out)["baseline"]
    assert figures["carewatch"]["analysis_fps"] == 4.0
    assert figures["carewatch"]["frames"] == at_4_fps < figures["baseline"]["frames"]

"""`carewatch bench`: the sustained verdict, find-max, the typical workload, one short run.

Only logic and plumbing are checked here; the measurements themselves are not tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest
import yaml

from carewatch.bench.command import find_max
from carewatch.bench.live import BenchSpec, base_sections, bench_settings
from carewatch.bench.report import (
    BUSY,
    TYPICAL,
    CameraFigures,
    CameraSample,
    RunFigures,
    RunSetup,
    Sample,
    camera_figures,
    failed_run,
    judge,
    render_run,
    run_figures,
)
from carewatch.bench.workload import (
    NOISE_LEVEL,
    STILL_FACTOR,
    CameraClip,
    TypicalClips,
    WorkloadError,
    busy_rows,
    masked_median,
    typical_clips,
    video_info,
)
from tests.carewatch.cli import carewatch
from tests.streams.videos import write_video
from vision.assembly import build_estimator
from vision.config import ModelsConfig

SIZE_WH = (320, 180)


def camera(camera_id: str = "cam01", **overrides: object) -> CameraFigures:
    values: dict[str, object] = {
        "camera_id": camera_id,
        "clip": "clip.mp4",
        "state": "online",
        "target_fps": 5.0,
        "analysed_fps": 5.0,
        "checked_fps": 5.0,
        "frames_read": 1800,
        "frames_dropped": 1500,
        "frames_analysed": 300,
        "frames_gated": 0,
        "frames_shed": 0,
        "fire_checks": 0,
        "result_latency_p50_s": 0.1,
        "result_latency_p95_s": 0.3,
        "event_latency_p50_s": None,
        "event_latency_p95_s": None,
        "events_written": 0,
        "falls_written": 0,
    }
    return CameraFigures(**{**values, **overrides})  # type: ignore[arg-type]


GATED = camera(analysed_fps=1.0, checked_fps=5.0)  # the motion gate skipped most frames
LATE = camera(result_latency_p95_s=2.0)


@pytest.mark.parametrize(
    ("cameras", "workload", "event_p95_s", "sustained", "reasons"),
    [
        ([camera(), camera("cam02", analysed_fps=4.6)], BUSY, 0.8, True, ()),
        ([camera(analysed_fps=4.4)], BUSY, None, False, ("cam01: 4.40 analysed fps < 4.50",)),
        # A gated camera is being watched: its checked frames count, in the typical workload
        ([GATED], TYPICAL, None, True, ()),
        ([GATED], BUSY, None, False, ("cam01: 1.00 analysed fps < 4.50",)),
        ([camera(checked_fps=4.0)], TYPICAL, None, False, ("cam01: 4.00 checked fps < 4.50",)),
        ([camera()], BUSY, 1.6, False, ("event p95 1.60 s > 1.5 s",)),
        ([LATE], BUSY, None, False, ("cam01: result p95 2.00 s > 1.5 s",)),
        ([camera(result_latency_p95_s=None)], BUSY, None, True, ()),  # nothing analysed yet
        ([], BUSY, None, False, ("no cameras",)),  # empty
    ],
)  # fmt: skip
def test_sustained(
    cameras: list[CameraFigures],
    workload: str,
    event_p95_s: float | None,
    sustained: bool,
    reasons: tuple[str, ...],
) -> None:
    assert judge(cameras, workload, event_p95_s) == (sustained, reasons)


def sample(camera_id: str = "cam01", **counts: object) -> CameraSample:
    return CameraSample(camera_id, "online", **counts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # (analysed_fps, checked_fps, frames_read, events, event p95)
        (
            sample(frames_analysed=10, frames_gated=5, frames_read=100),
            sample(frames_analysed=60, frames_gated=25, frames_read=400),
            (5.0, 7.0, 300, 0, None),
        ),
        (  # only the latency samples of the window count
            sample(event_latencies_s=(9.0,)),
            sample(event_latencies_s=(9.0, 0.5, 0.5)),
            (0.0, 0.0, 0, 2, 0.5),
        ),
        (None, sample(frames_analysed=30), (3.0, 3.0, 0, 0, None)),  # came up late
        (sample(frames_read=500), sample(frames_read=40), (0.0, 0.0, 40, 0, None)),  # reconnect
    ],
)
def test_camera_figures(
    start: CameraSample | None, end: CameraSample, expected: tuple[object, ...]
) -> None:
    figures = camera_figures(start, end, 10.0, 5.0, "clip.mp4")
    assert (
        figures.analysed_fps,
        figures.checked_fps,
        figures.frames_read,
        figures.events_written,
        figures.event_latency_p95_s,
    ) == expected


def test_run_figures_and_json_round_trip() -> None:
    setup = RunSetup(BUSY, 5.0, 10.0, {"cam01": "a.mp4", "cam02": "b.mp4"}, 2)
    start = Sample(100.0, 50.0, {"cam01": sample(), "cam02": sample("cam02")})
    end = Sample(
        120.0,
        80.0,
        {
            "cam01": sample(frames_analysed=100, event_latencies_s=(0.4, 0.6), falls_written=1),
            "cam02": sample("cam02", frames_analysed=100),
        },
    )
    run = run_figures(setup, start, end, 900.0)
    assert (run.camera_count, run.duration_s, run.cpu_cores, run.cpu_percent) == (2, 20, 1.5, 75)
    assert (run.event_latency_samples, run.falls_written, run.sustained) == (2, 1, True)
    assert [c.clip for c in run.cameras] == ["a.mp4", "b.mp4"]
    assert RunFigures.from_json(json.loads(json.dumps(run.to_json()))) == run
    assert "SUSTAINED" in render_run(run)


def test_a_failed_run_is_not_sustained() -> None:
    run = failed_run(BUSY, 8, 5.0, "no result in 900 s")
    assert not run.sustained and run.error == "no result in 900 s"
    assert render_run(run).endswith("8 camera(s) busy: FAILED (no result in 900 s)")


def steps_until(most: int, log: list[int]) -> Callable[[int], RunFigures]:
    """A run that sustains up to `most` cameras, logging the counts asked for."""

    def run(count: int) -> RunFigures:
        log.append(count)
        figures = failed_run(BUSY, count, 5.0, "too many")
        return replace(figures, sustained=count <= most, error=None)

    return run


@pytest.mark.parametrize(
    ("most", "start", "limit", "best", "asked"),
    [
        (5, 1, 64, 5, [1, 2, 4, 8, 6, 5]),
        (8, 1, 64, 8, [1, 2, 4, 8, 16, 12, 10, 9]),
        (24, 8, 64, 24, [8, 16, 32, 24, 28, 26, 25]),
        (100, 8, 20, 20, [8, 16, 20]),  # the limit reached: at least 20
        (0, 4, 64, 0, [4, 2, 1]),  # not even one
        (3, 50, 10, 3, [10, 5, 2, 3, 4]),  # a start above the limit starts at the limit
    ],
)
def test_find_max(most: int, start: int, limit: int, best: int, asked: list[int]) -> None:
    log: list[int] = []
    result = find_max(steps_until(most, log), start, limit)
    assert (result.best, log) == (best, asked)
    assert [step.camera_count for step in result.steps] == asked


# Workloads -----------------------------------------------------------------------------


def test_masked_median_sees_behind_a_moving_person() -> None:
    background = np.full((4, 6, 3), 50, np.uint8)
    frames, masks = [], []
    for x in range(5):
        frame = background.copy()
        frame[:, x] = 255  # someone standing in column x
        mask = np.zeros((4, 6), bool)
        mask[:, x] = True
        frames.append(frame)
        masks.append(mask)
    assert np.array_equal(masked_median(frames, masks), background)
    # Column 5 is masked in every frame: filled in from around, no person left there.
    masks = [m | (np.arange(6) == 5) for m in masks]
    assert masked_median(frames, masks)[:, 5].max() < 255
    with pytest.raises(ValueError, match="at least one frame"):
        masked_median([], [])


def write_manifest(folder: Path, rows: list[tuple[str, str, tuple[int, int]]]) -> Path:
    lines = ["clip,label"]
    for name, label, size_wh in rows:
        write_video(folder / name, 45, 15, size_wh)
        lines.append(f"{name},{label}")
    manifest = folder / "manifest.csv"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest


def test_busy_rows_pick_the_size_falls_first(tmp_path: Path) -> None:
    manifest = write_manifest(
        tmp_path,
        [
            ("walk.mp4", "adl", SIZE_WH),
            ("small.mp4", "fall", (64, 48)),
            ("fall.mp4", "fall", SIZE_WH),
            ("lie.mp4", "immobile", SIZE_WH),
        ],
    )
    assert [row.clip for row in busy_rows(manifest, SIZE_WH)] == ["fall.mp4", "walk.mp4"]
    with pytest.raises(WorkloadError, match="no fall or adl clip of 1280x720"):
        busy_rows(manifest, (1280, 720))
    with pytest.raises(WorkloadError, match="manifest not found"):
        busy_rows(tmp_path / "missing.csv", SIZE_WH)


@pytest.fixture(scope="module")
def pose_factory() -> Callable[[], object]:
    pose = build_estimator(ModelsConfig(threads=1))
    return lambda: pose


def test_typical_clip(tmp_path: Path, pose_factory: Callable[[], object]) -> None:
    source = write_video(tmp_path / "walk.mp4", 20, 10, SIZE_WH)
    clips = TypicalClips(tmp_path / "cache", pose_factory)  # type: ignore[arg-type]
    out = clips.clip(source, 0.25)
    assert out is not None and out.is_relative_to(tmp_path / "cache")
    info = video_info(out)
    assert (info.size_wh, info.fps, info.frame_count) == (SIZE_WH, 10, 20 * (1 + STILL_FACTOR))
    plate = clips.plate(source)
    assert plate is not None and plate.shape == (180, 320, 3)
    with av.open(str(out)) as container:
        frames = [frame.to_ndarray(format="bgr24") for frame in container.decode(video=0)]
    # Phase 0.25: 20 frames of still room (the plate: the box moved away, with faint noise,
    # after coding), the clip's 20 frames, 60 frames of still room.
    differences = [np.abs(f.astype(int) - plate.astype(int)).mean() for f in frames]
    assert max(differences[:20] + differences[40:]) <= NOISE_LEVEL + 1
    assert all(frame.max() > 200 for frame in frames[20:40])  # the white box is back
    modified_ns = out.stat().st_mtime_ns
    assert clips.clip(source, 0.25) == out and out.stat().st_mtime_ns == modified_ns  # cached
    assert clips.clip(source, 0.75) != out  # the same clip again, at another phase


def test_typical_clips_reuse_a_clip_at_another_phase(
    tmp_path: Path, pose_factory: Callable[[], object]
) -> None:
    manifest = write_manifest(tmp_path, [("walk.mp4", "adl", SIZE_WH)])
    clips = TypicalClips(tmp_path / "cache", pose_factory)  # type: ignore[arg-type]
    first, second = typical_clips(busy_rows(manifest, SIZE_WH), 2, clips)
    assert (first.label, second.label) == ("walk.mp4 @0.25", "walk.mp4 @0.75")
    assert first.path != second.path


class NobodyLeaves(TypicalClips):
    """Every empty-room plate still shows a person."""

    def plate(self, source: Path) -> np.ndarray | None:
        return None


def test_typical_without_an_empty_room(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, [("walk.mp4", "adl", SIZE_WH)])
    clips = NobodyLeaves(tmp_path / "cache", lambda: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(WorkloadError, match="no clip gives an empty room"):
        typical_clips(busy_rows(manifest, SIZE_WH), 2, clips)
    assert typical_clips(busy_rows(manifest, SIZE_WH), 0, clips) == []


def test_settings_from_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "site.yaml"
    site = {
        "facilities": [{"id": "home", "name": "Home"}],
        "cameras": [
            {
                "id": "hall",
                "name": "Hall",
                "facility": "home",
                "source": {"type": "demo"},
                "analysis_fps": 3,
                "fall": {"confirm_s": 2.5},
            }
        ],
        "models": {"fire": False},
        "publish": {
            "webhooks": [{"name": "hq", "url": "https://example.org/hook", "secret": "s" * 32}]
        },
    }
    config.write_text(yaml.safe_dump(site))
    spec = BenchSpec(BUSY, 2, 5.0, 1.0, 4.0, tmp_path / "m.csv", SIZE_WH, tmp_path)
    base, template = base_sections(config)
    clips = [CameraClip(tmp_path / "a.mp4", "a.mp4")] * 2
    settings = bench_settings(spec, clips, tmp_path / "run", base, template)
    assert [c.id for c in settings.cameras] == ["cam01", "cam02"]
    assert {(c.analysis_fps, c.fall.confirm_s, c.facility) for c in settings.cameras} == {
        (5.0, 2.5, "bench")
    }
    assert settings.models.fire is False and settings.publish.webhooks == []
    assert settings.database.url == f"sqlite:///{(tmp_path / 'run').resolve()}/bench.db"


@pytest.mark.parametrize("gate", [True, False])
def test_no_gate_sends_every_frame_to_the_models(tmp_path: Path, gate: bool) -> None:
    spec = BenchSpec(BUSY, 2, 5.0, 1.0, 4.0, tmp_path / "m.csv", SIZE_WH, tmp_path)
    spec = replace(spec, motion_gate=gate)
    clips = [CameraClip(tmp_path / "a.mp4", "a.mp4")] * 2
    settings = bench_settings(spec, clips, tmp_path / "run", {}, {"motion": {"recheck_s": 2}})
    assert {(c.motion.enabled, c.motion.recheck_s) for c in settings.cameras} == {(gate, 2.0)}


# One short run of the real service -----------------------------------------------------


def test_bench_end_to_end(tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    clips.mkdir()
    manifest = write_manifest(clips, [("fall.mp4", "fall", SIZE_WH), ("walk.mp4", "adl", SIZE_WH)])
    args = ["--cameras", "2", "--duration-s", "4", "--warmup-s", "1", "--json"]
    args += ["--clips", str(manifest), "--clip-size", "320x180"]
    done = carewatch("bench", *args, "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)["run"]
    assert (run["workload"], run["camera_count"], run["target_fps"]) == ("busy", 2, 5.0)
    assert [c["clip"] for c in run["cameras"]] == ["fall.mp4", "walk.mp4"]
    for figures in run["cameras"]:
        assert figures["frames_analysed"] > 0 and figures["frames_read"] > 0
        assert figures["analysed_fps"] > 0 and figures["result_latency_p95_s"] is not None
    assert run["cpu_cores"] > 0 and run["peak_rss_mb"] > 0 and run["machine_cores"] >= 1
    assert list((tmp_path / "data" / "runs").iterdir()) == []  # the run's data is removed


def test_bench_error_is_one_line(tmp_path: Path) -> None:
    done = carewatch("bench", "--clips", str(tmp_path / "none.csv"), "--data-dir", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("carewatch bench: ")
    assert "manifest not found" in done.stderr and done.stdout == ""

"""Pose cache: exact round trips, and replays that give the live run's events."""

from __future__ import annotations

import dataclasses
import itertools
import os
from pathlib import Path

import numpy as np
import pytest

from carewatch.analyze.offline import analyze_frames
from carewatch.eval.pose_cache import (
    FrameStamp,
    ModelVersions,
    PoseCache,
    PoseRecorder,
    PoseReplay,
    Recording,
    decode,
    encode,
    replay_events,
)
from carewatch.eval.sweep import run_sweep, write_csv, write_plot
from carewatch.eval.variants import VARIANTS, apply_change, variant_frames
from streams.frame import Frame
from streams.sources import iter_file_frames
from vision.assembly import build_estimator, build_second_opinion
from vision.config import ModelsConfig, VisionConfig
from vision.fallen import PostureBoxes
from vision.night import NightMode
from vision.pipeline import Analyzer
from vision.records import KEYPOINT_COUNT, PoseBatch


def random_batch(rng: np.random.Generator, people: int) -> PoseBatch:
    return PoseBatch(
        rng.random((people, 4), dtype=np.float32),
        rng.random((people, KEYPOINT_COUNT, 2), dtype=np.float32),
        rng.random((people, KEYPOINT_COUNT), dtype=np.float32),
        rng.random((people,), dtype=np.float32),
    )


def same_batch(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is b
    assert type(a) is type(b) and dataclasses.is_dataclass(a)
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if (x is None) != (y is None):
            return False
        if x is not None and (x.dtype != y.dtype or not np.array_equal(x, y)):
            return False
    return True


def random_boxes(rng: np.random.Generator, people: int) -> PostureBoxes:
    scores = rng.random((2, people), dtype=np.float32)
    return PostureBoxes(rng.random((people, 4), dtype=np.float32), scores[0], scores[1])


def recording(people: list[int], asked: list[int | None] | None = None) -> Recording:
    """Frames with `people` poses each; `asked[i]` boxes from the second opinion, if asked."""
    rng = np.random.default_rng(7)
    stamps = tuple(FrameStamp(3 * i, i / 8, (640, 360), i % 2 == 1) for i in range(len(people)))
    opinions = tuple(None if n is None else random_boxes(rng, n) for n in asked or [])
    batches = tuple(random_batch(rng, n) for n in people)
    return Recording(stamps, batches, live_wall_s=1.25, opinions=opinions)


@pytest.mark.parametrize(
    ("people", "asked"),
    [
        ([], None),
        ([0], None),
        ([0, 0, 0], None),
        ([1, 0, 3, 6, 2], None),
        ([1, 1, 2], [None, 0, 2]),
        ([1, 1], [None, None]),
    ],
    ids=["no-frames", "empty", "all-empty", "mix", "opinions", "opinion-never-asked"],
)
def test_round_trip_is_exact(tmp_path: Path, people: list[int], asked: list[int | None]) -> None:
    original = recording(people, asked)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"video")
    cache = PoseCache(tmp_path / "cache")
    key = cache.key("pose", clip, "original", 8.0, "movenet@1")
    assert cache.load_recording(key) is None
    cache.save_recording(key, original)
    loaded = cache.load_recording(key)
    assert loaded is not None
    assert loaded.stamps == original.stamps and loaded.live_wall_s == original.live_wall_s
    assert [s.cleaned for s in loaded.stamps] == [i % 2 == 1 for i in range(len(people))]
    assert len(loaded.batches) == len(people)
    assert all(same_batch(a, b) for a, b in zip(loaded.batches, original.batches, strict=True))
    assert len(loaded.opinions) == len(asked or [])
    assert all(same_batch(a, b) for a, b in zip(loaded.opinions, original.opinions, strict=True))
    assert same_batch(decode(encode(recording([0]))).batches[0], PoseBatch.empty())


def test_key_changes_with_the_file_variant_and_model(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"video")
    cache = PoseCache(tmp_path / "cache")
    key = cache.key("pose", clip, "original", 8.0, "movenet@1")
    cache.save_recording(key, recording([1]))
    for other in (
        cache.key("pose", clip, "flip", 8.0, "movenet@1"),
        cache.key("pose", clip, "original", 10.0, "movenet@1"),
        cache.key("pose", clip, "original", 8.0, "movenet@2"),
    ):
        assert cache.load_recording(other) is None
    clip.write_bytes(b"other video")
    assert cache.load_recording(cache.key("pose", clip, "original", 8.0, "movenet@1")) is None


def test_the_same_footage_elsewhere_hits_the_cache(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"video")
    cache = PoseCache(tmp_path / "cache")
    cache.save_recording(cache.key("pose", clip, "original", 8.0, "v"), recording([1]))
    copy = tmp_path / "restored" / "clip.mp4"  # another path, another mtime, the same bytes
    copy.parent.mkdir()
    copy.write_bytes(b"video")
    os.utime(copy, ns=(1, 1))
    loaded = cache.load_recording(cache.key("pose", copy, "original", 8.0, "v"))
    assert loaded is not None and len(loaded.batches) == 1


def test_disabled_and_corrupt_caches_miss(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"video")
    off = PoseCache(None)
    off.save_recording(off.key("pose", clip, "original", 8.0, "v"), recording([1]))
    assert off.load_recording(off.key("pose", clip, "original", 8.0, "v")) is None
    cache = PoseCache(tmp_path / "cache")
    key = cache.key("pose", clip, "original", 8.0, "v")
    cache.save_recording(key, recording([1]))
    for path in (tmp_path / "cache").iterdir():
        path.write_bytes(b"not a zip")
    assert cache.load_recording(key) is None
    cache.save_json(key, {"alarms_s": [1.0]})
    assert cache.load_json(key) == {"alarms_s": [1.0]}


def test_replay_frames_are_blank_views_with_the_stamps() -> None:
    original = recording([2, 0])
    original = recording([2, 0], asked=[1, None])
    replay = PoseReplay(original, "v", "yolo@1")
    frames = replay.frames("cam")
    first = next(frames)
    assert first.size_wh == (640, 360) and first.image_bgr.strides[:2] == (0, 0)
    assert same_batch(replay.infer(first.image_bgr), original.batches[0])
    assert replay.opinion is not None
    assert same_batch(replay.opinion.classify(first.image_bgr), original.opinions[0])
    assert not replay.cleaning and replay.pose_picture(first.image_bgr, 0.0) is first.image_bgr
    second = next(frames)
    assert replay.cleaning  # as recorded: pose saw a cleaned night picture
    assert len(replay.opinion.classify(second.image_bgr).fall_scores) == 0
    assert replay.opinion_misses == 1  # not asked live: answered with no boxes, and counted


def short_fall_frames(eval_dir: Path, variant: str = "original") -> list[Frame]:
    clip = eval_dir / "assist-iot/fall/05_vertical_fall_faint.mp4"
    frames = iter_file_frames(str(clip), "cam", 8.0)
    change = VARIANTS[variant].change if variant != "original" else None
    return list(apply_change(itertools.takewhile(lambda f: f.pts_s < 6.0, frames), change))


@pytest.mark.slow
def test_cached_replay_gives_the_live_events(eval_dir: Path, tmp_path: Path) -> None:
    vision, models = VisionConfig(), ModelsConfig()
    opinion = build_second_opinion(models)
    recorder = PoseRecorder(build_estimator(models), opinion)
    versions = ModelVersions(recorder.version, opinion.version if opinion else None)
    frames = short_fall_frames(eval_dir)
    analyzer = Analyzer("cam", vision, recorder, recorder.opinion, scene_rules=False)
    live = list(analyze_frames(recorder.watch(frames), analyzer, gated=False))
    assert any(e.type == "fall" for e in live)
    cache = PoseCache(tmp_path)
    clip = eval_dir / "assist-iot/fall/05_vertical_fall_faint.mp4"
    key = cache.key("pose", clip, "original", 8.0, versions.key)
    cache.save_recording(key, recorder.recording(live_wall_s=2.0))
    stored = cache.load_recording(key)
    assert stored is not None and len(stored.stamps) == len(frames)
    replay = replay_events(stored, "cam", vision, versions)
    replayed = replay.events
    assert replay.opinion_misses == 0

    def essence(events: list) -> list[tuple]:  # type: ignore[type-arg]
        return [(e.type, e.start_s, e.end_s, e.confidence, e.track_id) for e in events]

    assert essence(replayed) == essence(live)

    # The sweep replays the same perception; its default point sees the same fall.
    from carewatch.eval.manifest import ManifestRow
    from carewatch.eval.runner import ClipPerception

    row = ManifestRow(2, "05.mp4", clip, "fall", "assist")
    points = run_sweep([ClipPerception(row, "cam", stored)], vision, versions)
    assert all(p.summary.recall == 1.0 for p in points if p.is_default)
    write_csv(points, tmp_path / "sweep.csv")
    write_plot(points, tmp_path / "sweep.png")
    assert (tmp_path / "sweep.csv").read_text().startswith("threshold,value,default,recall")
    assert (tmp_path / "sweep.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_a_night_recording_replays_with_the_night_pose_scores(
    eval_dir: Path, tmp_path: Path
) -> None:
    """Infrared frames: pose ran on cleaned pictures with the night scores, and the replay
    (which has no pictures) applies the same scores from the recorded marks."""
    vision, models = VisionConfig(), ModelsConfig()
    recorder = PoseRecorder(build_estimator(models))
    analyzer = Analyzer(
        "cam",
        vision,
        recorder,
        scene_rules=False,
        night=recorder.watch_night(NightMode(vision.night, "cam")),
    )
    clip = eval_dir / "t2v-bed/fall/mage_fall_006.mp4"  # a person on a dark floor
    frames = list(variant_frames(str(clip), "cam", 8.0, "infrared"))
    live = list(analyze_frames(recorder.watch(frames), analyzer, gated=False))
    recorded = recorder.recording(live_wall_s=1.0)
    assert all(stamp.cleaned for stamp in recorded.stamps)
    versions = ModelVersions(recorder.version)
    replayed = replay_events(recorded, "cam", vision, versions).events
    assert [(e.type, e.end_s) for e in replayed] == [(e.type, e.end_s) for e in live]
    by_day = dataclasses.replace(
        recorded, stamps=tuple(dataclasses.replace(s, cleaned=False) for s in recorded.stamps)
    )
    assert people_followed(by_day, vision) < people_followed(recorded, vision)


def people_followed(recorded: Recording, vision: VisionConfig) -> int:
    """Person observations over a replayed recording (the night scores follow weaker poses)."""
    replay = PoseReplay(recorded, "v", None)
    analyzer = Analyzer("cam", vision, replay, scene_rules=False, night=replay)
    return sum(len(analyzer.process(frame).people) for frame in replay.frames("cam"))

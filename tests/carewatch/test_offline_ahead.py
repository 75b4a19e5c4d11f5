"""Offline analysis with the models run ahead on other threads: the one-thread path's events."""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from carewatch.analyze.lookahead import Answers, Lookahead, prefetch
from carewatch.analyze.offline import (
    OfflineModels,
    analyze_ahead,
    analyze_frames,
    build_offline_models,
    on_clock,
)
from streams.frame import Frame
from streams.sources import SourceError, iter_file_frames
from vision.assembly import SharedModels, build_analyzer, build_estimator, build_shared_models
from vision.config import ModelsConfig, RuleThresholds, VisionConfig
from vision.events import SafetyEvent
from vision.fire import FireBoxes, FireSchedule
from vision.motion import MotionConfig
from vision.pipeline import Analyzer
from vision.records import PoseBatch

T0_EPOCH_S = 1_760_000_000.0


# prefetch ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "depth"),
    [([], 1), ([7], 1), (list(range(40)), 1), (list(range(40)), 4)],
    ids=["empty", "one", "one ahead", "several ahead"],
)
def test_prefetch_keeps_every_item_in_order(items: list[int], depth: int) -> None:
    assert list(prefetch(items, depth)) == items


def test_prefetch_raises_an_error_in_its_place() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise SourceError("cannot decode x.mp4: Invalid data")

    seen: list[int] = []
    with pytest.raises(SourceError, match=r"cannot decode x\.mp4"):
        seen.extend(prefetch(items(), 2))
    assert seen == [1, 2]


def test_prefetch_needs_room_for_one() -> None:
    with pytest.raises(ValueError, match="depth must be at least 1"):
        next(prefetch([1], 0))


def test_closing_prefetch_stops_its_thread_and_closes_the_source() -> None:
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            yield from itertools.count()
        finally:
            closed.set()

    items = prefetch(endless(), 2)
    assert next(items) == 0
    items.close()
    assert closed.is_set()
    assert not [t for t in threading.enumerate() if t.name == "prefetch"]


# the fire schedule ------------------------------------------------------------------------


class ScriptedPose:
    """A pose 'model' whose one person sits where the image's first pixel says."""

    version = "scripted-pose"

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def infer(self, image_bgr: np.ndarray) -> PoseBatch:
        with self._lock:
            self.calls += 1
        x = float(image_bgr[0, 0, 0]) / 255 * 0.5
        box = np.array([[x, 0.2, x + 0.3, 0.9]], np.float32)
        keypoints = np.tile(np.array([x + 0.15, 0.5], np.float32), (1, 17, 1))
        return PoseBatch(
            box, keypoints, np.full((1, 17), 0.9, np.float32), np.array([0.9], np.float32)
        )


class ScriptedFire:
    """A fire 'model' that remembers which images it looked at."""

    version = "scripted-fire"

    def __init__(self) -> None:
        self.seen: list[int] = []
        self._lock = threading.Lock()

    def detect(self, image_bgr: np.ndarray) -> FireBoxes:
        with self._lock:
            self.seen.append(int(image_bgr[0, 0, 1]))
        return FireBoxes(np.zeros((0, 4), np.float32), np.zeros((0,), np.float32), [])


def frames_at(pts_s: list[float]) -> list[Frame]:
    frames = []
    for index, pts in enumerate(pts_s):
        image = np.zeros((24, 32, 3), np.uint8)
        image[0, 0] = (index * 7 % 256, index, 0)
        frames.append(Frame("cam", index, pts, T0_EPOCH_S + pts, image))
    return frames


SCHEDULES = {
    "no frames": (2.0, []),
    "8 fps at 2 checks/s": (2.0, [i / 8 for i in range(20)]),
    "25 fps with jitter": (2.0, [i / 25 + (0.003 if i % 3 else 0) for i in range(60)]),
    "gaps": (2.0, [0.0, 0.1, 1.3, 1.35, 1.8, 4.0, 4.49, 4.5]),
    "as fast as frames": (30.0, [i / 8 for i in range(10)]),
    "checks off": (0.0, [i / 8 for i in range(10)]),
}


def due_frames(frames: list[Frame], fire_fps: float) -> list[int]:
    """The frames a FireSchedule gives a check, each check booked as it runs."""
    schedule, due = FireSchedule(fire_fps), []
    for frame in frames:
        if schedule.due(frame.pts_s):
            schedule.checked(frame.pts_s)
            due.append(frame.index)
    return due


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_without_the_gate_every_due_fire_check_runs_the_model(name: str) -> None:
    fire_fps, pts_s = SCHEDULES[name]
    frames = frames_at(pts_s)
    fire = ScriptedFire()
    vision = VisionConfig(rules=RuleThresholds(fire_fps=fire_fps))
    analyzer = Analyzer("cam", vision, ScriptedPose(), fire=fire)
    list(analyze_frames(frames, analyzer, gated=False))
    assert due_frames(frames, fire_fps) == fire.seen


def still_then_moving(still: int, moving: int) -> list[Frame]:
    """`still` identical frames, then `moving` whose person box moves (8 fps)."""
    frames = frames_at([i / 8 for i in range(still + moving)])
    for frame in frames:
        frame.image_bgr[0, 0, 0] = 0  # the person stands still; their index stays readable
    for frame in frames[still:]:
        left = 2 + (frame.index * 3) % 28
        frame.image_bgr[1:, left : left + 2] = 255  # a bar that moves
    return frames


def test_gated_analysis_skips_still_frames_and_repeats_fire_findings() -> None:
    frames, pose, fire = still_then_moving(still=16, moving=8), ScriptedPose(), ScriptedFire()
    analyzer = Analyzer("cam", VisionConfig(), pose, fire=fire)
    list(analyze_frames(frames, analyzer, gated=True))
    # still: the first frame and the re-check 1 s on; then every moving frame
    assert pose.calls == 2 + 8
    # fire checks at 0, 0.5, ... 2.5 s: the model looks at the first and once things move
    assert fire.seen == [0, 16, 20]


# the look-ahead with scripted models --------------------------------------------------------


def run_ahead(
    frames: list[Frame], depth: int = 3, decode_depth: int = 2, motion: bool = False
) -> tuple[list[SafetyEvent], Answers, ScriptedPose]:
    pose, vision = ScriptedPose(), VisionConfig(motion=MotionConfig(enabled=motion))
    answers = Answers(pose)
    analyzer = Analyzer("cam", vision, answers)
    ahead = Lookahead(answers, 2, depth, decode_depth, vision.motion, analyzer.watching)
    return list(analyze_frames(ahead.frames(frames), analyzer, gated=True)), answers, pose


@pytest.mark.parametrize("count", [0, 1, 5, 60])
def test_each_frame_is_looked_at_once(count: int) -> None:
    _, answers, pose = run_ahead(frames_at([i / 8 for i in range(count)]))
    assert (pose.calls, answers.misses) == (count, 0)


def test_only_frames_the_gate_lets_through_are_looked_at() -> None:
    _, answers, pose = run_ahead(still_then_moving(still=16, moving=8), motion=True)
    assert (pose.calls, answers.misses) == (2 + 8, 0)


def test_a_question_not_foreseen_is_answered_on_the_spot() -> None:
    frames = frames_at([0.0, 0.125])
    pose = ScriptedPose()
    answers = Answers(pose)
    ahead = Lookahead(answers, 1, 1, 1, MotionConfig(), lambda: False)
    for frame in ahead.frames(frames):  # the second frame is still: its gate skips it
        expected = pose.infer(frame.image_bgr)
        assert np.array_equal(answers.infer(frame.image_bgr).boxes_xyxy, expected.boxes_xyxy)
        answers.infer(frames[0].image_bgr.copy())  # not the frame being analysed
    assert answers.misses == 3


def test_the_look_ahead_is_bounded() -> None:
    frames, drawn = frames_at([i / 8 for i in range(40)]), []

    def source() -> Iterator[Frame]:
        for frame in frames:
            drawn.append(frame.index)
            yield frame

    ahead = Lookahead(Answers(ScriptedPose()), 2, 3, 2, MotionConfig(), lambda: False)
    furthest = [max(drawn) - frame.index for frame in ahead.frames(source())]
    # waiting for the analysis (the frame handed on among them), decoded, one being decoded
    assert max(furthest) <= (3 - 1) + 2 + 1


@pytest.mark.parametrize(("workers", "depth"), [(0, 1), (1, 0)])
def test_a_look_ahead_needs_a_worker_and_room(workers: int, depth: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Lookahead(Answers(ScriptedPose()), workers, depth, 1, MotionConfig(), lambda: False)


def test_an_error_in_a_model_reaches_the_caller() -> None:
    class Broken(ScriptedPose):
        def infer(self, image_bgr: np.ndarray) -> PoseBatch:
            raise RuntimeError("model fell over")

    answers = Answers(Broken())
    analyzer = Analyzer("cam", VisionConfig(), answers)
    ahead = Lookahead(answers, 2, 3, 2, MotionConfig(), analyzer.watching)
    with pytest.raises(RuntimeError, match="model fell over"):
        list(analyze_frames(ahead.frames(frames_at([0.0, 0.125])), analyzer, gated=True))


# real models on real clips --------------------------------------------------------------------


def comparable(events: list[SafetyEvent]) -> list[dict[str, Any]]:
    """Events as dicts, their random keys replaced by their order of appearance."""
    order: dict[str, int] = {}
    rows = []
    for event in events:
        row = dataclasses.asdict(event)
        row["key"] = order.setdefault(event.key, len(order))
        row["parent_key"] = order.get(event.parent_key) if event.parent_key else None
        rows.append(row)
    return rows


class Counted:
    """Counts the calls a thread-safe model gets (from any thread)."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.version, self.calls = inner, inner.version, 0
        self._lock = threading.Lock()

    def _count(self) -> None:
        with self._lock:
            self.calls += 1

    def infer(self, image_bgr: np.ndarray) -> PoseBatch:
        self._count()
        return self.inner.infer(image_bgr)  # type: ignore[no-any-return]

    def detect(self, image_bgr: np.ndarray) -> FireBoxes:
        self._count()
        return self.inner.detect(image_bgr)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def models() -> ModelsConfig:
    return ModelsConfig()


@pytest.fixture(scope="module")
def shared(models: ModelsConfig) -> SharedModels:
    loaded = build_shared_models(models)
    if loaded.fire is None or loaded.second_opinion is None:
        pytest.skip("the fire or the Normal/Fall model is not installed")
    return loaded


def clip_frames(path: Path, vision: VisionConfig, until_s: float) -> Iterator[Frame]:
    frames = iter_file_frames(str(path), path.stem, vision.analysis_fps)
    return on_clock(itertools.takewhile(lambda f: f.pts_s < until_s, frames), T0_EPOCH_S)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("clip", "until_s", "expected"),
    [
        ("assist-iot/fall/07_fall_to_knees_forward.mp4", 99.0, "fall"),
        ("furg-fire/house6.mp4", 6.0, "smoke"),
    ],
    ids=["fall", "fire"],
)
def test_ahead_gives_the_one_thread_events(
    eval_dir: Path,
    models: ModelsConfig,
    shared: SharedModels,
    clip: str,
    until_s: float,
    expected: str,
) -> None:
    path, vision = eval_dir / clip, VisionConfig()
    fire = Counted(shared.fire)
    counted = SharedModels(shared.second_opinion, fire)
    one_pose = Counted(build_estimator(models))
    one_thread = build_analyzer(path.stem, vision, models, counted, one_pose)
    alone = list(analyze_frames(clip_frames(path, vision, until_s), one_thread, gated=True))
    fire_calls, fire.calls = fire.calls, 0
    offline = build_offline_models(models, 2, counted)
    pose = Counted(offline.pose)
    ahead = OfflineModels(pose, offline.shared, offline.workers)
    found = list(
        analyze_ahead(clip_frames(path, vision, until_s), path.stem, vision, models, ahead)
    )
    assert expected in {str(e.type) for e in alone}
    assert comparable(found) == comparable(alone)
    assert fire.calls == fire_calls
    # poses foreseen for frames the gate then skipped are the only extra work
    assert one_pose.calls <= pose.calls <= one_pose.calls * 1.1

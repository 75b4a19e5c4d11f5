"""The analysis scheduler: most overdue first, even slow-down under overload, gated still scenes."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from streams.frame import Frame
from streams.latest import LatestFrameSlot
from vision.config import VisionConfig
from vision.fire import FireBoxes
from vision.motion import MotionConfig, MotionGate
from vision.pipeline import Analyzer, FrameAnalysis
from vision.records import PoseBatch
from vision.scheduler import AnalysisScheduler, _Camera


class SlowPose:
    """The pose seam: finds nobody, taking `cost_s` of a worker's time per frame."""

    version = "slow-pose"

    def __init__(self, cost_s: float = 0.0) -> None:
        self.cost_s = cost_s
        self.calls = 0

    def infer(self, image_bgr: np.ndarray) -> PoseBatch:
        self.calls += 1
        time.sleep(self.cost_s)
        return PoseBatch.empty()


class SlowFire:
    """The fire seam: finds nothing, taking `cost_s` per check."""

    version = "slow-fire"

    def __init__(self, cost_s: float) -> None:
        self.cost_s = cost_s
        self.calls = 0

    def detect(self, image_bgr: np.ndarray) -> FireBoxes:
        self.calls += 1
        time.sleep(self.cost_s)
        return FireBoxes(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), [])


def analyzer(
    camera_id: str, fps: float = 10.0, cost_s: float = 0.0, fire_cost_s: float | None = None
) -> Analyzer:
    fire = None if fire_cost_s is None else SlowFire(fire_cost_s)
    return Analyzer(
        camera_id,
        VisionConfig(analysis_fps=fps),
        SlowPose(cost_s),
        fire=fire,
        scene_rules=fire is not None,
    )


def frame(camera_id: str, index: int, fps: float = 20.0, moving: bool = True) -> Frame:
    image = np.full((72, 128, 3), 80, np.uint8)
    if moving:
        x = (index * 7) % 100
        image[20:60, x : x + 20] = 230
    return Frame(camera_id, index, index / fps, time.time(), image)


def feed(slots: dict[str, LatestFrameSlot], seconds: float, moving: bool = True) -> None:
    """Puts frames into every slot at 20 fps, like live readers."""
    for index in range(int(seconds * 20)):
        for camera_id, slot in slots.items():
            slot.put(frame(camera_id, index, moving=moving))
        time.sleep(0.05)


def gate(enabled: bool = True) -> MotionGate:
    return MotionGate(MotionConfig(enabled=enabled))


# (seconds due before it was due, seconds it waited ready, period) -> analyses shed
SHED_CASES = [
    ("on time", 0.05, 0.05, 0.2, 0),
    ("a slow camera: due long ago, its frame just came", 1.0, 0.0, 0.2, 0),
    ("behind by two and a half periods", 0.5, 0.5, 0.2, 2),
    ("barely a period late", 0.19, 0.19, 0.2, 0),
]


@pytest.mark.parametrize(
    ("due_s", "late_s", "period_s", "shed"),
    [case[1:] for case in SHED_CASES],
    ids=[case[0] for case in SHED_CASES],
)
def test_shed_counts_only_overload(due_s: float, late_s: float, period_s: float, shed: int) -> None:
    now = 100.0
    camera = _Camera(
        "c", LatestFrameSlot(), analyzer("c"), lambda _: None, period_s, gate(), 0.0, now - due_s
    )
    camera.served(now, late_s)
    assert camera.stats.shed == shed
    assert now - period_s <= camera.next_due_mono <= now + period_s


def test_the_most_overdue_camera_with_a_new_frame_goes_first() -> None:
    scheduler = AnalysisScheduler(workers=1)
    slots = {name: LatestFrameSlot() for name in ("a", "b", "c", "idle")}
    for name, slot in slots.items():
        scheduler.add(name, slot, analyzer(name), lambda _: None, gate())
    now = time.monotonic()
    dues = {"a": now - 0.1, "b": now - 0.5, "c": now + 10.0, "idle": now - 9.0}
    for name, due in dues.items():
        scheduler._cameras[name].next_due_mono = due
        if name != "idle":  # no frame yet: not ready however overdue
            slots[name].put(frame(name, 0))
    first = scheduler._take()
    second = scheduler._take()
    assert first is not None and second is not None
    assert (first[0].camera_id, second[0].camera_id, first[1], second[1]) == ("b", "a", True, True)
    assert not scheduler._cameras["c"].ready(time.monotonic())  # not due yet


def test_overload_slows_every_camera_evenly_and_counts_it() -> None:
    # One worker, three cameras wanting 10 analyses a second of 50 ms each: 1.5x too many.
    scheduler = AnalysisScheduler(workers=1)
    slots = {name: LatestFrameSlot() for name in ("a", "b", "c")}
    for name, slot in slots.items():
        scheduler.add(name, slot, analyzer(name, cost_s=0.05), lambda _: None, gate(False))
    scheduler.start()
    try:
        feed(slots, seconds=2.0)
    finally:
        scheduler.stop()
    loads = {load.camera_id: load for load in scheduler.loads()}
    analysed = [load.frames_analysed for load in loads.values()]
    assert min(analysed) >= 5 and max(analysed) <= 2 * min(analysed), analysed
    assert all(load.frames_shed > 0 for load in loads.values()), loads
    assert all(load.result_latency_p95_s is not None for load in loads.values())


def test_a_still_scene_is_gated_and_a_moving_one_is_not() -> None:
    scheduler = AnalysisScheduler(workers=1)
    still, moving = LatestFrameSlot(), LatestFrameSlot()
    scheduler.add("still", still, analyzer("still"), lambda _: None, gate())
    scheduler.add("moving", moving, analyzer("moving"), lambda _: None, gate())
    scheduler.start()
    try:
        writer = threading.Thread(target=feed, args=({"still": still}, 1.5, False))
        writer.start()
        feed({"moving": moving}, 1.5)
        writer.join()
    finally:
        scheduler.stop()
    loads = {load.camera_id: load for load in scheduler.loads()}
    assert loads["still"].frames_gated >= 5 and loads["still"].frames_analysed <= 3
    assert loads["moving"].frames_gated == 0 and loads["moving"].frames_analysed >= 5


def test_a_failing_analysis_does_not_stop_the_worker() -> None:
    scheduler = AnalysisScheduler(workers=1)
    results: list[FrameAnalysis] = []

    def explode(_: FrameAnalysis) -> None:
        raise RuntimeError("a consumer's bug")

    bad, good = LatestFrameSlot(), LatestFrameSlot()
    scheduler.add("bad", bad, analyzer("bad"), explode, gate(False))
    scheduler.add("good", good, analyzer("good"), results.append, gate(False))
    scheduler.start()
    try:
        feed({"bad": bad, "good": good}, 0.5)
        assert len(results) >= 2
    finally:
        scheduler.stop()


def test_remove_waits_for_the_analysis_in_progress() -> None:
    scheduler = AnalysisScheduler(workers=1)
    slot = LatestFrameSlot()
    pose_cost_s = 0.3
    scheduler.add("a", slot, analyzer("a", cost_s=pose_cost_s), lambda _: None, gate(False))
    scheduler.start()
    try:
        slot.put(frame("a", 0))
        time.sleep(0.1)  # the worker is inside the 0.3 s analysis now
        assert scheduler.remove("a", timeout_s=2.0)
        assert scheduler.loads() == []
    finally:
        scheduler.stop()


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError, match="workers"):
        AnalysisScheduler(workers=0)


@pytest.mark.parametrize(
    ("cameras", "pose_cost_s", "expect_fire"),
    [(1, 0.01, True), (4, 0.06, False)],
    ids=["spare time: fire checks at their rate", "overload: people first, no fire checks"],
)
def test_fire_checks_use_the_time_people_leave(
    cameras: int, pose_cost_s: float, expect_fire: bool
) -> None:
    scheduler = AnalysisScheduler(workers=1)
    slots = {f"c{n}": LatestFrameSlot() for n in range(cameras)}
    for name, slot in slots.items():
        camera = analyzer(name, fps=10.0, cost_s=pose_cost_s, fire_cost_s=0.03)
        scheduler.add(name, slot, camera, lambda _: None, gate(False))
    scheduler.start()
    try:
        feed(slots, seconds=2.0)
    finally:
        scheduler.stop()
    fire_checks = [load.fire_checks for load in scheduler.loads()]
    if expect_fire:  # fire_fps 2 for 2 s of video
        assert all(3 <= checks <= 5 for checks in fire_checks), fire_checks
    else:
        assert sum(fire_checks) <= 1, fire_checks


def test_a_still_picture_repeats_its_fire_finding_without_the_model() -> None:
    scheduler = AnalysisScheduler(workers=1)
    slot = LatestFrameSlot()
    camera = analyzer("still", fps=10.0, fire_cost_s=0.01)
    results: list[FrameAnalysis] = []
    scheduler.add("still", slot, camera, results.append, gate())
    scheduler.start()
    try:
        feed({"still": slot}, seconds=2.0, moving=False)
    finally:
        scheduler.stop()
    assert isinstance(camera.fire, SlowFire)
    assert camera.fire.calls == 1  # fire_fps 2: the later checks saw the same picture
    assert scheduler.loads()[0].fire_checks == 1
    assert sum(r.fire is not None for r in results) >= 1  # the rules still get findings


def test_check_fire_reuses_the_last_boxes_only_when_told_unchanged() -> None:
    camera = analyzer("c", fire_cost_s=0.0)
    assert isinstance(camera.fire, SlowFire)
    camera.check_fire(frame("c", 0), unchanged=True)  # nothing to repeat yet: the model runs
    camera.check_fire(frame("c", 1), unchanged=True)
    assert camera.fire.calls == 1
    camera.check_fire(frame("c", 2))
    assert camera.fire.calls == 2

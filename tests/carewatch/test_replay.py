"""Threshold replay: events matched across two runs, and the real analysis over generated clips."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from carewatch.run.replay import Replayer, clip_limits, match_events, needs
from dashboard.camera_control import Outcome, ReplayClip, ReplayLimit, Run
from dashboard.routes.pages import STATIC_DIR
from streams.clips import ClipEvent, ClipRecorder, ClipResult
from streams.config import ClipConfig, DemoSourceConfig
from streams.demo import DemoSource
from streams.ringbuffer import RingBuffer
from tests.conftest import SQLITE_PASS_ONLY
from tests.vision import rule_videos as videos
from tests.vision.rule_videos import Script
from vision.assembly import build_shared_models
from vision.config import FallThresholds, ModelsConfig, RuleThresholds, VisionConfig
from vision.events import EventType, SafetyEvent, Severity
from vision.zones import Point, ZoneConfig

POSE_ONLY = ModelsConfig(fire=False, second_opinion=False)
T0_EPOCH_S = 1_765_000_000.0


def event(kind: str, start_s: float, end_s: float | None, zone: str | None = None) -> SafetyEvent:
    return SafetyEvent(
        EventType(kind), Severity.WARNING, "cam", start_s, end_s, 0.0, 0.9, zone_id=zone
    )


FALL = event("fall", 3.0, 3.0)
LIE = event("long_lie", 3.0, 9.0)


@pytest.mark.parametrize(
    ("current", "proposed", "expected"),
    [
        ([], [], []),
        ([FALL], [FALL], [("fall", 3.0, "kept")]),
        ([], [FALL], [("fall", 3.0, "new")]),
        ([FALL], [], [("fall", 3.0, "dropped")]),
        # Fired a little later (a longer confirmation): the same fall, kept.
        ([FALL], [event("fall", 3.8, 3.8)], [("fall", 3.8, "kept")]),
        # Far apart in time: two different falls.
        ([FALL], [event("fall", 6.0, 6.0)], [("fall", 3.0, "dropped"), ("fall", 6.0, "new")]),
        # Overlapping spans match even when their starts are far apart.
        ([LIE], [event("long_lie", 7.0, 9.0)], [("long_lie", 7.0, "kept")]),
        # Another type or zone is another event.
        ([FALL], [LIE], [("fall", 3.0, "dropped"), ("long_lie", 3.0, "new")]),
        (
            [event("intrusion", 1.0, 4.0, "kitchen")],
            [event("intrusion", 1.0, 4.0, "store")],
            [("intrusion", 1.0, "dropped"), ("intrusion", 1.0, "new")],
        ),
        # Each current event matches once: the second proposed fall is new.
        ([FALL], [FALL, event("fall", 3.5, 3.5)], [("fall", 3.0, "kept"), ("fall", 3.5, "new")]),
    ],
)
def test_match_events(
    current: list[SafetyEvent],
    proposed: list[SafetyEvent],
    expected: list[tuple[str, float, str]],
) -> None:
    marked = match_events(current, proposed)
    assert [(e.type, e.start_s, e.outcome) for e in marked] == expected


def rect(x1: float, y1: float, x2: float, y2: float) -> list[Point]:
    return [(x1, y1), (x2, y1), (x2, y2), (x1, y2)]


def exit_zone(zone_id: str) -> ZoneConfig:
    """An exit zone around the box the generated clip leaves in the corridor."""
    return ZoneConfig(id=zone_id, kind="exit", polygon=rect(0.55, 0.45, 0.85, 0.95), hold_s=1)


@pytest.fixture(scope="module")
def box_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10 s of corridor; a box stands in the exit from 3 s to the end."""
    folder = tmp_path_factory.mktemp("replay")
    return videos.write_scripted(folder / "box.mp4", Script(10.0, videos.with_box, 3.0, 10.0))


@pytest.mark.slow
def test_replay_marks_what_the_proposed_zones_keep_add_and_drop(
    box_clip: Path, tmp_path: Path
) -> None:
    current = VisionConfig(analysis_fps=2, zones=[exit_zone("exit-a"), exit_zone("exit-c")])
    proposed = VisionConfig(analysis_fps=2, zones=[exit_zone("exit-a"), exit_zone("exit-b")])
    clips = [
        ReplayClip(7, "clips/box.mp4", box_clip, 0.0),
        ReplayClip(8, "clips/gone.mp4", tmp_path / "gone.mp4", 0.0),
    ]
    replayer = Replayer(POSE_ONLY, build_shared_models(POSE_ONLY))

    result = replayer.run("corridor", current, proposed, clips)
    again = replayer.run("corridor", current, proposed, clips[:1])

    box, gone = result.clips
    assert [(e.type, e.zone_id, e.outcome) for e in box.events] == [
        ("exit_blocked", "exit-a", Outcome.KEPT),
        ("exit_blocked", "exit-b", Outcome.NEW),
        ("exit_blocked", "exit-c", Outcome.DROPPED),
    ]
    assert box.events[0].start_s == pytest.approx(6.0, abs=1.0) and box.error is None
    assert (gone.event_id, gone.events) == (8, [])
    assert gone.error is not None and "not found" in gone.error
    # Ten seconds of clip cannot show a minute of lying, with either configuration.
    assert box.clip_s == pytest.approx(10.0, abs=0.1)
    assert box.limits == [ReplayLimit("long_lie", None, "fall.long_lie_s", 60.0, Run.BOTH)]
    assert result.counts == {"kept": 1, "new": 1, "dropped": 1}
    assert again.clips[0].events == box.events
    assert again.elapsed_s < result.elapsed_s / 4  # both runs remembered


def test_replay_of_no_clips_is_empty() -> None:
    replayer = Replayer(POSE_ONLY, build_shared_models(POSE_ONLY))
    result = replayer.run("corridor", VisionConfig(), VisionConfig(), [])
    assert (result.clips, result.counts) == ([], {"kept": 0, "new": 0, "dropped": 0})


def lying_for(long_lie_s: float, *zones: ZoneConfig, **rules: float) -> VisionConfig:
    return VisionConfig(
        fall=FallThresholds(long_lie_s=long_lie_s), rules=RuleThresholds(**rules), zones=zones
    )


def zone(
    kind: str, zone_id: str, hold_s: float | None = None, schedule: str | None = None
) -> ZoneConfig:
    square = rect(0.1, 0.1, 0.5, 0.5)
    return ZoneConfig(id=zone_id, kind=kind, polygon=square, hold_s=hold_s, schedule=schedule)


NIGHT_BED = zone("bed", "b1", schedule="22:00-06:00")  # bed exits count at night


def lie(needs_s: float, run: str) -> tuple[str, None, str, float, str]:
    return ("long_lie", None, "fall.long_lie_s", needs_s, run)


@pytest.mark.parametrize(
    ("current", "proposed", "clip_s", "expected"),
    [
        (lying_for(5), lying_for(5), 12.0, []),  # long enough for everything
        (lying_for(60), lying_for(60), 12.0, [("long_lie", None, "fall.long_lie_s", 60, "both")]),
        # The draft shortens the long lie to fit the clip: only the running one cannot.
        (
            lying_for(60),
            lying_for(10),
            12.0,
            [("long_lie", None, "fall.long_lie_s", 60, "current")],
        ),
        (
            lying_for(60),
            lying_for(90),
            12.0,
            [
                ("long_lie", None, "fall.long_lie_s", 60, "current"),
                ("long_lie", None, "fall.long_lie_s", 90, "proposed"),
            ],
        ),
        (  # zone holds: the camera's default, a zone's own, a bed that must be occupied first
            lying_for(5, zone("exit", "e1"), zone("restricted", "r1", 30), exit_blocked_s=60),
            lying_for(5, zone("exit", "e1", 2), zone("duty", "d1"), NIGHT_BED),
            12.0,
            [  # by type, then zone
                ("bed_exit", "b1", "rules.bed_occupied_s + rules.bed_exit_s", 13, "proposed"),
                ("exit_blocked", "e1", "rules.exit_blocked_s", 60, "current"),
                ("intrusion", "r1", "zones[r1].hold_s", 30, "current"),
                ("understaffed", "d1", "rules.understaffed_s", 300, "proposed"),
            ],
        ),
    ],
    ids=["fits", "long lie", "draft fits", "both too long", "zones"],
)
def test_clip_limits_name_what_a_clip_is_too_short_for(
    current: VisionConfig,
    proposed: VisionConfig,
    clip_s: float,
    expected: list[tuple[str, str | None, str, float, str]],
) -> None:
    limits = clip_limits(current, proposed, clip_s)
    assert [(x.type, x.zone_id, x.setting, x.needs_s, x.run) for x in limits] == expected


def demo_fall_clip(folder: Path) -> tuple[Path, float]:
    """The demo camera's first fall, recorded as a demo camera records it (its JPEG buffer
    and the clip writer); returns the clip and the fall's start in clip time."""
    config = ClipConfig(pre_roll_s=3.0, post_roll_s=2.0)
    source = DemoSource("demo-room", DemoSourceConfig(realtime=False))
    source.open()
    assert source.scene is not None
    fall_s = source.scene.timeline.fall_start_s
    confirmed_s = fall_s + 1.8  # when the demo's live analysis raises it
    ring = RingBuffer(60.0, config.fps, config.max_width_px, config.jpeg_quality, config.still_fps)
    while (frame := source.read()) is not None and frame.pts_s <= confirmed_s + 2.5:
        ring.add(frame.pts_s, frame.image_bgr)
    ring.mark_ended()
    assert frame is not None
    results: list[ClipResult] = []
    recorder = ClipRecorder(ring, config, folder)
    fall = ClipEvent("fall", "demo-room", fall_s, confirmed_s, T0_EPOCH_S)
    recorder.request(fall, frame.image_bgr, results.append)
    recorder.stop()
    clip, clip_start_s = results[0].clip_path, results[0].clip_start_pts_s
    assert clip is not None and clip_start_s is not None
    return clip, fall_s - clip_start_s


@SQLITE_PASS_ONLY
@pytest.mark.slow
def test_a_recorded_fall_replays_the_same_every_time(tmp_path: Path) -> None:
    """Five replays of a recorded demo fall, each by a new Replayer (nothing remembered),
    find the fall the live camera found, the same way each time."""
    clip, fall_s = demo_fall_clip(tmp_path)
    models = ModelsConfig(fire=False, threads=1)
    shared = build_shared_models(models)
    vision = VisionConfig()
    recorded = [ReplayClip(1, "demo-room/fall.mp4", clip, T0_EPOCH_S)]

    runs = [Replayer(models, shared).run("demo-room", vision, vision, recorded) for _ in range(5)]

    events = [run.clips[0].events for run in runs]
    assert events == [events[0]] * 5
    assert [(e.type, e.outcome) for e in events[0]] == [("fall", Outcome.KEPT)]
    assert events[0][0].start_s == pytest.approx(fall_s, abs=0.5)


def test_the_operator_page_words_every_limit_in_both_languages() -> None:
    """Each event type a limit can name has its condition, in English and in Chinese."""
    text = (STATIC_DIR / "js" / "operator" / "strings.js").read_text(encoding="utf-8")
    english, chinese = text.split("const zh = {", 1)
    every_zone = [zone(kind, kind) for kind in ("exit", "restricted", "duty")]
    vision = lying_for(60, *every_zone, NIGHT_BED)
    keys = {"operator.cannotReproduce", "operator.limitRun.current", "operator.limitRun.proposed"}
    keys |= {f"operator.need.{need.type}" for need in needs(vision)}
    assert len(keys) == 8
    for table in (english, chinese.split("};", 1)[0]):
        defined = set(re.findall(r'^\s*"(operator\.[\w.]+)":', table, re.MULTILINE))
        assert keys <= defined, keys - defined
    assert "{needs}" in english and "{clip}" in chinese and "{condition}" in chinese

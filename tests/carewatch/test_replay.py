"""Threshold replay: events matched across two runs, and the real analysis over generated clips."""

from __future__ import annotations

from pathlib import Path

import pytest

from carewatch.offline import build_shared_models
from carewatch.replay import Replayer, match_events
from dashboard.camera_control import Outcome, ReplayClip
from tests.vision import rule_videos as videos
from tests.vision.rule_videos import Script
from vision.config import ModelsConfig, VisionConfig
from vision.events import EventType, SafetyEvent, Severity
from vision.zones import Point, ZoneConfig

POSE_ONLY = ModelsConfig(fire=False, second_opinion=False)


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
    assert result.counts == {"kept": 1, "new": 1, "dropped": 1}
    assert again.clips[0].events == box.events
    assert again.elapsed_s < result.elapsed_s / 4  # both runs remembered


def test_replay_of_no_clips_is_empty() -> None:
    replayer = Replayer(POSE_ONLY, build_shared_models(POSE_ONLY))
    result = replayer.run("corridor", VisionConfig(), VisionConfig(), [])
    assert (result.clips, result.counts) == ([], {"kept": 0, "new": 0, "dropped": 0})

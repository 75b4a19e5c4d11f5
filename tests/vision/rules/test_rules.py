"""Each rule on recorded-style scene sequences: people boxes, local times, detector outputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from vision.config import RuleThresholds
from vision.events import Category
from vision.fire import FireBoxes
from vision.records import KEYPOINT_COUNT, PersonObservation
from vision.rules.areas import ExitBlockedRule, IntrusionRule, UnderstaffedRule
from vision.rules.fire import FireRule
from vision.rules.health import CameraTamperRule
from vision.rules.lifecycle import RuleSignal
from vision.rules.movement import BedExitRule, DoorRule, ExitLineRule
from vision.rules.scene import Rule, SceneView
from vision.scene_health import SceneHealthReading
from vision.zones import LineConfig, Point, ZoneConfig

NIGHT = datetime(2026, 11, 23, 23, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
NOON = NIGHT.replace(hour=12)
LEFT_HALF = [(0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0)]
T = RuleThresholds(cooldown_s=0.0)


def person(
    track_id: int, centre_x: float, foot_y: float = 0.9, height: float = 0.5
) -> PersonObservation:
    box = np.array([centre_x - 0.05, foot_y - height, centre_x + 0.05, foot_y], np.float32)
    return PersonObservation(
        track_id,
        box,
        np.zeros((KEYPOINT_COUNT, 2), np.float32),
        np.ones(KEYPOINT_COUNT, np.float32),
        0.6,
    )


def fire_boxes(
    *found: tuple[str, float],
    moving: float | None = 0.5,
    box: tuple[float, ...] = (0.4, 0.4, 0.6, 0.6),
) -> FireBoxes:
    boxes = np.tile(np.array(box, np.float32), (len(found), 1))
    scores = np.array([score for _, score in found], np.float32)
    moved = None if moving is None else np.full(len(found), moving, np.float32)
    return FireBoxes(boxes, scores, [label for label, _ in found], moved)


@dataclass(frozen=True)
class FakeStatic:
    fraction: float

    def static_fraction(self, polygon: Sequence[Point]) -> float:
        return self.fraction


def reading(learning: bool = False, covered: bool = False) -> SceneHealthReading:
    nan = float("nan")
    return SceneHealthReading(0.0, learning, covered, False, False, 30.0, 0.5, nan, nan, nan)


@dataclass
class Step:
    people: list[PersonObservation] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)
    fire: FireBoxes | None = None
    static: FakeStatic | None = None
    health: SceneHealthReading | None = None


def play(
    rule: Rule, steps: list[Step], start: datetime = NIGHT, step_s: float = 1.0
) -> list[RuleSignal]:
    out: list[RuleSignal] = []
    for index, step in enumerate(steps):
        pts_s = index * step_s
        view = SceneView(
            pts_s,
            start + timedelta(seconds=pts_s),
            step.people,
            step.lost,
            step.fire,
            step.static,
            step.health,
        )
        out += rule.step(view)
    return out + rule.close()


def spans(signals: list[RuleSignal]) -> list[tuple[str, float, float | None]]:
    """Each event once: (type, start_s, end_s) from its end signal (or open if never ended)."""
    ends = {s.key: s for s in signals}
    return [(str(s.type), s.start_s, s.end_s) for s in ends.values()]


def zone(kind: str, **extra: object) -> ZoneConfig:
    return ZoneConfig(id=f"{kind}-1", kind=kind, polygon=LEFT_HALF, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "zone_config", "xs", "start", "expected"),
    [
        ("empty input", zone("restricted"), [], NIGHT, []),
        ("outside the zone", zone("restricted"), [0.8] * 6, NIGHT, []),
        ("inside 4 s", zone("restricted"), [0.8, 0.2, 0.2, 0.2, 0.2, 0.8, 0.8, 0.8, 0.8, 0.8],
         NIGHT, [("intrusion", 1, 4)]),
        ("too brief", zone("restricted"), [0.8, 0.2, 0.8, 0.8], NIGHT, []),
        ("schedule off at noon", zone("restricted", schedule="21:00-06:00"), [0.2] * 6, NOON, []),
        ("schedule on at night", zone("restricted", schedule="21:00-06:00"), [0.2] * 4, NIGHT,
         [("intrusion", 0, 3)]),
    ],
)  # fmt: skip
def test_intrusion(
    name: str, zone_config: ZoneConfig, xs: list[float], start: datetime, expected: list
) -> None:
    steps = [Step([person(1, x)]) for x in xs]
    assert spans(play(IntrusionRule([zone_config], T), steps, start)) == expected, name


def test_intrusion_category_follows_the_zone() -> None:
    kitchen = zone("restricted", category="scalds")
    signals = play(IntrusionRule([kitchen], T), [Step([person(1, 0.2)])] * 4)
    assert {s.category for s in signals} == {Category.SCALDS}


@pytest.mark.parametrize(
    ("name", "counts", "expected"),
    [
        ("enough people", [2] * 8, []),
        ("one short for 5 s", [2, 1, 1, 1, 1, 1, 1, 2, 2], [("understaffed", 1, 6)]),
        ("nobody, never back", [0] * 6, [("understaffed", 0, 5)]),
    ],
)
def test_understaffed(name: str, counts: list[int], expected: list) -> None:
    duty = zone("duty", min_people=2, hold_s=4)
    steps = [Step([person(i, 0.1 + 0.1 * i) for i in range(n)]) for n in counts]
    assert spans(play(UnderstaffedRule([duty], T), steps)) == expected, name


@pytest.mark.parametrize(
    ("name", "out_side", "xs", "start", "expected"),
    [
        ("walks right across", "either", [0.3, 0.4, 0.6, 0.7], NIGHT, [("wandering", 2, 2)]),
        ("outside is right: leaving", "left", [0.3, 0.4, 0.6], NIGHT, [("wandering", 2, 2)]),
        ("outside is right: coming in", "left", [0.7, 0.6, 0.4], NIGHT, []),
        ("daytime", "either", [0.3, 0.6], NOON, []),
        ("never crosses", "either", [0.1, 0.2, 0.3], NIGHT, []),
    ],
)
def test_exit_line(
    name: str, out_side: str, xs: list[float], start: datetime, expected: list
) -> None:
    # A vertical line drawn downwards: its left side (looking along it) is the image's right.
    line = LineConfig(
        id="gate", points=[(0.5, 0.0), (0.5, 1.0)], out_side=out_side, schedule="21:00-06:00"
    )  # type: ignore[arg-type]
    steps = [Step([person(1, x)]) for x in xs]
    assert spans(play(ExitLineRule([line], T), steps, start)) == expected, name


def test_door_leaving_is_reported_when_the_track_is_lost_in_the_door() -> None:
    door = zone("door", schedule="21:00-06:00")
    steps = [Step([person(5, 0.8)]), Step([person(5, 0.3)]), Step(), Step(lost=[5])]
    assert spans(play(DoorRule([door], T), steps)) == [("wandering", 1, 1)]
    away = [Step([person(6, 0.8)]), Step(), Step(lost=[6])]
    assert spans(play(DoorRule([door], T), away)) == []


def test_bed_exit_needs_an_occupied_bed_and_someone_seen_outside() -> None:
    bed = zone("bed", schedule="21:00-06:00")
    rules = RuleThresholds(bed_occupied_s=3, bed_exit_s=2, cooldown_s=0)
    in_bed = [Step([person(1, 0.25)])] * 5
    out = [Step([person(1, 0.8)])] * 4
    back = [Step([person(1, 0.25)])] * 2
    assert spans(play(BedExitRule([bed], rules), in_bed + out + back)) == [("bed_exit", 5, 8)]
    vanished = in_bed + [Step()] * 6  # lost under a blanket: nobody seen leaving
    assert spans(play(BedExitRule([bed], rules), vanished)) == []
    unscheduled = zone("bed")
    assert spans(play(BedExitRule([unscheduled], rules), in_bed + out)) == []


@pytest.mark.parametrize(
    ("name", "fractions", "expected"),
    [
        ("clear exit", [0.0] * 8, []),
        ("blocked 5 s then cleared", [0.0, 0.3, 0.3, 0.3, 0.3, 0.3, 0.0, 0.0, 0.0, 0.0],
         [("exit_blocked", 1, 5)]),
        ("below the area share", [0.05] * 8, []),
    ],
)  # fmt: skip
def test_exit_blocked(name: str, fractions: list[float], expected: list) -> None:
    exit_zone = zone("exit", hold_s=3)
    steps = [Step(static=FakeStatic(f)) for f in fractions]
    assert spans(play(ExitBlockedRule([exit_zone], T), steps)) == expected, name


FIRE = fire_boxes(("fire", 0.8))
SMOKE = fire_boxes(("smoke", 0.5))
NONE = fire_boxes()


@pytest.mark.parametrize(
    ("name", "checks", "expected"),
    [
        ("empty input", [], []),
        ("no boxes", [NONE] * 8, []),
        # 2 of 5 checks confirm a flame; it stays confirmed until the window loses them.
        ("flame twice", [FIRE] * 4 + [NONE] * 8, [("fire", 0.5, 3.0)]),
        ("one flame", [FIRE] + [NONE] * 8, []),
        ("weak flame", [fire_boxes(("fire", 0.3))] * 8, []),
        # Moving smoke in 4 of 5 checks.
        ("moving smoke", [SMOKE] * 4 + [NONE] * 8, [("smoke", 1.5, 2.0)]),
        ("smoke in 3 of 5", [SMOKE, SMOKE, NONE, SMOKE, NONE] * 2, []),
        ("still smoke", [fire_boxes(("smoke", 0.9), moving=0.02)] * 8, []),
        ("movement not measured", [fire_boxes(("smoke", 0.9), moving=None)] * 8, []),
        ("smoke filling the frame", [fire_boxes(("smoke", 0.9), box=(0, 0, 1, 0.8))] * 8, []),
    ],
)  # fmt: skip
def test_fire_and_smoke_need_persistence(
    name: str, checks: list[FireBoxes], expected: list
) -> None:
    rule = FireRule(RuleThresholds(fire_fps=2, fire_clear_s=2.0))
    steps = [Step(fire=boxes) for boxes in checks]
    assert spans(play(rule, steps, step_s=0.5)) == expected, name


def test_frames_without_a_fire_check_change_nothing() -> None:
    steps = [Step(fire=SMOKE), Step(fire=None)] * 4
    assert spans(play(FireRule(RuleThresholds(fire_clear_s=2.0)), steps, step_s=0.25)) == [
        ("smoke", 1.5, 1.5)
    ]


def test_tamper_events_from_health_readings() -> None:
    rule = CameraTamperRule(RuleThresholds(tamper_s=2, clear_s=1, cooldown_s=0))
    steps = [Step(health=reading(learning=True))] * 3
    steps += [Step(health=reading(covered=True))] * 4 + [Step(health=reading())] * 2
    assert spans(play(rule, steps)) == [("camera_covered", 3, 6)]
    from_power_on = [Step(health=reading(learning=True, covered=True))] * 4
    rule = CameraTamperRule(RuleThresholds(tamper_s=2, clear_s=1, cooldown_s=0))
    assert spans(play(rule, from_power_on)) == [("camera_covered", 0, 3)]

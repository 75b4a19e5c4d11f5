"""The fall / long-lie state machine on synthetic and recorded pose geometry."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from vision.body import BodyGeometry, hip_y
from vision.config import FallThresholds
from vision.events import EventType
from vision.fall import FallSignal, TrackFallState
from vision.records import KEYPOINT_COUNT, L_HIP, R_HIP

FPS = 8.0
STAND = (0.40, 0.60, 0.35, 5.0)  # centre_y, height, aspect, torso angle
LIE = (0.75, 0.25, 1.8, 80.0)
SIT = (0.55, 0.40, 0.80, 10.0)
LANDING = (0.70, 0.30, 1.6, 70.0)
SLID = (0.80, 0.20, 2.0, 85.0)


def sequence(*segments: tuple[float, tuple[float, ...]]) -> list[BodyGeometry]:
    """Hold each pose for its seconds, moving linearly from the previous one.

    A pose is (centre_y, height, aspect, torso angle) and optionally the hips' height.
    """
    bodies: list[BodyGeometry] = []
    previous = segments[0][1]
    t = 0.0
    for duration_s, pose in segments:
        steps = max(1, round(duration_s * FPS))
        for k in range(1, steps + 1):
            f = k / steps
            values = [a + (b - a) * f for a, b in zip(previous, pose, strict=True)]
            hip_y = values[4] if len(values) > 4 else None
            centre_y, height, aspect, angle = values[:4]
            bodies.append(BodyGeometry(t, centre_y, height, aspect, angle, hip_y=hip_y))
            t += 1 / FPS
        previous = pose
    return bodies


def run(bodies: list[BodyGeometry], **overrides: float) -> list[FallSignal]:
    state = TrackFallState(1, FallThresholds(**overrides))
    signals = [s for body in bodies for s in state.step(body)]
    return signals + (state.close(bodies[-1].pts_s) if bodies else [])


def kinds(signals: list[FallSignal]) -> list[tuple[str, bool]]:
    return [(str(s.type), s.end_s is None) for s in signals]


CASES = [
    ("empty", [], {}, []),
    ("walking only", sequence((5, STAND)), {}, []),
    (
        "fast fall, stays down briefly",
        sequence((3, STAND), (0.6, LIE), (3, LIE), (3, STAND)),
        {},
        [("fall", False)],
    ),
    ("slow lying down is no fall", sequence((3, STAND), (5, LIE), (3, LIE)), {}, []),
    ("sitting down quickly is no fall", sequence((3, STAND), (0.5, SIT), (5, SIT)), {}, []),
    (
        # The descent is seen mid-fall; the body slides on and rests 0.6 s before the clip ends.
        "still sliding when the descent is seen, confirmed once at rest",
        sequence((3, STAND), (0.5, LANDING), (1.0, SLID), (0.6, SLID)),
        {},
        [("fall", False)],
    ),
    (
        "sliding on until the descent expires is no fall",
        sequence((3, STAND), (0.5, LANDING), (4.0, (0.95, 0.2, 2.0, 85.0))),
        {"settle_motion_ratio": 0.05},
        [],
    ),
    (
        "lying from the start: long lie, no fall",
        sequence((6, LIE)),
        {"long_lie_s": 3},
        [("long_lie", True), ("long_lie", False)],
    ),
    (
        "fall then long lie, ended by getting up",
        sequence((3, STAND), (0.6, LIE), (6, LIE), (1, STAND), (3, STAND)),
        {"long_lie_s": 4},
        [("fall", False), ("long_lie", True), ("long_lie", False)],
    ),
    (
        "second fall within cooldown is suppressed",
        sequence((3, STAND), (0.6, LIE), (3, LIE), (1, STAND), (3, STAND), (0.6, LIE), (3, LIE)),
        {"cooldown_s": 60},
        [("fall", False)],
    ),
    (
        "second fall after cooldown alerts again",
        sequence((3, STAND), (0.6, LIE), (3, LIE), (1, STAND), (3, STAND), (0.6, LIE), (3, LIE)),
        {"cooldown_s": 1},
        [("fall", False), ("fall", False)],
    ),
]


@pytest.mark.parametrize(
    ("name", "bodies", "overrides", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_state_machine(
    name: str,
    bodies: list[BodyGeometry],
    overrides: dict[str, float],
    expected: list[tuple[str, bool]],
) -> None:
    assert kinds(run(bodies, **overrides)) == expected


def test_fall_times_and_link() -> None:
    bodies = sequence((3, STAND), (0.6, LIE), (6, LIE))
    fall, long_lie, _ = run(bodies, long_lie_s=3)
    assert fall.type is EventType.FALL and long_lie.type is EventType.LONG_LIE
    assert 2.5 <= fall.start_s <= 3.2, "the fall starts where the descent starts"
    assert fall.end_s is not None and fall.end_s - 3.6 <= 1.5, "confirmed soon after landing"
    assert long_lie.parent_key == fall.key
    assert 0.5 <= fall.confidence <= 1.0


def test_thresholds_are_bounded() -> None:
    with pytest.raises(ValueError, match="confirm_s"):
        FallThresholds(confirm_s=-1)


RECORDED = json.loads((Path(__file__).parent / "data" / "geometry.json").read_text())
RECORDED_CASES = [
    ("fall_faint", {}, [("fall", False)]),
    ("fall_knees", {}, [("fall", False)]),
    ("sit_low_chair_quickly", {}, []),
    ("walk_slowly", {}, []),
    ("lying_still", {"long_lie_s": 2}, [("long_lie", True), ("long_lie", False)]),
]


@pytest.mark.parametrize(
    ("clip", "overrides", "expected"), RECORDED_CASES, ids=[c[0] for c in RECORDED_CASES]
)
def test_recorded_sequences(
    clip: str, overrides: dict[str, float], expected: list[tuple[str, bool]]
) -> None:
    bodies = [BodyGeometry(*row) for row in RECORDED[clip]]
    assert kinds(run(bodies, **overrides)) == expected


def lying_at(centre_y: float, height: float = 0.25, aspect: float = 2.5) -> tuple[float, ...]:
    return (centre_y, height, aspect, 85.0)


def with_flags(bodies: list[BodyGeometry], **flags: bool) -> list[BodyGeometry]:
    return [dataclasses.replace(body, **flags) for body in bodies]


ROLL_OFF = sequence((2, lying_at(0.35)), (0.8, lying_at(0.8)), (3, lying_at(0.8)))
ROLL_IN_BED = sequence((2, lying_at(0.35)), (0.8, lying_at(0.4)), (3, lying_at(0.4)))
FORESHORTENED = (0.75, 0.5, 0.7, 10.0)  # lying along the line of sight: box looks upright
ROLL_OFF_AWAY = sequence((2, lying_at(0.35)), (0.8, FORESHORTENED), (3, FORESHORTENED))

OPINION_CASES = [
    ("rolling off a bed", ROLL_OFF, None, [("fall", False)]),
    ("rolling in bed", ROLL_IN_BED, None, []),
    ("foreshortened landing, no second opinion", ROLL_OFF_AWAY, None, []),
    ("foreshortened landing, second opinion says fallen", ROLL_OFF_AWAY, 0.8, [("fall", False)]),
    ("foreshortened landing, second opinion unsure", ROLL_OFF_AWAY, 0.4, []),
    (
        "fast fall vetoed by a confident 'normal'",
        sequence((3, STAND), (0.6, LIE), (3, LIE)),
        0.02,
        [],
    ),
    (
        "fast fall, second opinion agrees",
        sequence((3, STAND), (0.6, LIE), (3, LIE)),
        0.7,
        [("fall", False)],
    ),
]


@pytest.mark.parametrize(
    ("name", "bodies", "score", "expected"), OPINION_CASES, ids=[c[0] for c in OPINION_CASES]
)
def test_second_opinion(
    name: str, bodies: list[BodyGeometry], score: float | None, expected: list[tuple[str, bool]]
) -> None:
    state = TrackFallState(1, FallThresholds())
    signals = [s for body in bodies for s in state.step(body, lambda: score)]
    assert kinds(signals) == expected


def test_bed_zone_suppresses_fall_and_long_lie() -> None:
    fall = with_flags(sequence((3, STAND), (0.6, LIE), (8, LIE)), in_bed=True)
    assert run(fall, long_lie_s=3) == []


def test_standing_height_ignores_sitting_down() -> None:
    state = TrackFallState(1, FallThresholds())
    for body in sequence((2, STAND), (1.0, (0.5, 0.45, 0.5, 5.0)), (2, (0.5, 0.45, 0.5, 5.0))):
        state.step(body)
    assert state.standing_height is not None and state.standing_height > 0.5


def test_long_lie_escalates_while_it_lasts() -> None:
    bodies = sequence((3, STAND), (0.6, LIE), (34, LIE), (1, STAND), (3, STAND))  # ~35 s down
    signals = run(bodies, long_lie_s=10, long_lie_escalate_s=10)
    long_lies = [s for s in signals if s.type is EventType.LONG_LIE]
    assert [(s.level, s.end_s is None) for s in long_lies] == [
        (1, True),
        (2, True),
        (3, True),
        (3, False),
    ]
    assert len({s.key for s in long_lies}) == 1, "one event that escalates, not several"


# Never seen standing: lying on a bed along the line of sight (the box looks upright, its
# length is a guess), or sitting on the floor. Poses carry the hips' height.
ALONG_SIGHT = (0.55, 0.80, 0.9, 30.0, 0.55)
ON_FLOOR = (0.75, 0.40, 1.45, 75.0, 0.80)
SEATED = (0.45, 0.30, 0.75, 5.0, 0.58)
LAID_BACK = (0.56, 0.10, 2.6, 85.0, 0.58)
ROLL_OFF_ALONG_SIGHT = sequence((2, ALONG_SIGHT), (1.0, ON_FLOOR), (2, ON_FLOOR))

HIP_CASES = [
    ("empty", [], []),
    ("rolls off a bed along the line of sight: the hips drop", ROLL_OFF_ALONG_SIGHT, ["fall"]),
    (
        "the same without hips: the box centre drops too little of the guessed length",
        [dataclasses.replace(body, hip_y=None) for body in ROLL_OFF_ALONG_SIGHT],
        [],
    ),
    (
        "lies down from sitting: the box centre drops, the hips stay put",
        sequence((2, SEATED), (0.5, LAID_BACK), (3, LAID_BACK)),
        [],
    ),
    (
        "seen standing first: the standing height decides, the hips are not asked",
        sequence(
            (3, (0.40, 0.60, 0.35, 5.0, 0.45)),
            (1.0, SEATED),
            (2.0, SEATED),
            (0.5, (0.56, 0.10, 2.6, 85.0, 0.75)),
            (3, (0.56, 0.10, 2.6, 85.0, 0.75)),
        ),
        [],
    ),
]


@pytest.mark.parametrize(("name", "bodies", "expected"), HIP_CASES, ids=[c[0] for c in HIP_CASES])
def test_hip_drop_without_standing_height(
    name: str, bodies: list[BodyGeometry], expected: list[str]
) -> None:
    assert [str(s.type) for s in run(bodies)] == expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [((0.6, 0.9), (0.7, 0.9), 0.65), ((0.6, 0.9), (0.7, 0.1), 0.6), ((0.6, 0.1), (0.7, 0.0), None)],
    ids=["both hips", "one hip seen", "no hips seen"],
)
def test_hip_y(
    left: tuple[float, float], right: tuple[float, float], expected: float | None
) -> None:
    keypoints, scores = np.zeros((KEYPOINT_COUNT, 2)), np.zeros(KEYPOINT_COUNT)
    (keypoints[L_HIP, 1], scores[L_HIP]), (keypoints[R_HIP, 1], scores[R_HIP]) = left, right
    assert hip_y(keypoints, scores) == pytest.approx(expected)


def unseen_after(bodies: list[BodyGeometry], unseen_s: float) -> list[FallSignal]:
    """Step through `bodies`, then report frames without the person for `unseen_s`."""
    state = TrackFallState(1, FallThresholds())
    signals = [s for body in bodies for s in state.step(body)]
    last_s = bodies[-1].pts_s
    for k in range(1, round(unseen_s * FPS) + 1):
        signals += state.unseen(last_s + k / FPS)
    return signals


AT_BOTTOM = (0.88, 0.24, 1.6, 70.0)  # half out of the picture: the box ends at its edge
MID_FALL = (0.70, 0.40, 1.0, 45.0)
WALKS_OUT = (0.80, 0.40, 0.45, 5.0)  # upright, the box's bottom at the picture's edge


@pytest.mark.parametrize(
    ("name", "bodies", "unseen_s", "expected"),
    [
        ("falls out of the bottom of the picture", sequence((3, STAND), (0.5, AT_BOTTOM)), 1.0, 1),
        ("back in view before confirm_s", sequence((3, STAND), (0.5, AT_BOTTOM)), 0.4, 0),
        ("walks out at the side, no descent", sequence((3, STAND)), 1.0, 0),
        ("walks down stairs out of the picture", sequence((3, STAND), (0.5, WALKS_OUT)), 1.0, 0),
        ("descends, lost mid-picture", sequence((3, STAND), (0.5, MID_FALL)), 1.0, 0),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_falling_out_of_view(
    name: str, bodies: list[BodyGeometry], unseen_s: float, expected: int
) -> None:
    signals = unseen_after(bodies, unseen_s)
    assert [str(s.type) for s in signals] == ["fall"] * expected
    if expected:
        assert signals[0].end_s == pytest.approx(bodies[-1].pts_s + 0.625)  # confirm_s 0.6


def in_bed_until(bodies: list[BodyGeometry], until_s: float) -> list[BodyGeometry]:
    return [dataclasses.replace(b, in_bed=b.pts_s < until_s) for b in bodies]


@pytest.mark.parametrize(
    ("name", "bodies", "expected"),
    [
        # Seen from above a roll off the bed moves the body sideways, hardly down the picture.
        (
            "rolls off the bed onto the floor beside it",
            in_bed_until(
                sequence((2, lying_at(0.60)), (0.8, lying_at(0.66)), (3, lying_at(0.66))), 2.4
            ),
            ["fall"],
        ),
        (
            "gets out of bed and stands",
            in_bed_until(sequence((2, lying_at(0.60)), (1.0, SIT), (1.0, STAND), (3, STAND)), 2.5),
            [],
        ),
        (
            "rolls over in bed",
            in_bed_until(
                sequence((2, lying_at(0.60)), (0.8, lying_at(0.66)), (3, lying_at(0.66))), 99
            ),
            [],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_leaving_a_bed_zone_lying(
    name: str, bodies: list[BodyGeometry], expected: list[str]
) -> None:
    assert [str(s.type) for s in run(bodies)] == expected

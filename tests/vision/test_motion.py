"""Motion gate: still scenes skip the models except at re-checks; people down never do."""

from __future__ import annotations

import numpy as np
import pytest

from streams.motion import changed_fraction, small_grey
from vision.motion import MotionConfig, MotionGate, people_mask

HEIGHT_PX, WIDTH_PX = 360, 640


def room(noise_seed: int | None = None, square_at_px: int | None = None) -> np.ndarray:
    """A grey room with a bright square (a person) at `square_at_px`, and sensor noise."""
    image = np.full((HEIGHT_PX, WIDTH_PX, 3), 90, np.uint8)
    image[200:, :] = 60  # the floor
    if square_at_px is not None:
        image[120:300, square_at_px : square_at_px + 60] = 220
    if noise_seed is not None:
        noise = np.random.default_rng(noise_seed).integers(-3, 4, image.shape)
        image = np.clip(image.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    return image


# (frames as (pts_s, square position or None), watching, config, expected decisions)
CASES = [
    ("still room: first frame, then only re-checks", [None] * 6, False, {}, [1, 0, 0, 0, 0, 1]),
    ("sensor noise is not motion", [None] * 5, False, {}, [1, 0, 0, 0, 0]),
    ("a person walking", [100, 130, 160, 190, 220], False, {}, [1, 1, 1, 1, 1]),
    ("someone down is always analysed", [None] * 4, True, {}, [1, 1, 1, 1]),
    ("gate off", [None] * 4, False, {"enabled": False}, [1, 1, 1, 1]),
    (
        "slow drift adds up until it counts",
        [100, 101, 102, 103, 104],
        False,
        {"recheck_s": 5, "min_changed_fraction": 0.005},
        [1, 0, 1, 0, 1],
    ),
    ("no frames", [], False, {}, []),
]


@pytest.mark.parametrize(
    ("squares", "watching", "overrides", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_gate_decisions(
    squares: list[int | None], watching: bool, overrides: dict[str, object], expected: list[int]
) -> None:
    gate = MotionGate(MotionConfig(**{"recheck_s": 1.0, **overrides}))
    period_s = 0.2
    decisions = [
        int(gate.should_analyse(room(n, square), n * period_s, watching))
        for n, square in enumerate(squares)
    ]
    assert decisions == expected


def test_a_clock_that_goes_back_is_a_recheck() -> None:
    gate = MotionGate(MotionConfig())
    assert gate.should_analyse(room(), 10.0, False)
    assert not gate.should_analyse(room(), 10.2, False)
    assert gate.should_analyse(room(), 0.0, False)


def test_a_resized_picture_counts_as_motion() -> None:
    before = small_grey(room())
    after = small_grey(np.full((480, 640, 3), 90, np.uint8))
    assert changed_fraction(before, after, 18) == 1.0


def test_small_grey_is_160_wide_and_keeps_the_aspect() -> None:
    assert small_grey(room()).shape == (90, 160)
    assert small_grey(np.zeros((1080, 1920, 3), np.uint8)).shape == (90, 160)


@pytest.mark.parametrize(
    ("field", "value"),
    [("recheck_s", 0), ("min_changed_fraction", 1.5), ("pixel_threshold", 0), ("extra", 1)],
)
def test_config_rejects_bad_values(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        MotionConfig(**{field: value})


# (square positions, one frame every 0.5 s; config) -> fire_unchanged decisions
FIRE_CASES = [
    ("still: the first check looks, the next repeat it", [None] * 4, {}, [0, 1, 1, 1]),
    (
        "the model looks again every fire_recheck_s",
        [None] * 5,
        {"fire_recheck_s": 1.0},
        [0, 1, 0, 1, 0],
    ),
    ("anything moving: the model looks", [100, 140, 180], {}, [0, 0, 0]),
    ("gate off: the model always looks", [None] * 3, {"enabled": False}, [0, 0, 0]),
    ("no frames", [], {}, []),
]


@pytest.mark.parametrize(
    ("squares", "overrides", "expected"),
    [case[1:] for case in FIRE_CASES],
    ids=[case[0] for case in FIRE_CASES],
)
def test_fire_checks_of_an_unchanged_picture(
    squares: list[int | None], overrides: dict[str, object], expected: list[int]
) -> None:
    gate = MotionGate(MotionConfig(**overrides))
    decisions = [
        int(gate.fire_unchanged(room(n, square), n * 0.5)) for n, square in enumerate(squares)
    ]
    assert decisions == expected


def person_at(square_at_px: int | None) -> np.ndarray:
    """The normalised box of `room`'s square, as a tracked person's."""
    if square_at_px is None:
        return np.zeros((0, 4), np.float32)
    left, right = square_at_px / WIDTH_PX, (square_at_px + 60) / WIDTH_PX
    return np.array([[left, 120 / HEIGHT_PX, right, 300 / HEIGHT_PX]], np.float32)


def two_squares(person_px: int, other_px: int) -> np.ndarray:
    image = room(square_at_px=person_px)
    image[20:80, other_px : other_px + 40] = 200  # something that is not a person
    return image


# (pictures, the people followed in each, one check every 0.5 s) -> fire_unchanged decisions
PEOPLE_CASES = [
    (
        "a person walking: only they changed, the finding repeats",
        [room(square_at_px=x) for x in (100, 160, 220, 280)],
        [person_at(x) for x in (100, 160, 220, 280)],
        [0, 1, 1, 1],
    ),
    (
        "a person who left: where they were is not compared",
        [room(square_at_px=100), room()],
        [person_at(100), person_at(None)],
        [0, 1],
    ),
    (
        "something else moves beside them: the model looks",
        [two_squares(100, x) for x in (400, 460, 520)],
        [person_at(100)] * 3,
        [0, 0, 0],
    ),
    (
        "a moving square no one follows: the model looks",
        [room(square_at_px=x) for x in (100, 160, 220)],
        [person_at(None)] * 3,
        [0, 0, 0],
    ),
    (
        "people over most of the picture: the model looks",
        [room(square_at_px=x) for x in (100, 160, 220)],
        [np.array([[0.0, 0.0, 0.9, 0.9]], np.float32)] * 3,
        [0, 0, 0],
    ),
]


@pytest.mark.parametrize(
    ("pictures", "people", "expected"),
    [case[1:] for case in PEOPLE_CASES],
    ids=[case[0] for case in PEOPLE_CASES],
)
def test_fire_checks_do_not_compare_where_people_are_or_were(
    pictures: list[np.ndarray], people: list[np.ndarray], expected: list[int]
) -> None:
    gate = MotionGate(MotionConfig())
    decisions = [
        int(gate.fire_unchanged(picture, n * 0.5, boxes))
        for n, (picture, boxes) in enumerate(zip(pictures, people, strict=True))
    ]
    assert decisions == expected


def test_people_mask_grows_each_box_and_stays_inside_the_picture() -> None:
    mask = people_mask((100, 200), np.array([[0.0, 0.5, 0.1, 1.0]], np.float32))
    rows, columns = np.nonzero(mask)
    assert (rows.min(), rows.max()) == (40, 99)  # 0.5 - 0.2 * 0.5 of the height
    assert (columns.min(), columns.max()) == (0, 23)  # 0.1 + 0.2 * 0.1 of the width, rounded up


def test_fire_and_people_keep_their_own_reference() -> None:
    gate = MotionGate(MotionConfig())
    assert not gate.fire_unchanged(room(), 0.0)
    assert gate.should_analyse(room(square_at_px=300), 0.1, False)  # people saw the change
    assert not gate.fire_unchanged(room(square_at_px=300), 0.2)  # fire had not yet

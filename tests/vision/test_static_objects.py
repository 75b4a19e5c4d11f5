"""Left-object detection on a generated corridor: boxes left, people passing, lights."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from vision.static_objects import StaticObjectConfig, StaticObjectDetector

WIDTH, HEIGHT = 320, 180
EXIT_ZONE = [(0.55, 0.35), (0.85, 0.35), (0.85, 0.95), (0.55, 0.95)]
# A box covering a fifth of the exit zone: zone is 96x108 px, box 48x43 px.
BOX_XYXY = (190, 140, 238, 183)
NO_PEOPLE = np.zeros((0, 4))

Scenario = Callable[[float], tuple[np.ndarray, np.ndarray]]


def _corridor() -> np.ndarray:
    """Light walls and floor with doors, skirting, posters and floor tiles."""
    rng = np.random.default_rng(3)
    ramp = np.linspace(140, 200, WIDTH, dtype=np.float32)[None, :, None]
    image = np.repeat(np.repeat(ramp, HEIGHT, 0), 3, 2).astype(np.uint8)
    cv2.rectangle(image, (0, 110), (WIDTH, HEIGHT), (150, 160, 170), -1)
    for x in range(0, WIDTH, 24):
        cv2.line(image, (x, 110), (x - 30, HEIGHT), (120, 130, 140), 1)
    for _ in range(12):
        x, y = int(rng.integers(0, WIDTH - 30)), int(rng.integers(5, 100))
        colour = tuple(int(v) for v in rng.integers(90, 240, 3))
        cv2.rectangle(image, (x, y), (x + int(rng.integers(8, 40)), y + 20), colour, -1)
    cv2.rectangle(image, (185, 40), (265, 170), (110, 120, 100), 2)  # the exit door frame
    cv2.putText(image, "EXIT", (205, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (40, 160, 40), 1)
    return image


CORRIDOR = _corridor()
# Sensor noise (sigma 3 grey levels) as saturating uint8 additions, which are cheap.
_NOISE = [np.random.default_rng(seed).normal(0, 3, CORRIDOR.shape) for seed in range(8)]
NOISE_UP = [np.clip(noise, 0, 255).astype(np.uint8) for noise in _NOISE]
NOISE_DOWN = [np.clip(-noise, 0, 255).astype(np.uint8) for noise in _NOISE]


def _noisy(image: np.ndarray, t_s: float) -> np.ndarray:
    index = round(t_s * 8) % len(NOISE_UP)
    return cv2.subtract(cv2.add(image, NOISE_UP[index]), NOISE_DOWN[index])


def _with_box(image: np.ndarray) -> np.ndarray:
    out = image.copy()
    x1, y1, x2, y2 = BOX_XYXY
    cv2.rectangle(out, (x1, y1), (x2, y2), (40, 60, 90), -1)
    cv2.line(out, (x1, y1), (x2, y2), (20, 30, 50), 2)  # tape across the lid
    return out


def _with_person(image: np.ndarray, centre_x: float) -> tuple[np.ndarray, np.ndarray]:
    """A person-like blob (head, shirt, trousers) and its normalised box."""
    out = image.copy()
    x = round(centre_x)
    cv2.circle(out, (x, 62), 9, (90, 120, 170), -1)
    cv2.rectangle(out, (x - 14, 72), (x + 14, 120), (60, 60, 160), -1)
    cv2.rectangle(out, (x - 12, 120), (x + 12, 172), (50, 40, 40), -1)
    box = np.array([[(x - 15) / WIDTH, 52 / HEIGHT, (x + 15) / WIDTH, 173 / HEIGHT]])
    return out, box


def _times(fps: float | None, duration_s: float) -> list[float]:
    """Frame times at a steady rate, or (None) with gaps drawn between 1/8 s and 1 s."""
    if fps is not None:
        return [index / fps for index in range(int(duration_s * fps))]
    gaps = np.random.default_rng(5).uniform(0.125, 1.0, int(duration_s * 2))
    return [float(t) for t in np.concatenate([[0.0], np.cumsum(gaps)]) if t < duration_s]


def _run(scenario: Scenario, duration_s: float, fps: float | None) -> list[tuple[float, float]]:
    detector = StaticObjectDetector(StaticObjectConfig())
    fractions = []
    for t_s in _times(fps, duration_s):
        image, boxes = scenario(t_s)
        detector.update(_noisy(image, t_s), t_s, boxes)
        fractions.append((t_s, detector.static_fraction(EXIT_ZONE)))
    return fractions


def _empty(t_s: float) -> tuple[np.ndarray, np.ndarray]:
    return CORRIDOR, NO_PEOPLE


def _box_left(t_s: float) -> tuple[np.ndarray, np.ndarray]:
    """A box stands in the exit from 10 s to 130 s."""
    return (_with_box(CORRIDOR) if 10.0 <= t_s < 130.0 else CORRIDOR), NO_PEOPLE


def _walking(t_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Someone walks across the whole picture at 40 px/s (a slow walk), unboxed."""
    return _with_person(CORRIDOR, -20.0 + 40.0 * max(0.0, t_s - 5.0))[0], NO_PEOPLE


def _standing(boxed: bool, missed_every: int = 0) -> Scenario:
    """Someone stands in the exit from 10 s to 40 s; the detector may miss every n-th frame."""

    def scenario(t_s: float) -> tuple[np.ndarray, np.ndarray]:
        if not 10.0 <= t_s < 40.0:
            return CORRIDOR, NO_PEOPLE
        image, box = _with_person(CORRIDOR, 215.0)
        missed = missed_every and int(t_s * 4) % missed_every == 0
        return image, (box if boxed and not missed else NO_PEOPLE)

    return scenario


def _person_there(from_s: float, box_from_s: float | None = None) -> Scenario:
    """Someone (boxed) stands in the exit from `from_s` to 20 s, then walks off; from
    `box_from_s` a box stands beside them and stays."""

    def scenario(t_s: float) -> tuple[np.ndarray, np.ndarray]:
        scene = _with_box(CORRIDOR) if box_from_s is not None and t_s >= box_from_s else CORRIDOR
        if not from_s <= t_s < 20.0:
            return scene, NO_PEOPLE
        return _with_person(scene, 215.0)

    return scenario


def _lit(factor: float, from_s: float, ramp_s: float = 0.0, box: bool = False) -> Scenario:
    """Brightness scaled to `factor` from `from_s`, at once or over `ramp_s`; with `box`, a
    box stands in the exit from 10 s on."""
    empty, boxed = CORRIDOR.astype(np.float32), _with_box(CORRIDOR).astype(np.float32)

    def scenario(t_s: float) -> tuple[np.ndarray, np.ndarray]:
        progress = min(1.0, max(0.0, (t_s - from_s) / ramp_s)) if ramp_s else float(t_s >= from_s)
        base = boxed if box and t_s >= 10.0 else empty
        return np.clip(base * (1.0 + (factor - 1.0) * progress), 0, 255).astype(np.uint8), NO_PEOPLE

    return scenario


def _lamp(t_s: float) -> tuple[np.ndarray, np.ndarray]:
    """A lamp lights the left two thirds of the picture from 20 s: not an overall gain."""
    image = CORRIDOR.copy()
    if t_s >= 20.0:
        lit = image[:, : WIDTH * 2 // 3].astype(np.int16) + 45
        image[:, : WIDTH * 2 // 3] = np.minimum(lit, 255).astype(np.uint8)
    return image, NO_PEOPLE


# (scenario, seconds, fps or None for irregular gaps, [(from_s, to_s, lowest, highest)])
Window = tuple[float, float, float, float]
ROWS: dict[str, tuple[Scenario, float, float | None, list[Window]]] = {
    "empty corridor": (_empty, 20, 4, [(0, 20, 0.0, 0.0)]),
    "box left two minutes": (
        _box_left,
        140,
        4,
        [(0, 10, 0, 0), (14, 130, 0.15, 1), (131, 140, 0, 0.01)],
    ),
    "box left, 1 fps": (
        _box_left,
        140,
        1,
        [(0, 10, 0, 0), (15, 130, 0.15, 1), (132, 140, 0, 0.01)],
    ),
    "box left, 1-8 fps": (
        _box_left,
        140,
        None,
        [(0, 10, 0, 0), (16, 130, 0.15, 1), (132, 140, 0, 0.01)],
    ),
    "person walking through": (_walking, 15, 4, [(0, 15, 0, 0.049)]),
    "person standing 30 s, boxed": (_standing(boxed=True), 50, 4, [(0, 50, 0, 0)]),
    "person standing, box missed every 5th frame": (_standing(True, 5), 50, 4, [(0, 50, 0, 0)]),
    "person standing, unboxed, is static": (
        _standing(boxed=False),
        50,
        4,
        [(15, 40, 0.15, 1), (41, 50, 0, 0)],
    ),
    "person there from the start, then leaves": (_person_there(0.0), 40, 4, [(0, 40, 0, 0)]),
    "person leaves a box behind": (
        _person_there(5.0, 15.0),
        40,
        4,
        [(0, 15, 0, 0), (25, 40, 0.15, 1)],
    ),
    "lights halved at once": (_lit(0.5, 20.0), 40, 4, [(0, 40, 0, 0.01)]),
    "lights brightened 1.6x at once": (_lit(1.6, 20.0), 40, 4, [(0, 20, 0, 0), (23, 40, 0, 0.02)]),
    "dimmed to half over a minute": (_lit(0.5, 10.0, ramp_s=60.0), 80, 2, [(0, 80, 0, 0.01)]),
    "lamp on over two thirds": (_lamp, 40, 4, [(0, 40, 0, 0.01)]),
    "box stays seen when lights halve": (_lit(0.5, 40.0, box=True), 60, 4, [(14, 60, 0.15, 1)]),
}


@pytest.mark.parametrize("name", list(ROWS))
def test_static_fraction_over_time(name: str) -> None:
    scenario, duration_s, fps, windows = ROWS[name]
    fractions = _run(scenario, duration_s, fps)
    for from_s, to_s, lowest, highest in windows:
        seen = [fraction for t_s, fraction in fractions if from_s <= t_s < to_s]
        assert seen, (from_s, to_s)
        assert lowest <= min(seen) and max(seen) <= highest, (from_s, to_s, min(seen), max(seen))


def _detector_with_box() -> StaticObjectDetector:
    detector = StaticObjectDetector(StaticObjectConfig())
    for index in range(80):
        t_s = index / 4
        detector.update(_noisy(_box_left(t_s)[0], t_s), t_s, NO_PEOPLE)
    return detector


@pytest.mark.parametrize(
    ("polygon", "expected"),
    [
        ([], 0.0),
        ([(0.6, 0.8), (0.7, 0.9)], 0.0),
        ([(1.2, 1.2), (1.5, 1.2), (1.5, 1.5)], 0.0),
        ([(-0.5, 0.0), (-0.1, 0.0), (-0.1, 1.0)], 0.0),
        ([(0.1, 0.1), (0.3, 0.1), (0.3, 0.3), (0.1, 0.3)], 0.0),
        ([(0.6, 0.8), (0.7, 0.8), (0.7, 0.95), (0.6, 0.95)], 1.0),
    ],
    ids=["empty", "two corners", "outside", "left of the picture", "away from the box", "on it"],
)
def test_zone_rows(polygon: list[tuple[float, float]], expected: float) -> None:
    assert _detector_with_box().static_fraction(polygon) == pytest.approx(expected)


def test_before_any_frame() -> None:
    detector = StaticObjectDetector(StaticObjectConfig())
    assert detector.static_fraction(EXIT_ZONE) == 0.0
    assert detector.static_mask().shape == (0, 0)


@pytest.mark.parametrize(
    "boxes",
    [
        np.array([[-0.5, 0.0, -0.2, 1.0]]),
        np.array([[1.2, 1.2, 1.5, 1.5]]),
        np.array([[np.nan, 0.0, 1.0, 1.0]]),
    ],
    ids=["left of the picture", "below right", "not a number"],
)
def test_person_boxes_off_the_picture_hide_nothing(boxes: np.ndarray) -> None:
    detector = StaticObjectDetector(StaticObjectConfig())
    for index in range(80):
        t_s = index / 4
        detector.update(_noisy(_box_left(t_s)[0], t_s), t_s, boxes)
    assert detector.static_fraction(EXIT_ZONE) > 0.15


def test_mask_is_at_work_size_and_relearn_accepts_the_box() -> None:
    detector = _detector_with_box()
    assert detector.static_mask().shape == (90, 160)
    assert detector.static_mask().any()
    detector.relearn()
    detector.update(_noisy(_with_box(CORRIDOR), 20.0), 20.0, NO_PEOPLE)
    for index in range(1, 40):
        t_s = 20.0 + index / 4
        detector.update(_noisy(_with_box(CORRIDOR), t_s), t_s, NO_PEOPLE)
    assert not detector.static_mask().any()


@pytest.mark.parametrize(
    ("image", "boxes"),
    [
        (CORRIDOR, np.zeros((2, 5))),
        (CORRIDOR, np.zeros(4)),
        (CORRIDOR[:, :, 0], NO_PEOPLE),
    ],
    ids=["five columns", "flat box", "grey image"],
)
def test_bad_input_is_refused(image: np.ndarray, boxes: np.ndarray) -> None:
    with pytest.raises(ValueError, match="expected"):
        StaticObjectDetector(StaticObjectConfig()).update(image, 0.0, boxes)


def test_config_refuses_unknown_and_out_of_range_fields() -> None:
    with pytest.raises(ValueError, match="diff_threshold"):
        StaticObjectConfig(diff_threshold=0.5)
    with pytest.raises(ValueError, match="extra"):
        StaticObjectConfig.model_validate({"diff_treshold": 20})

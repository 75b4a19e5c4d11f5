"""Camera tampering checks on a generated room and on a real clip of a person walking."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from streams.sources import iter_file_frames
from vision.scene_health import SceneHealthConfig, SceneHealthMonitor, SceneHealthReading

WIDTH, HEIGHT = 640, 360
# Every measured check every frame, so that each reading reflects its own frame.
EVERY_FRAME = SceneHealthConfig(learn_s=1.0, moved_check_interval_s=0.0)


def _room(seed: int) -> np.ndarray:
    """Rectangles, lines and signs on a lit-from-one-side gradient."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(60, 170, WIDTH, dtype=np.float32)[None, :, None]
    image = np.repeat(np.repeat(ramp, HEIGHT, 0), 3, 2)
    image += np.linspace(-20, 20, HEIGHT, dtype=np.float32)[:, None, None]
    image = image.astype(np.uint8)
    for _ in range(40):
        x, y = int(rng.integers(0, WIDTH)), int(rng.integers(0, HEIGHT))
        size = (int(rng.integers(10, 120)), int(rng.integers(10, 90)))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        thickness = -1 if rng.random() < 0.6 else 2
        cv2.rectangle(image, (x, y), (x + size[0], y + size[1]), colour, thickness)
    for _ in range(20):
        start, end = rng.integers(0, [WIDTH, HEIGHT], (2, 2))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        cv2.line(image, tuple(map(int, start)), tuple(map(int, end)), colour, 2)
    for index in range(8):
        corner = (int(rng.integers(0, WIDTH - 150)), int(rng.integers(20, HEIGHT)))
        font = cv2.FONT_HERSHEY_SIMPLEX
        cv2.putText(image, f"ROOM {index} EXIT", corner, font, 0.6, (20, 20, 20), 2)
    return image


ROOM = _room(1)
NOISE = [np.random.default_rng(seed).normal(0, 2, ROOM.shape) for seed in range(4)]


def _noisy(image: np.ndarray, index: int) -> np.ndarray:
    return np.clip(image + NOISE[index % len(NOISE)], 0, 255).astype(np.uint8)


def _person(image: np.ndarray, centre_x: int, width_px: int = 90) -> np.ndarray:
    """A person-like figure close to the camera: head, shirt, trousers, full height."""
    out = image.copy()
    half = width_px // 2
    cv2.circle(out, (centre_x, 50), half // 2, (90, 120, 170), -1)
    cv2.rectangle(out, (centre_x - half, 80), (centre_x + half, 210), (60, 60, 160), -1)
    cv2.rectangle(out, (centre_x - half + 8, 210), (centre_x + half - 8, HEIGHT), (50, 40, 40), -1)
    return out


def _hand(image: np.ndarray) -> np.ndarray:
    """A hand over the lens: skin colour, lit more on one side, far out of focus."""
    shade = np.linspace(0.7, 1.0, WIDTH, dtype=np.float32)[None, :, None]
    skin = np.array([120, 150, 200], dtype=np.float32) * shade
    return cv2.GaussianBlur(np.repeat(skin, HEIGHT, 0).astype(np.uint8), (0, 0), 15)


def _warped(image: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    return cv2.warpAffine(image, matrix, (WIDTH, HEIGHT), borderMode=cv2.BORDER_REFLECT)


def _shifted(fraction: float) -> Callable[[np.ndarray], np.ndarray]:
    matrix = np.array([[1, 0, fraction * WIDTH], [0, 1, 0]], dtype=np.float32)
    return lambda image: _warped(image, matrix)


def _rotated(degrees: float) -> Callable[[np.ndarray], np.ndarray]:
    matrix = cv2.getRotationMatrix2D((WIDTH / 2, HEIGHT / 2), degrees, 1.0)
    return lambda image: _warped(image, matrix)


def _darker(factor: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda image: (image.astype(np.float32) * factor).astype(np.uint8)


def _learned(config: SceneHealthConfig = EVERY_FRAME) -> SceneHealthMonitor:
    monitor = SceneHealthMonitor(config)
    for index in range(5):
        monitor.update(_noisy(ROOM, index), index * 0.25)
    assert not monitor.learning
    return monitor


def _flags(reading: SceneHealthReading) -> tuple[bool, bool, bool]:
    return reading.covered, reading.defocused, reading.moved


NOTHING = (False, False, False)
COVERED = (True, False, False)
DEFOCUSED = (False, True, False)
MOVED = (False, False, True)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda image: image, NOTHING),
        (lambda image: _person(image, 320, width_px=190), NOTHING),  # 30 % of the width
        (lambda image: np.full_like(image, 12), COVERED),
        (_hand, COVERED),
        (lambda image: cv2.GaussianBlur(image, (0, 0), 6), DEFOCUSED),
        (lambda image: cv2.GaussianBlur(image, (0, 0), 2), DEFOCUSED),
        (_shifted(0.15), MOVED),
        (_rotated(20), MOVED),
        (lambda image: _room(7), MOVED),
        (_darker(0.4), NOTHING),
        (_darker(0.15), NOTHING),
    ],
    ids=[
        "unchanged",
        "person close up",
        "dark cover",
        "hand",
        "blur sigma 6",
        "blur sigma 2",
        "shifted 15%",
        "rotated 20 deg",
        "other scene",
        "night 40%",
        "night 15%",
    ],
)
def test_one_changed_frame(
    change: Callable[[np.ndarray], np.ndarray], expected: tuple[bool, bool, bool]
) -> None:
    reading = _learned().update(_noisy(change(ROOM), 9), 2.0)
    assert not reading.learning
    assert _flags(reading) == expected, reading


def test_person_walking_across_is_nothing() -> None:
    monitor = _learned()
    for step, centre_x in enumerate(range(-40, WIDTH + 40, 40)):
        reading = monitor.update(_noisy(_person(ROOM, centre_x), step), 2.0 + step * 0.25)
        assert _flags(reading) == NOTHING, reading


def test_learning_takes_a_median_view_and_skips_covered_frames() -> None:
    monitor = SceneHealthMonitor(SceneHealthConfig(learn_s=2.0, moved_check_interval_s=0.0))
    dark = np.full_like(ROOM, 12)
    first = monitor.update(dark, 0.0)
    assert first.learning and first.covered and math.isnan(first.sharpness_ratio)
    for step in range(9):  # someone walks through the whole learning time
        pts_s = 1.0 + step * 0.25
        reading = monitor.update(_noisy(_person(ROOM, 60 + 60 * step), step), pts_s)
        assert reading.learning == (pts_s < 3.0)
    reading = monitor.update(_noisy(ROOM, 0), 4.0)
    assert _flags(reading) == NOTHING
    assert reading.match_fraction > 0.5 and reading.sharpness_ratio > 0.8


def test_relearn_accepts_the_new_view() -> None:
    monitor = _learned()
    other = _room(7)
    assert monitor.update(_noisy(other, 0), 2.0).moved
    monitor.relearn()
    assert monitor.update(_noisy(other, 1), 2.25).learning
    readings = [monitor.update(_noisy(other, index), 2.25 + index * 0.25) for index in range(8)]
    assert not readings[-1].learning and _flags(readings[-1]) == NOTHING


def test_another_picture_shape_starts_learning_again() -> None:
    monitor = _learned()
    assert not monitor.update(cv2.resize(ROOM, (1280, 720)), 2.0).learning  # same work size
    assert monitor.update(cv2.resize(ROOM, (640, 480)), 2.25).learning


def test_move_check_repeats_its_last_result_within_the_interval() -> None:
    monitor = _learned(SceneHealthConfig(learn_s=1.0, moved_check_interval_s=5.0))
    assert not monitor.update(_noisy(ROOM, 0), 2.0).moved
    assert not monitor.update(_noisy(_rotated(20)(ROOM), 1), 3.0).moved
    assert monitor.update(_noisy(_rotated(20)(ROOM), 2), 7.0).moved


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((0, 0, 3), np.uint8),
        ROOM[:, :, 0],
        np.zeros((10, 10, 4), np.uint8),
        np.zeros(3, np.uint8),
    ],
    ids=["empty", "grey", "four channels", "flat"],
)
def test_bad_image_is_refused(image: np.ndarray) -> None:
    with pytest.raises(ValueError, match="expected image"):
        SceneHealthMonitor(EVERY_FRAME).update(image, 0.0)


def test_config_refuses_unknown_and_out_of_range_fields() -> None:
    with pytest.raises(ValueError, match="defocus_ratio_max"):
        SceneHealthConfig(defocus_ratio_max=0.0)
    with pytest.raises(ValueError, match="extra"):
        SceneHealthConfig.model_validate({"learn_seconds": 5})


def test_real_clip_of_a_person_walking_is_nothing(eval_dir: Path) -> None:
    clip = eval_dir / "assist-iot" / "adl" / "01_walking_slowly.mp4"
    monitor = SceneHealthMonitor(SceneHealthConfig(learn_s=0.0, moved_check_interval_s=0.0))
    readings = [monitor.update(f.image_bgr, f.pts_s) for f in iter_file_frames(str(clip), "c", 2.0)]
    assert len(readings) >= 10 and not readings[0].learning
    assert [_flags(reading) for reading in readings] == [NOTHING] * len(readings)

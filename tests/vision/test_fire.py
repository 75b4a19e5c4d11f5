"""Smoke/fire detection: decoding rows, and the converted fire-detector model on real clips."""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from pathlib import Path

import av
import numpy as np
import pytest

from vision.fire import (
    BoxMotion,
    FireBoxes,
    FireDetector,
    from_fire_output,
    load_fire_detector,
)

NAMES = ["smoke", "fire"]
FLAME_FRAMES = (810, 850, 880)  # late in house6, when the flames are large enough
ADL_CLIPS = ("assist-iot/adl/01_walking_slowly.mp4", "assist-iot/adl/04_jogging_quickly.mp4")
ADL_FRAMES = {0, 25, 50, 75}  # a person in view; a whole clip would take too long


def head(*rows: tuple[float, ...]) -> np.ndarray:
    """A (1, 6, A) YOLO head from (cx, cy, w, h, smoke, fire) rows in input pixels."""
    return np.asarray(rows, np.float32).reshape(-1, 6).T[np.newaxis]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ((), []),
        (((50, 50, 20, 20, 0.1, 0.2),), []),
        (((50, 50, 20, 20, 0.9, 0.1), (51, 50, 20, 20, 0.8, 0.1)), [("smoke", 0.9)]),
        (((50, 50, 20, 20, 0.9, 0.1), (51, 50, 20, 20, 0.1, 0.7)), [("smoke", 0.9), ("fire", 0.7)]),
    ],
    ids=["empty", "below threshold", "same class suppressed", "classes kept apart"],
)
def test_decoding_keeps_the_best_box_per_class(
    rows: tuple[tuple[float, ...], ...], expected: list[tuple[str, float]]
) -> None:
    raw = head(*rows) if rows else np.zeros((1, 6, 0), np.float32)
    found = from_fire_output(raw, 1.0, (0, 0), (100, 100), NAMES, min_score=0.25)
    assert found.labels == [label for label, _ in expected]
    assert found.scores.tolist() == pytest.approx([score for _, score in expected])
    assert found.boxes_xyxy.shape == (len(expected), 4) and found.boxes_xyxy.dtype == np.float32


def test_boxes_are_normalised_to_the_source_image() -> None:
    # 200x100 source letterboxed into 100x100: scale 0.5, 25 px of padding above.
    raw = head((50, 50, 20, 10, 0.0, 0.9))
    found = from_fire_output(raw, 0.5, (0, 25), (200, 100), NAMES, min_score=0.25)
    np.testing.assert_allclose(found.boxes_xyxy, [[0.4, 0.4, 0.6, 0.6]])
    assert found.of_label("fire").labels == ["fire"] and len(found.of_label("smoke").scores) == 0


@pytest.mark.parametrize(
    ("raw", "boxes", "message"),
    [
        (np.zeros((1, 7, 10), np.float32), None, r"expected \(1, 6, A\)"),
        (None, np.zeros((2, 5), np.float32), r"boxes_xyxy: expected shape \(2, 4\)"),
    ],
)
def test_shape_errors(raw: np.ndarray | None, boxes: np.ndarray | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        if raw is not None:
            from_fire_output(raw, 1.0, (0, 0), (10, 10), NAMES, 0.25)
        else:
            FireBoxes(boxes, np.zeros(2, np.float32), ["fire", "smoke"])  # type: ignore[arg-type]


def textured(seed: int, size_hw: tuple[int, int] = (120, 160)) -> np.ndarray:
    grey = np.random.default_rng(seed).integers(0, 256, size_hw, dtype=np.uint8)
    return np.dstack([grey] * 3)


@pytest.mark.parametrize(
    ("name", "second", "expected"),
    [
        ("still scene", textured(1), [0.0, 0.0]),
        ("right half changes", np.hstack([textured(1)[:, :80], textured(2)[:, 80:]]), [0.0, 0.8]),
        ("another aspect ratio", textured(1, (120, 120)), None),
    ],
)  # fmt: skip
def test_box_motion_is_measured_against_the_previous_check(
    name: str, second: np.ndarray, expected: list[float] | None
) -> None:
    boxes = FireBoxes(
        np.array([[0.0, 0.0, 0.5, 1.0], [0.5, 0.0, 1.0, 1.0]], np.float32),
        np.array([0.5, 0.5], np.float32),
        ["smoke", "smoke"],
    )
    motion = BoxMotion()
    assert motion.measure(textured(1), boxes).moving_fractions is None  # nothing to compare yet
    moved = motion.measure(second, boxes).moving_fractions
    if expected is None:
        assert moved is None, name
    else:
        assert moved is not None and moved.tolist() == pytest.approx(expected, abs=0.15), name


def test_box_motion_of_no_boxes() -> None:
    motion = BoxMotion()
    for seed in (1, 2):
        assert (
            motion.measure(textured(seed), FireBoxes(np.zeros((0, 4)), np.zeros(0), [])).labels
            == []
        )


@pytest.fixture(scope="module")
def detector(tmp_path_factory: pytest.TempPathFactory) -> FireDetector:
    pytest.importorskip("onnx")
    if importlib.util.find_spec("fire_detector") is None:
        pytest.skip("fire-detector is not installed (pip install --no-deps fire-detector)")
    return load_fire_detector(threads=2, cache_dir=tmp_path_factory.mktemp("models"))


def frames_at(clip: Path, indices: set[int]) -> dict[int, np.ndarray]:
    found: dict[int, np.ndarray] = {}
    with av.open(str(clip)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index in indices:
                found[index] = frame.to_ndarray(format="bgr24")
            if len(found) == len(indices):
                break
    return found


def flame_boxes(annotations: Path, frame: int) -> np.ndarray:
    """FURG annotations of one frame as normalised xyxy (the file gives x y w h in 426x240 px)."""
    root = ET.parse(annotations).getroot()
    for entry in root.iter("_"):
        if entry.findtext("frameNumber") == str(frame):
            rects = [(r.text or "").split() for r in entry.iter("_") if r is not entry]
            xywh = np.array(rects, np.float64)
            return np.hstack([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]]) / [426, 240, 426, 240]
    raise AssertionError(f"frame {frame} is not annotated")


def overlaps(box: np.ndarray, targets: np.ndarray) -> bool:
    """IoU above 0.1 or the box centre inside a target."""
    low, high = np.maximum(box[:2], targets[:, :2]), np.minimum(box[2:], targets[:, 2:])
    inter = np.prod(np.clip(high - low, 0, None), axis=1)
    area = np.prod(box[2:] - box[:2]) + np.prod(targets[:, 2:] - targets[:, :2], axis=1)
    centre = (box[:2] + box[2:]) / 2
    inside = np.all((targets[:, :2] <= centre) & (centre <= targets[:, 2:]), axis=1)
    return bool(np.any(inter / (area - inter) > 0.1) or np.any(inside))


def test_detector_reports_its_model(detector: FireDetector) -> None:
    assert detector.names == NAMES
    assert detector.version == "yolov8-fire@1.0.3/320px/min0.25"


def test_finds_the_annotated_flames_in_house6(detector: FireDetector, eval_dir: Path) -> None:
    folder = eval_dir / "furg-fire"
    for index, image in frames_at(folder / "house6.mp4", set(FLAME_FRAMES)).items():
        found = detector.detect(image).of_label("fire")
        targets = flame_boxes(folder / "house6.xml", index)
        assert any(overlaps(box, targets) for box in found.boxes_xyxy), f"frame {index}"


def test_no_fire_or_smoke_in_daily_activities(detector: FireDetector, eval_dir: Path) -> None:
    for clip in ADL_CLIPS:
        for index, image in frames_at(eval_dir / clip, ADL_FRAMES).items():
            found = detector.detect(image)
            assert found.labels == [], f"{clip} frame {index}: {found.labels} {found.scores}"

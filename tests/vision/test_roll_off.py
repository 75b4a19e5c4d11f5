"""A roll off the bed seen from above (mage_fall_012): caught with the bed zone drawn, on the
real clip and on the clip mirrored into a new video."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import pytest

from carewatch.analyze.offline import analyze_file, exact_frames
from streams.sources import iter_file_frames
from tests.vision.rule_videos import write_video
from vision.config import ModelsConfig, VisionConfig
from vision.events import EventType
from vision.zones import ZoneConfig

CLIP = "t2v-bed/fall/mage_fall_012.mp4"
BED = [[0.10, 0.20], [0.50, 0.20], [0.50, 1.0], [0.10, 1.0]]  # drawn on the clip's first frame


def falls(video: Path, bed: list[list[float]] | None) -> list[tuple[float, float | None]]:
    zones = [ZoneConfig(id="bed", kind="bed", polygon=bed)] if bed else []
    vision = VisionConfig(zones=zones)
    events = analyze_file(video, "room", vision, ModelsConfig(), decode=exact_frames)
    return [(e.start_s, e.end_s) for e in events if e.type == EventType.FALL]


@pytest.mark.slow
def test_a_roll_off_the_bed_is_caught_with_the_bed_zone(eval_dir: Path) -> None:
    found = falls(eval_dir / CLIP, BED)
    assert len(found) == 1
    start_s, end_s = found[0]
    assert end_s is not None and start_s < end_s
    assert 2.4 <= end_s <= 3.6  # at rest on the floor from about 2.6 s


@pytest.mark.slow
def test_the_mirrored_roll_off_is_caught_with_the_mirrored_zone(
    eval_dir: Path, tmp_path: Path
) -> None:
    frames = iter_file_frames(str(eval_dir / CLIP), "c", None)
    mirrored = write_video(
        tmp_path / "mirrored.mp4", (cv2.flip(f.image_bgr, 1) for f in frames), Fraction(24)
    )
    bed = [[1.0 - x, y] for x, y in BED]
    assert len(falls(mirrored, bed)) == 1

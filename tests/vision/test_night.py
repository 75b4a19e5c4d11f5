"""Night mode: the camera's switch to infrared read from the picture, and pose's cleaner copy."""

from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import numpy as np
import pytest

from carewatch.eval.variants import infrared
from streams.sources import iter_file_frames
from vision.assembly import build_estimator
from vision.config import ModelsConfig
from vision.night import NightConfig, NightMode, chroma, noise_sigma, small_grey
from vision.tracker import iou


def colour(size_wh: tuple[int, int] = (640, 360)) -> np.ndarray:
    width, height = size_wh
    image = np.zeros((height, width, 3), np.uint8)
    image[:, : width // 2] = (40, 120, 200)
    image[:, width // 2 :] = (160, 110, 60)
    return image


def grey(size_wh: tuple[int, int] = (640, 360), seed: int = 0) -> np.ndarray:
    level = np.random.default_rng(seed).normal(80, 14, (size_wh[1], size_wh[0]))
    return cv2.cvtColor(np.clip(level, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)


def test_chroma_tells_a_colour_picture_from_a_grey_one() -> None:
    assert chroma(grey()) < 1.0
    assert chroma(colour()) > 20.0


def test_noise_is_estimated_in_grey_levels() -> None:
    flat = np.full((144, 256), 80, np.float32)
    noisy = flat + np.random.default_rng(0).normal(0, 6, flat.shape)
    assert noise_sigma(flat) == 0.0
    assert noise_sigma(noisy) == pytest.approx(6, rel=0.1)
    assert noise_sigma(small_grey(grey(), 256)) > NightConfig().noise_min


def test_the_mode_follows_the_picture_after_switch_s() -> None:
    mode = NightMode(NightConfig(switch_s=3.0), "cam")
    for t in np.arange(0, 10, 0.125):
        mode.pose_picture(colour(), float(t))
    assert not mode.night
    switched = [t for t in np.arange(10, 20, 0.125) if _night_after(mode, grey(), float(t))]
    assert switched and switched[0] == pytest.approx(13.0, abs=1.01)  # checked once a second
    back = [t for t in np.arange(20, 30, 0.125) if not _night_after(mode, colour(), float(t))]
    assert back[0] == pytest.approx(23.0, abs=1.01)


def _night_after(mode: NightMode, picture: np.ndarray, pts_s: float) -> bool:
    mode.pose_picture(picture, pts_s)
    return mode.night


def test_a_moment_of_grey_does_not_switch_and_the_first_picture_sets_the_mode() -> None:
    mode = NightMode(NightConfig(), "cam")
    mode.pose_picture(colour(), 0.0)
    mode.pose_picture(grey(), 1.0)
    mode.pose_picture(colour(), 2.0)
    mode.pose_picture(grey(), 3.0)
    assert not mode.night
    starts_at_night = NightMode(NightConfig(), "cam")
    starts_at_night.pose_picture(grey(), 0.0)
    assert starts_at_night.night


def test_a_noisy_night_picture_is_cleaned_small_and_keeps_the_aspect() -> None:
    mode = NightMode(NightConfig(), "cam")
    picture = mode.pose_picture(grey((640, 360)), 0.0)
    assert mode.cleaning and picture.shape == (144, 256, 3)


def test_a_clean_grey_picture_and_a_day_picture_go_to_pose_as_they_are() -> None:
    clean = cv2.GaussianBlur(grey(), (0, 0), 3)
    mode = NightMode(NightConfig(), "cam")
    assert mode.pose_picture(clean, 0.0) is clean
    assert mode.night and not mode.cleaning
    day = colour()
    assert mode.pose_picture(day, 0.0) is day
    off = NightMode(NightConfig(enabled=False), "cam")
    same = grey()
    assert off.pose_picture(same, 0.0) is same and not off.night


def test_still_frames_are_averaged_and_a_moving_thing_leaves_no_trail() -> None:
    config = NightConfig(denoise_strength=0.0, clahe_clip=0.5)
    mode = NightMode(config, "cam")
    pictures = [mode.pose_picture(grey(seed=i), i / 8) for i in range(8)]
    assert pictures[-1][:, :, 0].std() < 0.75 * pictures[0][:, :, 0].std()
    moved = grey(seed=99)
    moved[100:200, 200:300] = 250  # something bright arrives
    after = mode.pose_picture(moved, 1.0)
    assert after[40:70, 90:110, 0].mean() > 200  # shown at once, not blended with the past


@pytest.mark.slow
def test_pose_finds_a_person_in_an_infrared_picture_more_often_when_cleaned(
    eval_dir: Path,
) -> None:
    """On a real clip made to look like a dim infrared camera (carewatch.eval.variants)."""
    estimator = build_estimator(ModelsConfig())
    clip = eval_dir / "t2v-bed/fall/mage_fall_006.mp4"
    mode = NightMode(NightConfig(), "cam")
    found = {"raw": 0, "cleaned": 0}
    seen = 0
    for frame in itertools.islice(iter_file_frames(str(clip), "cam", 8.0), 40):
        day = estimator.infer(frame.image_bgr)
        night = infrared(frame.image_bgr, frame.index)
        cleaned = mode.pose_picture(night, frame.pts_s)
        if not len(day.scores) or day.scores.max() < 0.3:
            continue
        seen += 1
        person = day.boxes_xyxy[int(np.argmax(day.scores))]
        for name, picture in (("raw", night), ("cleaned", cleaned)):
            poses = estimator.infer(picture)
            found[name] += any(
                s >= 0.2 and iou(person, box) > 0.3
                for s, box in zip(poses.scores, poses.boxes_xyxy, strict=True)
            )
    assert mode.night and seen >= 15
    assert found["cleaned"] >= found["raw"] + 0.25 * seen, found

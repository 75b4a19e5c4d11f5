"""Evaluation variants: what each does to a generated 24 fps clip, and `--variants` alone."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest

from carewatch.eval.command import variant_list
from carewatch.eval.variants import (
    INFRARED_NOISE_SIGMA,
    NIGHT_AND_INSTALLATION,
    VARIANTS,
    high_mount,
    infrared,
    variant_frames,
)
from tests.carewatch.cli import carewatch
from tests.vision.rule_videos import write_video

SIZE_WH = (864, 496)  # the generated bed clips' size


def colour_room(index: int = 0) -> np.ndarray:
    """A colourful room with a dark figure on a dark floor and a light wall."""
    width, height = SIZE_WH
    image = np.zeros((height, width, 3), np.uint8)
    image[: height // 2] = (150, 190, 220)  # warm wall
    image[height // 2 :] = (70, 40, 30)  # dark blue carpet
    cv2.rectangle(image, (300 + 4 * index, 300), (520 + 4 * index, 380), (30, 20, 20), -1)
    return image


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("variants") / "room.mp4"
    return write_video(path, (colour_room(i) for i in range(48)), Fraction(24))


def frames(clip: Path, variant: str) -> list:  # type: ignore[type-arg]
    return list(variant_frames(str(clip), "cam", 8.0, variant))


def test_every_variant_keeps_the_clip_playing(clip: Path) -> None:
    original = frames(clip, "original")
    assert len(original) == 16 and original[0].size_wh == SIZE_WH
    sizes = {name: frames(clip, name)[0].size_wh for name in VARIANTS}
    assert sizes["sub640"] == (640, 360) and sizes["sub480"] == (480, 270)
    assert sizes["infrared"] == (640, 367)  # the night camera's 640 px wide picture
    assert sizes["cut_bottom"] == (864, 372) and sizes["cut_top"] == (864, 397)
    assert sizes["high_mount"] == sizes["flip"] == sizes["grey"] == SIZE_WH


@pytest.mark.parametrize(
    ("variant", "count", "gap_s"), [("fps10", 16, 5 / 24), ("fps6", 12, 4 / 24)]
)
def test_a_slow_camera_gives_sparser_frames(
    clip: Path, variant: str, count: int, gap_s: float
) -> None:
    """A 10 fps camera leaves the 8 fps analysis uneven gaps; a 6 fps one, 6 frames a second."""
    times = [f.pts_s for f in frames(clip, variant)]
    assert len(times) == count
    assert max(np.diff(times)) == pytest.approx(gap_s, abs=1e-3)


def test_infrared_is_grey_dim_noisy_and_has_a_hot_spot() -> None:
    picture = infrared(colour_room(), 0)
    assert np.array_equal(picture[:, :, 0], picture[:, :, 1])  # no colour
    grey = picture[:, :, 0].astype(np.float32)
    floor = grey[250:280, 20:80]  # dark carpet far from the glare
    assert floor.std() == pytest.approx(INFRARED_NOISE_SIGMA, rel=0.25)
    assert floor.mean() < 40
    height, width = grey.shape
    glare = grey[int(0.35 * height) - 5 : int(0.35 * height) + 5, width // 2 - 5 : width // 2 + 5]
    assert glare.mean() > 200  # the light wall blown out near the illuminator
    # The noise changes every frame, reproducibly.
    assert not np.array_equal(picture, infrared(colour_room(), 1))
    assert np.array_equal(picture, infrared(colour_room(), 0))


def test_infrared_halves_the_contrast_and_darkens() -> None:
    """Two flat scenes 40 grey levels apart: at night at most 20 apart, both darker."""
    dim, bright = (np.full((496, 864, 3), level, np.uint8) for level in (90, 130))
    at_night = [float(infrared(p, 0)[200:360, 40:600].mean()) for p in (dim, bright)]
    assert at_night[1] - at_night[0] <= 20.5
    assert at_night[0] < 90 and at_night[1] < 130


def test_high_mount_keeps_the_centre_and_leans_the_sides() -> None:
    grid = np.zeros((496, 864, 3), np.uint8)
    grid[:, ::48] = 255  # vertical lines
    warped = high_mount(grid, 0)
    assert warped.shape == grid.shape
    column = warped[:, 430:434].max(axis=1)  # the centre line stays put
    assert column.mean() > 0 or warped[:, 432].mean() > 0
    top = np.flatnonzero(warped[5, :, 0] > 128)
    bottom = np.flatnonzero(warped[-5, :, 0] > 128)
    assert len(top) and len(bottom) and top.min() != bottom.min()  # lines are no longer vertical


def test_variants_alone_runs_every_night_and_installation_variant() -> None:
    assert set(NIGHT_AND_INSTALLATION) == {
        "infrared",
        "sub640",
        "sub480",
        "fps10",
        "fps6",
        "cut_bottom",
        "cut_top",
        "high_mount",
    }
    assert variant_list(" infrared, fps6,infrared") == ["infrared", "fps6"]


def test_variants_flag_without_a_value_takes_them_all(tmp_path: Path) -> None:
    result = carewatch("eval", str(tmp_path / "missing.csv"), "--variants")
    assert result.returncode == 2 and "manifest not found" in result.stderr

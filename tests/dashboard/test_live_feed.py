"""StaticLiveFeed: the hand-set LiveFeed used by tests and demos."""

from __future__ import annotations

import numpy as np
import pytest

from dashboard.live import FrameProvider, LiveFeed, StaticLiveFeed
from streams.health import CameraHealth, CameraState


def test_empty_feed() -> None:
    feed: LiveFeed = StaticLiveFeed()
    assert feed.camera_ids() == []
    assert feed.latest_frame("cam-1") is None
    assert feed.health("cam-1") is None


def test_frames_and_health_name_cameras() -> None:
    feed = StaticLiveFeed()
    image = np.zeros((4, 6, 3), np.uint8)
    feed.set_frame("cam-b", image)
    feed.set_health(CameraHealth("cam-a", CameraState.STALLED, None, 0.0, 0, 0, 0))

    assert feed.camera_ids() == ["cam-a", "cam-b"]
    assert feed.latest_frame("cam-b") is image
    health = feed.health("cam-a")
    assert health is not None and health.state == CameraState.STALLED


@pytest.mark.parametrize("shape", [(4, 6), (4, 6, 4), (4, 6, 1)])
def test_rejects_non_bgr_images(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match="expected image of shape"):
        StaticLiveFeed().set_frame("cam-1", np.zeros(shape, np.uint8))


def test_raw_picture_beside_the_annotated_one() -> None:
    annotated, raw = np.full((4, 6, 3), 200, np.uint8), np.zeros((4, 6, 3), np.uint8)
    feed = StaticLiveFeed({"cam-a": annotated})
    feed.set_frame("cam-b", annotated, raw)

    assert feed.latest_frame("cam-a", overlay=False) is annotated  # no raw one given: the same
    assert feed.latest_frame("cam-b") is annotated
    assert feed.latest_frame("cam-b", overlay=True) is annotated
    assert feed.latest_frame("cam-b", overlay=False) is raw
    assert feed.latest_frame("cam-c", overlay=False) is None


@pytest.mark.parametrize(
    ("raw_shape", "message"),
    [((4, 6), "expected image of shape"), ((5, 6, 3), "raw picture .* and overlay .* differ")],
)
def test_rejects_a_raw_picture_unlike_the_annotated_one(
    raw_shape: tuple[int, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        StaticLiveFeed().set_frame(
            "cam-1", np.zeros((4, 6, 3), np.uint8), np.zeros(raw_shape, np.uint8)
        )


@pytest.mark.parametrize(
    ("max_width_px", "size_hw"),
    [(None, (240, 320)), (320, (240, 320)), (640, (240, 320)), (160, (120, 160)), (101, (76, 100))],
    ids=["as-is", "as-wide", "never-up", "half", "odd-made-even"],
)
def test_provider_scales_down_to_the_width_asked(
    max_width_px: int | None, size_hw: tuple[int, int]
) -> None:
    raw, annotated = np.zeros((240, 320, 3), np.uint8), np.full((240, 320, 3), 255, np.uint8)
    feed = StaticLiveFeed()
    feed.set_frame("cam-1", annotated, raw)

    with_overlay = FrameProvider(feed, "cam-1", True, max_width_px)
    first = with_overlay()
    assert first is not None and first.shape[:2] == size_hw and first.min() == 255
    assert with_overlay() is first  # the same camera frame is scaled once
    without = FrameProvider(feed, "cam-1", False, max_width_px)()
    assert without is not None and without.shape[:2] == size_hw and without.max() == 0


def test_provider_without_a_frame_and_bad_width() -> None:
    assert FrameProvider(StaticLiveFeed(), "cam-1", True, 160)() is None
    with pytest.raises(ValueError, match="max_width_px must be at least 2"):
        FrameProvider(StaticLiveFeed(), "cam-1", True, 1)

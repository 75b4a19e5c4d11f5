"""StaticLiveFeed: the hand-set LiveFeed used by tests and demos."""

from __future__ import annotations

import numpy as np
import pytest

from dashboard.live import LiveFeed, StaticLiveFeed
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

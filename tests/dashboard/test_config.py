"""DashboardConfig bounds and strictness."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from dashboard.config import DashboardConfig


def test_defaults() -> None:
    config = DashboardConfig()
    assert (config.host, config.port, config.live_fps) == ("127.0.0.1", 8000, 10)
    assert (config.mjpeg_quality, config.session_ttl_s) == (75, 12 * 3600)


@pytest.mark.parametrize(
    ("values", "bad_field"),
    [
        ({}, None),
        ({"live_fps": 0}, "live_fps"),
        ({"live_fps": 31}, "live_fps"),
        ({"port": 0}, "port"),
        ({"mjpeg_quality": 101}, "mjpeg_quality"),
        ({"session_ttl_s": 10}, "session_ttl_s"),
        ({"colour": "blue"}, "colour"),
    ],
    ids=repr,
)
def test_bounds(values: dict[str, Any], bad_field: str | None) -> None:
    if bad_field is None:
        DashboardConfig(**values)
        return
    with pytest.raises(ValidationError) as caught:
        DashboardConfig(**values)
    assert caught.value.errors()[0]["loc"] == (bad_field,)

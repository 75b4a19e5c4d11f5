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


@pytest.mark.parametrize(
    ("values", "loc", "message"),
    [
        ({"sign_in": {"failures_per_account": 10}}, ("sign_in", "failures_per_account"), "9"),
        ({"sign_in": {"backoff_max_s": 61}}, ("sign_in", "backoff_max_s"), "60"),
        ({"sign_in": {"backoff_after_failures": 3}}, ("sign_in",), "failures_per_account"),
        ({"sign_in": {"backoff_first_s": 30, "backoff_max_s": 10}}, ("sign_in",), "backoff_max"),
        ({"sign_in": {"window": 60}}, ("sign_in", "window"), "Extra inputs"),
        ({"trusted_proxies": ["nginx"]}, ("trusted_proxies",), "'nginx' is not an IP"),
        ({"trusted_proxies": ["10.0.0.1/8"]}, ("trusted_proxies",), "network (CIDR)"),
        ({"trusted_proxies": ["*", "10.0.0.1"]}, ("trusted_proxies",), "give it alone"),
    ],
    ids=repr,
)
def test_sign_in_limits_and_proxies_are_checked(
    values: dict[str, Any], loc: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        DashboardConfig(**values)
    (error,) = caught.value.errors()
    assert (error["loc"], message in error["msg"]) == (loc, True)


def test_sign_in_defaults_refuse_the_tenth_guess_and_cap_the_back_off() -> None:
    assert DashboardConfig(trusted_proxies=["10.0.0.0/8", "::1"]).trusted_proxies[1] == "::1"
    assert DashboardConfig(trusted_proxies=["*"]).trusted_proxies == ("*",)
    limits = DashboardConfig().sign_in
    assert limits.failures_per_account < 10 and limits.backoff_max_s == 60
    assert limits.backoff_after_failures >= limits.failures_per_account
    assert DashboardConfig().trusted_proxies == ("127.0.0.1",)

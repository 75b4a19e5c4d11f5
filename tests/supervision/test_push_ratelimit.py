"""The sliding-window rate limiter, with an injected clock."""

from __future__ import annotations

import pytest

from supervision.push.config import PushGroupConfig
from supervision.push.ratelimit import RateLimiter


class _Clock:
    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s


# Each row: the limits, the times (s after the start) of sends, then when to ask and the wait.
@pytest.mark.parametrize(
    ("per_minute", "per_second", "sent_at_s", "asked_at_s", "wait_s"),
    [
        (20, None, [], 0.0, 0.0),  # empty: nothing sent, go now
        (3, None, [0.0, 1.0], 1.0, 0.0),  # below the limit
        (3, None, [0.0, 1.0, 2.0], 2.0, 58.0),  # full: until the oldest leaves the window
        (3, None, [0.0, 1.0, 2.0], 59.5, 0.5),
        (3, None, [0.0, 1.0, 2.0], 60.0, 0.0),  # the oldest is a minute old
        (3, None, [0.0, 1.0, 2.0, 61.0], 61.0, 0.0),  # sliding: only 1, 2, 61 in the window
        (3, None, [0.0, 1.0, 2.0, 61.0, 61.5], 61.5, 0.5),
        (1, None, [10.0], 10.0, 60.0),
        (100, 5, [0.0, 0.1, 0.2, 0.3], 0.3, 0.0),
        (100, 5, [0.0, 0.1, 0.2, 0.3, 0.4], 0.4, 0.6),  # Feishu: 5 a second
        (100, 5, [0.0, 0.1, 0.2, 0.3, 0.4], 1.0, 0.0),
        (6, 5, [0.0, 0.1, 0.2, 0.3, 0.4, 1.5], 1.5, 58.5),  # the minute binds, not the second
    ],
)
def test_wait_s(
    per_minute: int,
    per_second: int | None,
    sent_at_s: list[float],
    asked_at_s: float,
    wait_s: float,
) -> None:
    clock = _Clock()
    start = clock.now_s
    limiter = RateLimiter(per_minute, per_second, now=clock)
    for at_s in sent_at_s:
        clock.now_s = start + at_s
        assert limiter.wait_s() == 0.0, f"send at {at_s} s was over the limit"
        limiter.taken()
    clock.now_s = start + asked_at_s
    assert limiter.wait_s() == pytest.approx(wait_s)


@pytest.mark.parametrize(
    ("per_minute", "per_second", "message"),
    [
        (0, None, "per_minute: expected a positive number, got 0"),
        (-5, None, "per_minute: expected a positive number, got -5"),
        (20, 0, "per_second: expected a positive number or None, got 0"),
    ],
)
def test_bad_limits_are_refused(per_minute: int, per_second: int | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RateLimiter(per_minute, per_second)


def test_for_group_takes_the_vendor_limits() -> None:
    group = PushGroupConfig.model_validate(
        {
            "name": "district",
            "kind": "feishu",
            "url": "https://open.feishu.cn/open-apis/bot/v2/hook/token",
            "secret": "sign-secret",
            "node": "district:d1",
        }
    )
    limiter = RateLimiter.for_group(group)
    assert (limiter.per_minute, limiter.per_second) == (100, 5)

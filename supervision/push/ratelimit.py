"""A sliding-window rate limiter per robot: at most N messages a minute (and M a second)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from supervision.push.config import PushGroupConfig

MINUTE_S = 60.0
SECOND_S = 1.0


class _Window:
    """Sends in the last `span_s` seconds; full once it holds `limit` of them."""

    def __init__(self, limit: int, span_s: float) -> None:
        self.span_s = span_s
        self._sent_at: deque[float] = deque(maxlen=limit)

    def wait_s(self, now: float) -> float:
        if len(self._sent_at) < (self._sent_at.maxlen or 0):
            return 0.0
        return max(0.0, self._sent_at[0] + self.span_s - now)

    def taken(self, now: float) -> None:
        self._sent_at.append(now)  # the oldest falls out once the window is full


class RateLimiter:
    """Asked before each send; not thread-safe (one dispatcher per robot owns one)."""

    def __init__(
        self,
        per_minute: int,
        per_second: int | None = None,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute <= 0:
            raise ValueError(f"per_minute: expected a positive number, got {per_minute}")
        if per_second is not None and per_second <= 0:
            raise ValueError(f"per_second: expected a positive number or None, got {per_second}")
        self.per_minute = per_minute
        self.per_second = per_second
        self._now = now
        self._windows = [_Window(per_minute, MINUTE_S)]
        if per_second is not None:
            self._windows.append(_Window(per_second, SECOND_S))

    @classmethod
    def for_group(
        cls, config: PushGroupConfig, now: Callable[[], float] = time.monotonic
    ) -> RateLimiter:
        limit = config.limit()
        return cls(limit.per_minute, limit.per_second, now)

    def wait_s(self) -> float:
        """Seconds until a message may go; 0.0: now."""
        now = self._now()
        return max(window.wait_s(now) for window in self._windows)

    def taken(self) -> None:
        """Count a message as sent now (call it for every attempt the vendor saw)."""
        now = self._now()
        for window in self._windows:
            window.taken(now)

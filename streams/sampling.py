"""Frame timing helpers: rate decimation and real-time pacing on video time."""

from __future__ import annotations

import time
from collections.abc import Callable


class RateSampler:
    """Decides which frames to keep so that kept frames follow `fps` in video time.

    A frame is kept when it reaches the next grid point, less a quarter period of slack, so a
    25 fps source sampled at 10 fps keeps 10 frames a second rather than 8. `fps=None` keeps all.
    """

    def __init__(self, fps: float | None) -> None:
        if fps is not None and fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self._period_s = 0.0 if fps is None else 1.0 / fps
        self._next_s: float | None = None

    def keep(self, pts_s: float) -> bool:
        if self._period_s == 0.0:
            return True
        slack_s = 0.25 * self._period_s
        # A jump backwards (source restarted) restarts the grid at this frame.
        if self._next_s is None or pts_s < self._next_s - 2 * self._period_s:
            self._next_s = pts_s
        if pts_s < self._next_s - slack_s:
            return False
        self._next_s += self._period_s
        if self._next_s < pts_s - slack_s:  # a gap: do not burst to catch up
            self._next_s = pts_s + self._period_s
        return True


class RealtimePacer:
    """Sleeps so that frames are handed out no faster than their video time advances."""

    MAX_SLEEP_S = 1.0  # bounds one wait, so a huge pts gap cannot hang the reader thread
    RESYNC_BEHIND_S = 1.0  # when this far behind, re-anchor instead of bursting

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._anchor: tuple[float, float] | None = None  # (clock_s, pts_s)

    def reset(self) -> None:
        self._anchor = None

    def wait_for(self, pts_s: float) -> None:
        now_s = self._clock()
        if self._anchor is None:
            self._anchor = (now_s, pts_s)
            return
        anchor_clock_s, anchor_pts_s = self._anchor
        wait_s = anchor_clock_s + (pts_s - anchor_pts_s) - now_s
        if wait_s > 0:
            self._sleep(min(wait_s, self.MAX_SLEEP_S))
        elif wait_s < -self.RESYNC_BEHIND_S or pts_s < anchor_pts_s:
            self._anchor = (now_s, pts_s)

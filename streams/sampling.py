"""Frame timing helpers: rate decimation and real-time pacing on video time."""

from __future__ import annotations

import math
import statistics
import time
from collections import deque
from collections.abc import Callable


class RateSampler:
    """Decides which frames to keep so that kept frames follow `fps` in video time.

    A frame is kept when it reaches the next grid point, less `slack` of a period (a quarter by
    default, so a 25 fps source sampled at 10 fps keeps 10 frames a second rather than 8; none
    for the first frame at or after each tick, as a camera running at `fps` sends).
    `fps=None` keeps all.
    """

    def __init__(self, fps: float | None, slack: float = 0.25) -> None:
        if fps is not None and fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self._period_s = 0.0 if fps is None else 1.0 / fps
        self._slack = slack
        self._next_s: float | None = None

    def keep(self, pts_s: float) -> bool:
        if self._period_s == 0.0:
            return True
        slack_s = self._slack * self._period_s
        # A jump backwards (source restarted) restarts the grid at this frame.
        if self._next_s is None or pts_s < self._next_s - 2 * self._period_s:
            self._next_s = pts_s
        if pts_s < self._next_s - slack_s:
            return False
        self._next_s += self._period_s
        if self._next_s < pts_s - slack_s:  # a gap: do not burst to catch up
            self._next_s = pts_s + self._period_s
        return True


class StrideSampler:
    """Keeps every frame of a source at or below `max_fps`, else every k-th frame, k the
    smallest stride that brings it under: an even cadence (a 15 fps camera capped at 10
    keeps every other frame, 7.5 a second, rather than 10 a second at uneven gaps).

    The source's frame interval is measured as it goes (the median of the last few);
    a lost frame does not shift the cadence, and a clock that jumps back restarts it.
    """

    WINDOW = 9  # frame intervals the source's rate is measured over
    TOLERANCE = 0.05  # a camera this much over the cap (29.97 vs 30, jitter) keeps every frame

    def __init__(self, max_fps: float | None) -> None:
        if max_fps is not None and max_fps <= 0:
            raise ValueError(f"max_fps must be positive, got {max_fps}")
        self._min_period_s = 0.0 if max_fps is None else 1.0 / max_fps
        self._intervals: deque[float] = deque(maxlen=self.WINDOW)
        self._last_s: float | None = None
        self._kept_s: float | None = None

    def keep(self, pts_s: float) -> bool:
        last_s, self._last_s = self._last_s, pts_s
        if last_s is not None and pts_s < last_s:  # the source restarted its clock
            self._intervals.clear()
            self._kept_s = None
        elif last_s is not None and pts_s > last_s:
            self._intervals.append(pts_s - last_s)
        kept_s = self._kept_s
        if kept_s is not None and self._min_period_s > 0 and self._intervals:
            interval_s = statistics.median(self._intervals)
            stride = max(1, math.ceil(self._min_period_s / interval_s - self.TOLERANCE))
            if pts_s < kept_s + (stride - 0.5) * interval_s:
                return False
        self._kept_s = pts_s
        return True

    @property
    def interval_s(self) -> float | None:
        """The source's frame interval as measured so far (None before two frames)."""
        return statistics.median(self._intervals) if self._intervals else None


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

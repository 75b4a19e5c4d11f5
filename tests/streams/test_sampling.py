from __future__ import annotations

import pytest

from streams.sampling import RateSampler, RealtimePacer, StrideSampler


def kept(fps: float | None, times_s: list[float]) -> list[float]:
    sampler = RateSampler(fps)
    return [t for t in times_s if sampler.keep(t)]


def grid(fps: float, seconds: float) -> list[float]:
    return [i / fps for i in range(round(fps * seconds))]


@pytest.mark.parametrize(
    ("fps", "times_s", "expected_count"),
    [
        (10.0, [], 0),  # empty input
        (None, grid(30, 1), 30),  # no sampling keeps all
        (10.0, grid(30, 1), 10),
        (10.0, grid(25, 1), 10),  # uneven ratio still gives the target rate
        (50.0, grid(30, 1), 30),  # above the source rate keeps every frame
        (2.0, [0.0, 0.1, 0.2, 5.0, 5.1, 5.5], 3),  # a gap restarts the grid without a burst
        (10.0, [*grid(30, 1), *grid(30, 1)], 20),  # a restarted clock is followed
    ],
)
def test_rate_sampler(fps: float | None, times_s: list[float], expected_count: int) -> None:
    assert len(kept(fps, times_s)) == expected_count


def strided(max_fps: float | None, times_s: list[float]) -> list[float]:
    sampler = StrideSampler(max_fps)
    return [t for t in times_s if sampler.keep(t)]


@pytest.mark.parametrize(
    ("max_fps", "times_s", "expected_s"),
    [
        (10.0, [], []),  # empty input
        (None, grid(15, 0.4), grid(15, 0.4)),  # no cap keeps all
        (30.0, grid(15, 0.4), grid(15, 0.4)),  # under the cap: every frame
        (30.0, grid(29.97, 0.2), grid(29.97, 0.2)),  # a hair over it: still every frame
        (10.0, grid(15, 0.8), grid(15, 0.8)[::2]),  # every other frame, evenly
        (10.0, grid(25, 0.5), grid(25, 0.5)[::3]),  # every 3rd: 8.3 fps
        (10.0, [0.0, 0.1, 0.2, 1.0, 1.1], [0.0, 0.1, 0.2, 1.0, 1.1]),  # a gap: no burst, no loss
        (10.0, [0.4, 0.5, 0.0, 0.1], [0.4, 0.5, 0.0, 0.1]),  # a restarted clock starts again
    ],
)
def test_stride_sampler_keeps_an_even_cadence(
    max_fps: float | None, times_s: list[float], expected_s: list[float]
) -> None:
    assert strided(max_fps, times_s) == pytest.approx(expected_s)


def test_stride_sampler_rejects_non_positive_fps() -> None:
    with pytest.raises(ValueError, match="max_fps must be positive"):
        StrideSampler(0)


def test_rate_sampler_rejects_non_positive_fps() -> None:
    with pytest.raises(ValueError, match="fps must be positive"):
        RateSampler(0)


class FakeClock:
    def __init__(self) -> None:
        self.now_s = 100.0
        self.slept_s: list[float] = []

    def __call__(self) -> float:
        return self.now_s

    def sleep(self, seconds: float) -> None:
        self.slept_s.append(seconds)
        self.now_s += seconds


@pytest.mark.parametrize(
    ("pts_s", "advance_s", "expected_sleeps"),
    [
        ([], 0.0, []),
        ([0.0, 0.1, 0.2], 0.0, [0.1, 0.1]),  # paced to video time
        ([0.0, 0.1], 0.5, []),  # already late: no sleep
        ([0.0, 30.0], 0.0, [RealtimePacer.MAX_SLEEP_S]),  # a pts jump is bounded
    ],
)
def test_realtime_pacer(pts_s: list[float], advance_s: float, expected_sleeps: list[float]) -> None:
    clock = FakeClock()
    pacer = RealtimePacer(clock, clock.sleep)
    for t in pts_s:
        pacer.wait_for(t)
        clock.now_s += advance_s
    assert clock.slept_s == pytest.approx(expected_sleeps)

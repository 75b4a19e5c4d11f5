"""The condition lifecycle: hold before start, gaps, clear spell before end, cooldown."""

from __future__ import annotations

import pytest

from vision.events import EventType, Severity
from vision.rules.lifecycle import Condition, Timing, Watch, instant

WATCH = Watch(EventType.INTRUSION, Severity.WARNING, "kitchen")


def run(timing: Timing, truths: list[tuple[float, bool]]) -> list[tuple[str, float, float | None]]:
    """(what, start_s, end_s) of each signal for a sequence of (pts_s, active) observations."""
    condition = Condition(WATCH, timing)
    out = []
    for pts_s, active in truths:
        signal = condition.update(active, pts_s)
        if signal is not None:
            out.append(("open" if signal.end_s is None else "end", signal.start_s, signal.end_s))
    return out


def seq(pattern: str, step_s: float = 1.0) -> list[tuple[float, bool]]:
    """'..##..' → observations one step apart, '#' active."""
    return [(i * step_s, c == "#") for i, c in enumerate(pattern)]


@pytest.mark.parametrize(
    ("name", "timing", "pattern", "expected"),
    [
        ("empty input", Timing(2, 2), "", []),
        ("never active", Timing(2, 2), "......", []),
        ("too short to open", Timing(3, 2), "..##....", []),
        ("opens after hold, starts when it began", Timing(2, 2), "..####", [("open", 2, None)]),
        (
            "ends after the clear spell, at the last active time",
            Timing(2, 2),
            ".###...",
            [("open", 1, None), ("end", 1, 3)],
        ),
        (
            "short gap does not end it",
            Timing(1, 3),
            "##.#.##....",
            [("open", 0, None), ("end", 0, 6)],
        ),
        ("gap longer than gap_s restarts the hold", Timing(2, 5, gap_s=1), "##..##", []),
        ("zero hold opens at once", Timing(0, 1), ".#..", [("open", 1, None), ("end", 1, 1)]),
        (
            "cooldown stops a quick reopen",
            Timing(0, 1, cooldown_s=5),
            "#..#..##",
            [("open", 0, None), ("end", 0, 0), ("open", 6, None)],
        ),
        (
            "zero clear spell ends on the first inactive frame",
            Timing(1, 0),
            "##.#",
            [("open", 0, None), ("end", 0, 1)],
        ),
    ],
)
def test_condition(
    name: str, timing: Timing, pattern: str, expected: list[tuple[str, float, float | None]]
) -> None:
    assert run(timing, seq(pattern)) == expected, name


def test_start_and_end_share_a_key_and_close_ends_an_open_event() -> None:
    condition = Condition(WATCH, Timing(0, 10))
    opened = condition.update(True, 1.0, confidence=0.7)
    condition.update(True, 2.0, confidence=0.9)
    ended = condition.close()
    assert opened is not None and ended is not None
    assert (opened.key, opened.zone_id, opened.confidence) == (ended.key, "kitchen", 0.7)
    assert ended.end_s == 2.0 and condition.close() is None


def test_instant_event_starts_and_ends_at_once() -> None:
    signal = instant(WATCH, 4.5)
    assert signal.start_s == signal.end_s == 4.5

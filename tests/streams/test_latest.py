from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from streams.frame import Frame
from streams.latest import LatestFrameSlot


def frame(index: int) -> Frame:
    return Frame("cam", index, index / 10, 0.0, np.zeros((4, 4, 3), np.uint8))


@pytest.mark.parametrize(
    ("ops", "expected_taken", "expected_dropped"),
    [
        ("", [], 0),
        ("g", [None], 0),  # nothing put yet
        ("pg", [0], 0),
        ("ppg", [1], 1),  # the first was replaced before anyone took it
        ("pppg", [2], 2),
        ("pgpg", [0, 1], 0),
        ("pgg", [0, None], 0),  # a frame is taken only once
        ("pgpp", [0], 1),
    ],
)
def test_slot_takes_newest_and_counts_drops(
    ops: str, expected_taken: list[int | None], expected_dropped: int
) -> None:
    slot = LatestFrameSlot()
    taken: list[int | None] = []
    puts = 0
    for op in ops:
        if op == "p":
            slot.put(frame(puts))
            puts += 1
        else:
            got = slot.get(timeout_s=0.01)
            taken.append(None if got is None else got.index)
    assert taken == expected_taken
    assert slot.dropped == expected_dropped


def test_empty_get_times_out() -> None:
    started = time.monotonic()
    assert LatestFrameSlot().get(timeout_s=0.05) is None
    assert time.monotonic() - started >= 0.04


def test_get_wakes_on_put_and_peek_does_not_take() -> None:
    slot = LatestFrameSlot()
    threading.Timer(0.05, slot.put, args=(frame(7),)).start()
    got = slot.get(timeout_s=2.0)
    assert got is not None and got.index == 7
    assert slot.peek() is got
    slot.put(frame(8))
    assert slot.peek() is not None and slot.dropped == 0


def test_close_wakes_waiters() -> None:
    slot = LatestFrameSlot()
    threading.Timer(0.05, slot.close).start()
    started = time.monotonic()
    assert slot.get(timeout_s=5.0) is None
    assert time.monotonic() - started < 1.0

from __future__ import annotations

import threading

import numpy as np
import pytest

from streams.ringbuffer import RingBuffer


def image(value: int, size_wh: tuple[int, int] = (64, 48)) -> np.ndarray:
    return np.full((size_wh[1], size_wh[0], 3), value, np.uint8)


def fill(ring: RingBuffer, fps: float, seconds: float) -> None:
    for i in range(round(fps * seconds)):
        ring.add(i / fps, image(i % 250))


def test_keeps_only_the_window() -> None:
    ring = RingBuffer(duration_s=2.0, fps=10.0, max_width_px=64, jpeg_quality=80)
    fill(ring, 10.0, 5.0)
    assert ring.latest_pts_s == pytest.approx(4.9)
    assert ring.oldest_pts_s == pytest.approx(2.9)
    assert len(ring) == 21


@pytest.mark.parametrize(
    ("source_fps", "ring_fps", "expected"),
    [
        (30, 10, 10),  # every 3rd frame
        (25, 10, 9),  # every 3rd frame: an even 8.3 fps, not 10 at uneven gaps
        (15, 10, 8),  # every other frame
        (15, 30, 15),  # a camera under the cap keeps every frame
        (5, 10, 5),
    ],
)
def test_decimates_to_its_fps(source_fps: float, ring_fps: float, expected: int) -> None:
    ring = RingBuffer(duration_s=10.0, fps=ring_fps, max_width_px=64, jpeg_quality=80)
    fill(ring, source_fps, 1.0)
    assert len(ring) == expected


def test_frames_between_decodes_in_order_and_scales_down() -> None:
    ring = RingBuffer(duration_s=10.0, fps=10.0, max_width_px=32, jpeg_quality=95)
    for i in range(20):
        ring.add(i / 10, image(10 * i, (64, 48)))
    frames = list(ring.frames_between(0.5, 0.9))
    assert [round(t, 2) for t, _ in frames] == [0.5, 0.6, 0.7, 0.8, 0.9]
    assert frames[0][1].shape == (24, 32, 3)
    assert abs(int(frames[0][1].mean()) - 50) <= 2
    assert list(ring.frames_between(5.0, 6.0)) == []  # empty range


def test_restarted_clock_clears_old_frames() -> None:
    ring = RingBuffer(duration_s=10.0, fps=10.0, max_width_px=64, jpeg_quality=80)
    fill(ring, 10.0, 1.0)
    ring.add(0.0, image(1))
    assert len(ring) == 1


def test_memory_stays_bounded_under_concurrent_use() -> None:
    ring = RingBuffer(duration_s=1.0, fps=10.0, max_width_px=64, jpeg_quality=80)
    writer = threading.Thread(target=fill, args=(ring, 10.0, 20.0))
    writer.start()
    while writer.is_alive():
        list(ring.frames_between(0.0, 100.0))
    writer.join()
    assert len(ring) == 11 and ring.nbytes < 11 * 2000


def test_rejects_empty_window() -> None:
    with pytest.raises(ValueError, match="duration_s must be positive"):
        RingBuffer(duration_s=0.0, fps=10.0, max_width_px=64, jpeg_quality=80)


def _picture(square_at_px: int | None) -> np.ndarray:
    image = np.full((120, 160, 3), 90, np.uint8)
    if square_at_px is not None:
        image[30:90, square_at_px : square_at_px + 30] = 220
    return image


@pytest.mark.parametrize(
    ("squares", "still_fps", "expected_encoded"),
    [
        ([None] * 10, None, 10),  # no still rate: every frame encoded
        ([None] * 10, 1.0, 2),  # still at 5 fps for 2 s: one picture a second
        ([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 1.0, 10),  # movement: every frame
        ([], 1.0, 0),
    ],
    ids=["off", "still", "moving", "empty"],
)
def test_a_still_picture_is_encoded_at_the_still_rate_and_repeated_between(
    squares: list[int | None], still_fps: float | None, expected_encoded: int
) -> None:
    ring = RingBuffer(30.0, 5.0, 160, 80, still_fps)
    kept = [ring.add(n * 0.2, _picture(square)) for n, square in enumerate(squares)]
    assert all(kept) and len(ring) == len(squares)  # every frame keeps its place in time
    assert ring.encoded == expected_encoded
    frames = list(ring.frames_between(0.0, 10.0))
    assert [round(t, 1) for t, _ in frames] == [round(n * 0.2, 1) for n in range(len(squares))]
    assert len({id(image) for _, image in frames}) == expected_encoded  # decoded once each


def test_repeated_pictures_are_counted_once_and_the_byte_cap_holds() -> None:
    ring = RingBuffer(30.0, 10.0, 160, 80, still_fps=1.0)
    for n in range(10):  # 1 s still: one picture, ten frames
        ring.add(n / 10, _picture(None))
    one_picture = ring.nbytes
    assert ring.encoded == 1 and len(ring) == 10 and one_picture > 0
    for n in range(10, 30):  # moving: a picture each frame
        ring.add(n / 10, _picture(n * 4))
    assert ring.nbytes > 10 * one_picture

    capped = RingBuffer(30.0, 10.0, 160, 80, max_bytes=3 * one_picture + 100)
    for n in range(30):
        capped.add(n / 10, _picture(n * 4))
    assert capped.nbytes <= 3 * one_picture + 100 and 1 <= len(capped) <= 4
    assert capped.latest_pts_s == pytest.approx(2.9)  # the oldest went first

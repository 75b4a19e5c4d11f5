from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from streams.config import DemoSourceConfig
from streams.demo import DemoScene, DemoSource, plan_timeline
from streams.demo_draw import clock_text


def person_box(scene: DemoScene, t_s: float) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the pixels that differ from the empty room, minus the caption."""
    diff = np.abs(scene.render(t_s).astype(np.int16) - scene.background.astype(np.int16))
    mask = diff.max(axis=2) > 25
    mask[: scene.height // 12] = False  # the timestamp band changes every second
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


@pytest.mark.parametrize(("width", "height"), [(640, 360), (320, 240), (1280, 720)])
def test_frames_have_configured_size(width: int, height: int) -> None:
    source = DemoSource("demo", DemoSourceConfig(width=width, height=height, realtime=False))
    source.open()
    frames = [source.read() for _ in range(3)]
    source.close()
    assert [f.image_bgr.shape for f in frames if f] == [(height, width, 3)] * 3
    assert [f.pts_s for f in frames if f] == pytest.approx([0.0, 1 / 15, 2 / 15])


def test_person_walks_falls_lies_and_gets_up() -> None:
    scene = DemoScene(640, 360, 40.0)
    tl = scene.timeline
    x0, y0, _x1, y1 = person_box(scene, 1.0)
    assert y1 - y0 > 0.55 * 360  # standing: about 60% of the frame height
    assert person_box(scene, 2.0)[0] > x0 + 30  # walking moves the person's pixels
    lx0, ly0, lx1, ly1 = person_box(scene, tl.lie_start_s + 1.0)
    assert lx1 - lx0 > 2 * (ly1 - ly0)  # lying: much wider than tall
    assert ly1 >= y1 - 0.05 * 360  # on the floor
    assert person_box(scene, tl.lie_start_s + 5.0) == (lx0, ly0, lx1, ly1)  # lies still
    assert scene.phase_at(tl.fall_start_s + 0.3) == "fall"
    _, sy0, _, sy1 = person_box(scene, tl.getup_start_s + 3.0)
    assert sy1 - sy0 > 0.55 * 360  # up again


@pytest.mark.parametrize("scenario_s", [10.0, 40.0, 600.0])
def test_timeline_fits_the_scenario(scenario_s: float) -> None:
    tl = plan_timeline(640, scenario_s)
    assert tl.cycle_s == pytest.approx(scenario_s)
    assert tl.walk1_s > 0 and tl.walk2_s > 0 and 0 < tl.lie_s <= 12.0


def test_demo_source_is_paced_in_real_time() -> None:
    source = DemoSource("demo", DemoSourceConfig(width=160, height=120, fps=20.0))
    source.open()
    started = time.monotonic()
    for _ in range(5):
        source.read()
    assert time.monotonic() - started >= 0.18


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Shanghai", "2026-12-08 01:11:13 UTC+08:00"),  # the next day there
        ("America/St_Johns", "2026-12-07 13:41:13 UTC-03:30"),
        ("UTC", "2026-12-07 17:11:13 UTC+00:00"),
    ],
)
def test_the_burned_in_clock_shows_the_zone_and_its_offset(zone: str, expected: str) -> None:
    at_epoch_s = datetime(2026, 12, 7, 17, 11, 13, tzinfo=UTC).timestamp()
    assert clock_text(at_epoch_s, ZoneInfo(zone)) == expected


def test_the_demo_camera_stamps_each_frame_in_its_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stamp is the frame's capture time in the configured zone, not the server's."""
    drawn: list[str] = []
    monkeypatch.setattr("streams.demo.draw_caption", lambda image, text: drawn.append(text))
    zone = "Asia/Kolkata" if time.localtime().tm_gmtoff != 19800 else "Asia/Shanghai"
    config = DemoSourceConfig(width=160, height=120, realtime=False, timezone=zone)
    source = DemoSource("room-1", config)
    source.open()
    frame = source.read()
    assert frame is not None
    assert drawn == [f"{clock_text(frame.captured_at, ZoneInfo(zone))}  room-1"]
    assert clock_text(frame.captured_at, ZoneInfo(zone)) != clock_text(frame.captured_at)


def test_an_unknown_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown IANA time zone 'Mars/Base'"):
        DemoSourceConfig(timezone="Mars/Base")

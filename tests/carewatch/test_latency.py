"""Event latency: each emission is paired with its own write, media writes are not events."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from carewatch.run.latency import EventLatencyMeter
from supervision.writer.writes import EventWrite, MediaWrite
from vision.events import SafetyEvent

MakeEvent = Callable[..., SafetyEvent]


def test_each_emission_is_timed_to_its_own_write(make_event: MakeEvent) -> None:
    meter = EventLatencyMeter()
    opened = make_event(camera_id="cam-1")
    ended = make_event(camera_id="cam-1", key=opened.key, end_s=opened.start_s + 3.0)
    meter.emitted(opened, time.time() - 0.5)
    meter.emitted(ended, time.time() - 0.2)
    meter.written(MediaWrite(opened.key, "a.jpg", None, None), 1)  # not an event row
    meter.written(EventWrite(opened), 1)
    meter.written(EventWrite(ended), 1)
    [latency] = meter.latencies()
    assert latency.camera_id == "cam-1" and latency.events_written == 2
    first, second = latency.samples_s
    assert first == pytest.approx(0.5, abs=0.1) and second == pytest.approx(0.2, abs=0.1)
    assert latency.max_s == pytest.approx(0.5, abs=0.1)


def test_writes_of_events_never_emitted_here_are_ignored(make_event: MakeEvent) -> None:
    meter = EventLatencyMeter()
    meter.written(EventWrite(make_event()), 1)  # e.g. replayed from the spool after a restart
    assert meter.latencies() == []


def test_per_camera_figures(make_event: MakeEvent) -> None:
    meter = EventLatencyMeter()
    for camera_id in ("cam-1", "cam-2", "cam-2"):
        event = make_event(camera_id=camera_id)
        meter.emitted(event, time.time())
        meter.written(EventWrite(event), 1)
    counts = {latency.camera_id: latency.events_written for latency in meter.latencies()}
    assert counts == {"cam-1": 1, "cam-2": 2}

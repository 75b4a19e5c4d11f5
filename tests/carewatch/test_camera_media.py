"""A frame whose snapshot cannot be written (a real full disk) still raises all its events."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from carewatch.config import parse_settings
from carewatch.run.camera import CameraRunner
from streams.frame import Frame
from streams.media_writes import MediaWriteHealth
from supervision.writer.sink import MemorySink
from supervision.writer.writes import EventWrite, MediaWrite
from tests.disk_full import fill, free_up, small_disk
from vision.events import EventType, SafetyEvent, Severity
from vision.pipeline import FrameAnalysis
from vision.scheduler import AnalysisScheduler

PICTURE = np.random.default_rng(3).integers(0, 256, (240, 320, 3), np.uint8)


def runner_on(data_dir: Path, health: MediaWriteHealth) -> tuple[CameraRunner, MemorySink]:
    settings = parse_settings(
        {
            "facilities": [{"id": "home", "name": "Home"}],
            "cameras": [
                {"id": "cam", "name": "Room", "facility": "home", "source": {"type": "demo"}}
            ],
            "storage": {"data_dir": str(data_dir)},
        }
    )
    camera = settings.cameras[0]
    analyzer: Any = SimpleNamespace(config=settings.vision_for(camera))  # draws the zones
    sink = MemorySink()
    runner = CameraRunner(
        camera, settings, sink, analyzer, lambda _: None, AnalysisScheduler(1), None, health
    )
    return runner, sink


def fall(index: int) -> SafetyEvent:
    return SafetyEvent(EventType.FALL, Severity.CRITICAL, "cam", 1.0, None, 0.0, 0.9, index)


def analysed(index: int, events: list[SafetyEvent]) -> FrameAnalysis:
    frame = Frame("cam", index, index / 10, 1_765_000_000.0 + index / 10, PICTURE)
    return FrameAnalysis(frame, people=[], events=events)


def test_a_snapshot_that_cannot_be_written_loses_no_event(tmp_path: Path, caplog: Any) -> None:
    health = MediaWriteHealth()
    with small_disk(tmp_path / "disk", 1 << 20) as disk:
        runner, sink = runner_on(disk, health)
        fill(disk)
        with caplog.at_level(logging.WARNING):
            for index in range(3):  # three frames, two falls each: every snapshot fails
                runner._process(analysed(index, [fall(2 * index), fall(2 * index + 1)]))
        assert len(sink.events) == 6
        assert not [w for w in sink.writes if isinstance(w, MediaWrite)]  # no snapshot paths
        assert not list(disk.rglob("*.part"))
        assert health.state().failing and health.failure_counts() == {("snapshot", "ENOSPC"): 6}

        free_up(disk)
        runner._process(analysed(9, [fall(9)]))
        runner.recorder.stop()
    media = [w for w in sink.writes if isinstance(w, MediaWrite)]
    assert [w.event_key for w in media] == [sink.events[-1].key]
    assert media[0].snapshot_path is not None
    assert isinstance(sink.writes[-2], EventWrite)  # the event before its media
    failures = [r for r in caplog.records if "media writes failing" in r.getMessage()]
    assert len(failures) == 1  # once per cause, not per frame or event
    assert "analysis failed" not in caplog.text

"""Which events get a clip, and how camera health becomes camera_offline events."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from carewatch.config import Settings, parse_settings
from carewatch.run.camera import (
    CLIP_WRITE_MARGIN_S,
    ClipBufferLoad,
    clip_buffer,
    health_event,
    needs_clip,
)
from carewatch.run.service import GIL_SWITCH_INTERVAL_S, Service
from streams.config import (
    ClipConfig,
    DemoSourceConfig,
    FileSourceConfig,
    SourceConfig,
    UrlSourceConfig,
    UsbSourceConfig,
)
from streams.health import CameraHealth, CameraState
from streams.packets import EncodedPacket, PacketRing, StreamCodec
from streams.ringbuffer import RingBuffer
from tests.supervision.conftest import _wait_until
from vision.events import EventType, SafetyEvent, Severity

BED_POLYGON = [[0.1, 0.2], [0.6, 0.2], [0.6, 0.8], [0.1, 0.8]]


def event(kind: EventType, end_s: float | None, level: int = 1) -> SafetyEvent:
    return SafetyEvent(kind, Severity.CRITICAL, "cam", 1.0, end_s, 0.0, 0.9, level=level)


@pytest.mark.parametrize(
    ("item", "clip"),
    [
        (event(EventType.FALL, 2.0), True),
        (event(EventType.LONG_LIE, None), True),
        (event(EventType.LONG_LIE, None, level=2), False),
        (event(EventType.LONG_LIE, 9.0), False),
        (event(EventType.CAMERA_OFFLINE, None), False),
    ],
    ids=["fall", "long lie starts", "long lie escalates", "long lie ends", "camera offline"],
)
def test_needs_clip(item: SafetyEvent, clip: bool) -> None:
    assert needs_clip(item) is clip


def health(state: CameraState) -> CameraHealth:
    return CameraHealth("cam", state, None, 0.0, 0, 0, 0, "refused")


def test_offline_opens_and_online_closes_one_event() -> None:
    opened = health_event(health(CameraState.OFFLINE), None)
    assert opened is not None and opened.is_open and opened.type is EventType.CAMERA_OFFLINE
    assert health_event(health(CameraState.OFFLINE), opened.key) is None
    assert health_event(health(CameraState.STALLED), opened.key) is None
    closed = health_event(health(CameraState.ONLINE), opened.key)
    assert closed is not None and closed.key == opened.key and not closed.is_open
    assert health_event(health(CameraState.ONLINE), None) is None


def one_camera(tmp_path: Path, camera_id: str, **camera: object) -> Settings:
    return parse_settings(
        {
            "facilities": [{"id": "home", "name": "Home"}],
            "cameras": [{"id": camera_id, "name": camera_id, "facility": "home", **camera}],
            "storage": {"data_dir": str(tmp_path / "data")},
            "database": {"url": f"sqlite:///{tmp_path / 'data' / 'carewatch.db'}"},
        }
    )


def test_live_picture_comes_with_and_without_the_overlay(tmp_path: Path) -> None:
    """The runner keeps the analysed frame as read beside its annotated copy."""
    source = {"type": "demo", "width": 320, "height": 240}
    zones = [{"id": "bed", "kind": "bed", "polygon": BED_POLYGON}]
    service = Service(one_camera(tmp_path, "demo", source=source, zones=zones))
    service.start()
    assert sys.getswitchinterval() == GIL_SWITCH_INTERVAL_S
    assert service.scheduler.workers == (os.cpu_count() or 1) + 1
    try:
        _wait_until(lambda: service.latest_frame("demo") is not None)
        annotated = service.latest_frame("demo")
        raw = service.latest_frame("demo", overlay=False)
    finally:
        service.stop()
    assert service.latest_frame("elsewhere") is None
    assert annotated is not None and raw is not None and annotated.shape == raw.shape
    # The bed zone's outline is drawn on the annotated picture only.
    corner_x, corner_y = (round(BED_POLYGON[0][0] * 320), round(BED_POLYGON[0][1] * 240))
    edge = (slice(corner_y - 1, corner_y + 2), slice(corner_x + 5, corner_x + 40))
    assert np.abs(annotated[edge].astype(int) - raw[edge].astype(int)).max() > 40
    assert annotated is not raw


@pytest.mark.parametrize(
    ("source", "buffer"),
    [
        (FileSourceConfig(path="a.mp4"), PacketRing),
        (UrlSourceConfig(url="rtsp://camera/sub"), PacketRing),
        (UsbSourceConfig(), RingBuffer),
        (DemoSourceConfig(), RingBuffer),
    ],
    ids=["file", "url", "usb", "demo"],
)
def test_cameras_ffmpeg_reads_buffer_their_compressed_stream(
    source: SourceConfig, buffer: type
) -> None:
    clips = ClipConfig(pre_roll_s=4, post_roll_s=6, max_lead_s=12, stream_buffer_mb=8)
    ring = clip_buffer(source, clips)
    # The longest clip (12 s before a confirmation, 6 s after) and the writer's margin.
    assert isinstance(ring, buffer) and ring.duration_s == 12 + 6 + CLIP_WRITE_MARGIN_S
    assert ring.max_bytes == 8 << 20  # both kinds stay under the cap


def test_a_demo_camera_stamps_its_facilitys_time_and_dates_clips_by_it(tmp_path: Path) -> None:
    settings = parse_settings(
        {
            "facilities": [
                {"id": "east", "name": "East", "timezone": "Asia/Shanghai"},
                {"id": "west", "name": "West", "timezone": "America/Los_Angeles"},
            ],
            "cameras": [
                {"id": "a", "name": "A", "facility": "east", "source": {"type": "demo"}},
                {"id": "b", "name": "B", "facility": "west", "source": {"type": "demo"}},
                {
                    "id": "c",
                    "name": "C",
                    "facility": "west",
                    "source": {"type": "demo", "timezone": "Europe/Berlin"},
                },
            ],
            "storage": {"data_dir": str(tmp_path / "data")},
            "database": {"url": f"sqlite:///{tmp_path / 'data' / 'carewatch.db'}"},
        }
    )
    service = Service(settings)
    try:
        runners = service.cameras.items()
        zones = {key: getattr(run.reader.source_config, "timezone", None) for key, run in runners}
        dates = {key: run.recorder.timezone for key, run in runners}
    finally:
        service.engine.dispose()
    # Named in the source: kept; otherwise the facility's.
    assert zones == {"a": "Asia/Shanghai", "b": "America/Los_Angeles", "c": "Europe/Berlin"}
    assert {k: str(v) for k, v in dates.items()} == {
        "a": "Asia/Shanghai",
        "b": "America/Los_Angeles",
        "c": "America/Los_Angeles",  # clip folders follow the facility's pages
    }


def test_the_service_reports_each_cameras_clip_buffer(tmp_path: Path) -> None:
    settings = one_camera(tmp_path, "cam", source={"type": "file", "path": "a.mp4"})
    service = Service(settings.model_copy(update={"clips": ClipConfig(stream_buffer_mb=1)}))
    try:
        ring = service.cameras["cam"].ring
        assert isinstance(ring, PacketRing)
        codec = StreamCodec("h264", None)
        ring.add_packets([EncodedPacket(0.0, True, bytes(1000), codec)])
        assert service.clip_buffers() == [ClipBufferLoad("cam", 1000, 0)]
        ring.add_packets([EncodedPacket(0.1, False, bytes(2 << 20), codec)])  # 2 MiB > 1 MiB
        assert service.clip_buffers() == [ClipBufferLoad("cam", 0, 1)]
    finally:
        service.engine.dispose()


@pytest.mark.parametrize(
    ("source", "max_fps"),
    [
        (FileSourceConfig(path="a.mp4"), 5.0),  # clips come from the packets: analysis only
        (FileSourceConfig(path="a.mp4", max_fps=12.0), 12.0),  # set by the operator: kept
        (UsbSourceConfig(), None),  # not decoded by FFmpeg: nothing to decimate
    ],
    ids=["file", "file with max_fps", "usb"],
)
def test_readers_convert_only_the_frames_analysis_uses(
    tmp_path: Path, source: SourceConfig, max_fps: float | None
) -> None:
    service = Service(one_camera(tmp_path, "cam", source=source.model_dump(), analysis_fps=5))
    try:
        assert getattr(service.cameras["cam"].reader.source_config, "max_fps", None) == max_fps
    finally:
        service.engine.dispose()

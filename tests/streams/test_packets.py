from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from streams.config import FileSourceConfig, ReconnectConfig
from streams.packets import EncodedPacket, PacketRing, StreamCodec
from streams.reader import CameraReader
from streams.sources import FileSource
from tests.streams.videos import VideoFactory

FPS = 30


def packets_of(path: str, loop: bool = False, frames: int = 10_000) -> list[EncodedPacket]:
    """Every packet a looping-or-not file source hands on while reading `frames` frames."""
    source = FileSource("cam", FileSourceConfig(path=path, loop=loop, realtime=False))
    source.open()
    packets: list[EncodedPacket] = []
    for _ in range(frames):
        frame = source.read()
        packets += source.drain_packets()
        if frame is None:
            break
    source.close()
    return packets


def test_a_file_source_hands_on_its_packets_on_the_frames_timeline(
    make_video: VideoFactory,
) -> None:
    path = make_video(frame_count=30, keyframe_every=10)
    packets = packets_of(str(path))
    assert len(packets) == 30
    assert [p.keyframe for p in packets].count(True) == 3
    assert sorted(p.pts_s for p in packets) == pytest.approx([i / FPS for i in range(30)])


def test_looping_keeps_packet_time_increasing(make_video: VideoFactory) -> None:
    path = make_video(frame_count=15, keyframe_every=5)
    packets = packets_of(str(path), loop=True, frames=40)
    times = sorted(p.pts_s for p in packets)  # decode order differs (B-frames)
    assert len(times) >= 40
    assert times[:40] == pytest.approx([i / FPS for i in range(40)])  # one period on


def ring_of(packets: list[EncodedPacket], duration_s: float = 60.0, fps: float = 30) -> PacketRing:
    ring = PacketRing(duration_s, fps, max_width_px=32)
    ring.add_packets(packets)
    return ring


@pytest.mark.parametrize(
    ("t0_s", "t1_s", "fps", "expected_count"),
    [
        (0.0, 1.0, 30, 30),  # the whole clip
        (0.4, 0.6, 30, 7),  # mid-group: decoding starts at the keyframe before, returns the span
        (0.0, 1.0, 10, 10),  # decimated to the clip rate
        (2.0, 3.0, 30, 0),  # after the buffer: nothing
    ],
)
def test_frames_between_decodes_the_span_asked_for(
    make_video: VideoFactory, t0_s: float, t1_s: float, fps: float, expected_count: int
) -> None:
    ring = ring_of(packets_of(str(make_video(frame_count=30, keyframe_every=10))), fps=fps)
    frames = list(ring.frames_between(t0_s, t1_s))
    assert len(frames) == expected_count
    assert all(t0_s - 1e-6 <= pts_s <= t1_s + 1e-6 for pts_s, _ in frames)
    assert all(image.shape == (24, 32, 3) for _, image in frames)  # 64x48 fitted to 32 wide


def test_the_ring_keeps_whole_groups_covering_its_duration(make_video: VideoFactory) -> None:
    packets = packets_of(str(make_video(frame_count=60, keyframe_every=10)))
    ring = ring_of(packets, duration_s=0.5)
    oldest_s, latest_s = ring.oldest_pts_s, ring.latest_pts_s
    assert oldest_s is not None and latest_s is not None
    assert latest_s == pytest.approx(59 / FPS)
    assert latest_s - 0.5 - 10 / FPS < oldest_s <= latest_s - 0.5  # from the keyframe before
    assert len(list(ring.frames_between(latest_s - 0.5, latest_s))) == 16
    assert ring.nbytes == sum(len(p.data) for p in packets if p.pts_s >= oldest_s - 1e-9)


def test_packets_before_the_first_keyframe_are_not_kept(make_video: VideoFactory) -> None:
    packets = packets_of(str(make_video(frame_count=30, keyframe_every=10)))
    ring = ring_of(packets[3:])  # joined mid-group, as a live stream does
    assert ring.oldest_pts_s == pytest.approx(10 / FPS)
    assert len(ring) == 20


def test_a_clock_that_restarts_empties_the_ring(make_video: VideoFactory) -> None:
    packets = packets_of(str(make_video(frame_count=90, keyframe_every=10)))
    ring = ring_of(packets[60:])
    ring.add_packets(packets[:10])  # back to 0 s: the old packets no longer fit the timeline
    assert len(ring) == 10 and ring.latest_pts_s == pytest.approx(9 / FPS)


def test_a_damaged_packet_costs_frames_not_the_clip(make_video: VideoFactory) -> None:
    packets = packets_of(str(make_video(frame_count=30, keyframe_every=10)))
    broken = EncodedPacket(packets[12].pts_s, False, b"\x00\x00\x01garbage", packets[12].codec)
    ring = ring_of([*packets[:12], broken, *packets[13:]])
    frames = list(ring.frames_between(0.0, 1.0))
    assert 20 <= len(frames) < 30


@pytest.mark.parametrize(
    "check",
    [
        lambda ring: list(ring.frames_between(0.0, 10.0)) == [],
        lambda ring: ring.latest_pts_s is None and ring.oldest_pts_s is None,
        lambda ring: len(ring) == 0 and ring.nbytes == 0 and not ring.ended,
    ],
)
def test_an_empty_ring(check: Callable[[PacketRing], bool]) -> None:
    ring = PacketRing(10.0, 10.0, 960)
    ring.add_packets([EncodedPacket(0.0, False, b"x", StreamCodec("h264", None))])
    assert check(ring)


def test_an_invalid_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="duration_s"):
        PacketRing(0.0, 10.0, 960)


def test_the_reader_fills_a_packet_ring_on_the_frames_timeline(make_video: VideoFactory) -> None:
    path = make_video(frame_count=30, keyframe_every=10)
    ring = PacketRing(60.0, 30.0, 64)
    config = FileSourceConfig(path=str(path), realtime=False, max_fps=5)
    reader = CameraReader("cam", config, ReconnectConfig(), ring=ring)
    reader.start()
    frame = reader.slot.get(timeout_s=5.0)
    assert frame is not None
    deadline_ok = _wait(lambda: ring.ended)
    reader.stop()
    assert deadline_ok and len(ring) == 30
    pts_s, image = next(ring.frames_between(frame.pts_s, frame.pts_s))
    assert pts_s == pytest.approx(frame.pts_s)
    assert abs(image.astype(int) - frame.image_bgr.astype(int)).mean() < 3  # the same picture


def _wait(condition: Callable[[], bool], timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not condition():
        time.sleep(0.01)
    return condition()


def _packet(pts_s: float, keyframe: bool, size: int = 100) -> EncodedPacket:
    return EncodedPacket(pts_s, keyframe, b"x" * size, StreamCodec("h264", None))


def test_the_byte_cap_drops_the_oldest_keyframe_groups_first() -> None:
    ring = PacketRing(60.0, 10.0, 960, max_bytes=1000)
    ring.add_packets([_packet(i / 10, keyframe=i % 3 == 0) for i in range(12)])  # 4 groups
    assert ring.nbytes <= 1000 and ring.nbytes == 100 * len(ring)
    assert ring.oldest_pts_s == pytest.approx(0.3)  # the first group (300 bytes) went
    assert ring.latest_pts_s == pytest.approx(1.1) and ring.overflows == 0


def test_a_keyframe_group_larger_than_the_cap_is_dropped_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ring = PacketRing(60.0, 10.0, 960, max_bytes=1000, name="hall")
    ring.add_packets([_packet(i / 10, keyframe=i == 0) for i in range(15)])  # one long group
    assert (len(ring), ring.nbytes, ring.overflows) == (0, 0, 1)
    assert "hall: a keyframe group outgrew" in caplog.text and "stream_buffer_mb" in caplog.text
    ring.add_packets([_packet(1.5, keyframe=False)])  # not decodable without its keyframe
    assert len(ring) == 0
    ring.add_packets([_packet(1.6, keyframe=True), _packet(1.7, keyframe=False)])
    assert (len(ring), ring.nbytes, ring.oldest_pts_s) == (2, 200, pytest.approx(1.6))


def test_a_capped_ring_still_decodes_what_it_keeps(make_video: VideoFactory) -> None:
    packets = packets_of(str(make_video(frame_count=30, keyframe_every=10)))
    group_bytes = sum(len(p.data) for p in packets[10:20])
    kept_bytes = group_bytes + sum(len(p.data) for p in packets[20:])
    ring = PacketRing(60.0, 30.0, 32, max_bytes=kept_bytes)
    ring.add_packets(packets)
    assert ring.oldest_pts_s == pytest.approx(10 / FPS)
    assert len(list(ring.frames_between(0.0, 1.0))) == 20


def test_an_invalid_byte_cap_is_refused() -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        PacketRing(10.0, 10.0, 960, max_bytes=0)

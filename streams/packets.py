"""Pre-roll from the compressed stream: the camera's own packets, decoded only for a clip."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import cast

import av
import numpy as np
from av.video.codeccontext import VideoCodecContext

from streams.ringbuffer import fit_width
from streams.sampling import StrideSampler

log = logging.getLogger(__name__)

PTS_PER_S = 1_000_000  # pts units handed to the clip decoder (microseconds)
CLOCK_JUMP_S = 2.0  # a packet this far behind the newest means the source restarted its clock


@dataclass(frozen=True, slots=True)
class StreamCodec:
    """What a decoder needs to read a stream's packets on its own."""

    name: str
    extradata: bytes | None


@dataclass(frozen=True, slots=True)
class EncodedPacket:
    """One compressed video packet as the camera sent it; `pts_s` on the frames' timeline."""

    pts_s: float
    keyframe: bool
    data: bytes
    codec: StreamCodec

    def shifted(self, offset_s: float) -> EncodedPacket:
        return self if offset_s == 0 else dataclasses.replace(self, pts_s=self.pts_s + offset_s)


class PacketRing:
    """Holds the last `duration_s` of a camera's compressed packets, from a keyframe on.

    Keeping what the camera sent costs no CPU while nothing happens (a JPEG buffer encodes
    every kept frame, most of a reader's cost); a clip request decodes the span it needs,
    every frame up to `fps` a second, scaled to `max_width_px`. Packets are grouped by keyframe
    so the oldest group can go whole once the next one is old enough; packets before the
    first keyframe cannot be decoded and are not kept. Memory stays under `max_bytes`: the
    oldest groups go first, and a group that alone outgrows it (keyframes too far apart for
    the bitrate) is dropped, counted in `overflows`; clips then start at the next keyframe.
    Thread-safe: the reader adds, the clip writer reads.
    """

    def __init__(
        self,
        duration_s: float,
        fps: float,
        max_width_px: int,
        max_bytes: int = 64 << 20,
        name: str = "camera",
    ) -> None:
        if duration_s <= 0:
            raise ValueError(f"duration_s must be positive, got {duration_s}")
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        self.duration_s = duration_s
        self.fps = fps
        self.max_width_px = max_width_px
        self.max_bytes = max_bytes
        self.name = name  # for the log
        self.overflows = 0  # groups dropped whole because one alone outgrew max_bytes
        self._groups: deque[list[EncodedPacket]] = deque()
        self._bytes = 0
        self._latest_s: float | None = None
        self._lock = threading.Lock()
        self._ended = False

    def add_packets(self, packets: Sequence[EncodedPacket]) -> None:
        with self._lock:
            for packet in packets:
                self._add(packet)
            self._ended = False

    def _add(self, packet: EncodedPacket) -> None:
        latest_s = self._latest_s
        if latest_s is not None and packet.pts_s < latest_s - CLOCK_JUMP_S:
            self._clear()  # the source restarted its clock: old packets no longer fit
            latest_s = None
        if packet.keyframe:
            self._groups.append([packet])
        elif self._groups:
            self._groups[-1].append(packet)
        else:
            return
        self._bytes += len(packet.data)
        self._latest_s = packet.pts_s if latest_s is None else max(latest_s, packet.pts_s)
        oldest_needed_s = self._latest_s - self.duration_s
        while len(self._groups) > 1 and self._groups[1][0].pts_s <= oldest_needed_s:
            self._drop_oldest()
        while len(self._groups) > 1 and self._bytes > self.max_bytes:
            self._drop_oldest()
        if self._bytes > self.max_bytes:
            self._overflow()

    def _drop_oldest(self) -> None:
        self._bytes -= sum(len(p.data) for p in self._groups.popleft())

    def _clear(self) -> None:
        self._groups.clear()
        self._bytes = 0

    def _overflow(self) -> None:
        if not self.overflows:
            log.warning(
                "%s: a keyframe group outgrew the clip buffer (%d MiB): keyframes are too "
                "far apart for the bitrate; set the camera's keyframe interval (GOP) to a few "
                "seconds, or raise clips.stream_buffer_mb",
                self.name,
                self.max_bytes >> 20,
            )
        self.overflows += 1
        self._clear()

    def frames_between(self, t0_s: float, t1_s: float) -> Iterator[tuple[float, np.ndarray]]:
        """Decoded (pts_s, image) for t0_s <= pts_s <= t1_s, oldest first, one at a time:
        every frame up to `fps` a second (else every k-th: StrideSampler); decoding starts
        at the last keyframe at or before t0_s."""
        with self._lock:
            groups = list(self._groups)
        starts = [i for i, group in enumerate(groups) if group[0].pts_s <= t0_s]
        chosen = [p for g in groups[starts[-1] if starts else 0 :] for p in g if g[0].pts_s <= t1_s]
        sampler = StrideSampler(self.fps)
        for pts_s, frame in _decoded(chosen):
            if t0_s - 1e-6 <= pts_s <= t1_s + 1e-6 and sampler.keep(pts_s):
                yield pts_s, fit_width(frame.to_ndarray(format="bgr24"), self.max_width_px)

    @property
    def latest_pts_s(self) -> float | None:
        with self._lock:
            return self._latest_s if self._groups else None

    @property
    def oldest_pts_s(self) -> float | None:
        with self._lock:
            return self._groups[0][0].pts_s if self._groups else None

    def __len__(self) -> int:
        with self._lock:
            return sum(len(group) for group in self._groups)

    @property
    def nbytes(self) -> int:
        with self._lock:
            return self._bytes

    @property
    def ended(self) -> bool:
        """True once the source has ended (no more packets will come until a new one starts)."""
        return self._ended

    def mark_ended(self) -> None:
        self._ended = True


def _decoded(packets: Sequence[EncodedPacket]) -> Iterator[tuple[float, av.VideoFrame]]:
    """Frames of packets, in presentation order (the decoder reorders); a damaged packet
    is skipped, not fatal."""
    context: VideoCodecContext | None = None
    codec: StreamCodec | None = None
    for packet in packets:
        if context is None or packet.codec != codec:
            if context is not None:
                yield from _decode(context, None)
            codec, context = packet.codec, _decoder(packet.codec)
        yield from _decode(context, _av_packet(packet))
    if context is not None:
        yield from _decode(context, None)


def _decoder(codec: StreamCodec) -> VideoCodecContext:
    context = cast(VideoCodecContext, av.CodecContext.create(codec.name, "r"))
    if codec.extradata:
        context.extradata = codec.extradata
    return context


def _av_packet(packet: EncodedPacket) -> av.Packet:
    out = av.Packet(packet.data)
    out.pts = round(packet.pts_s * PTS_PER_S)
    out.time_base = Fraction(1, PTS_PER_S)
    return out


def _decode(
    context: VideoCodecContext, packet: av.Packet | None
) -> list[tuple[float, av.VideoFrame]]:
    try:
        frames = context.decode(packet)
    except av.FFmpegError as exc:  # one bad packet (lost on the network) spoils a frame or two
        log.debug("clip decode: %s", exc)
        return []
    return [(f.pts / PTS_PER_S, f) for f in frames if f.pts is not None]

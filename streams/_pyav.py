"""PyAV demux and decode shared by the file and URL sources."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import av
import av.container
import av.video

from streams.packets import EncodedPacket, StreamCodec

_USERINFO = re.compile(r"(?<=://)[^/?#]*@")  # to the last @ of the authority
# Cameras that take credentials in the query (?user=admin&pwd=...): the values go too.
_SECRET_QUERY = re.compile(
    r"(?<=[?&;])((?:password|passwd|pwd|pass|token|secret|key|auth)=)[^&;#]*", re.IGNORECASE
)
FALLBACK_FPS = 25.0
# AVFMT_NOTIMESTAMPS: the demuxer's timestamps are FFmpeg's guesses at FALLBACK_FPS (MJPEG over
# HTTP, raw H.264), not when the camera took the pictures.
_NO_TIMESTAMPS = 0x0080


class SourceError(Exception):
    """A source cannot be opened or read; the message is one line meant for people."""


def one_line(exc: BaseException) -> str:
    """A short, single-line reason for an exception (FFmpeg's own text when there is one)."""
    if isinstance(exc, av.ExitError):  # PyAV interrupts FFmpeg this way only when timing out
        return "timed out"
    text = getattr(exc, "strerror", None) if isinstance(exc, av.FFmpegError) else None
    text = text or str(exc) or type(exc).__name__
    return " ".join(str(text).split())


def redact_url(url: str) -> str:
    """Drops user:password and password-like query values from a URL so it can go into
    logs, health records and the audit log."""
    return _SECRET_QUERY.sub(r"\1***", _USERINFO.sub("***@", url))


class AvDecoder:
    """Decodes the first video stream of an opened container, giving (frame, pts_s) pairs.

    `pts_s` counts from the first frame; missing or non-increasing timestamps (seen on some
    live streams) are replaced by the previous value plus one nominal frame period. With
    `arrival_times`, a stream whose format carries no timestamps (MJPEG over HTTP, where
    FFmpeg counts frames at 25 fps whatever the camera sends) is timed by when its packets
    arrive. With `keep_packets` the compressed packets read are kept, on the same timeline,
    until `drain_packets` takes them (a clip buffer keeps the stream as sent).
    """

    def __init__(
        self,
        container: av.container.InputContainer,
        label: str,
        threads: int = 1,
        fast: bool = False,
        keep_packets: bool = False,
        arrival_times: bool = False,
    ) -> None:
        if not container.streams.video:
            container.close()
            raise SourceError(f"{label}: no video stream")
        self._container = container
        self._label = label
        self._stream: av.video.VideoStream = container.streams.video[0]
        if threads != 1:  # frame threads add a frame of delay each: only where asked
            self._stream.thread_type = "AUTO"
            self._stream.codec_context.thread_count = threads
        if fast:  # no deblocking: half of H.264's decode time
            self._stream.codec_context.options = {"skip_loop_filter": "all"}
        self._frames: Iterator[av.VideoFrame] = self._decode()
        self._origin_s: float | None = None
        self._last_pts_s: float | None = None
        rate = self._stream.average_rate or self._stream.guessed_rate
        self.nominal_fps = float(rate) if rate and 0 < float(rate) < 1000 else FALLBACK_FPS
        context = self._stream.codec_context
        self._codec = StreamCodec(context.name, context.extradata)
        self._keep_packets = keep_packets
        self._kept: list[tuple[float | None, bool, bytes]] = []  # (time_s, keyframe, data)
        self._last_packet_s: float | None = None
        # A known length: a recording (a file, or one served over HTTP), not a live stream.
        self.is_recording = container.duration is not None
        self._by_arrival = arrival_times and bool(container.format.flags & _NO_TIMESTAMPS)
        self._arrived_s: float | None = None  # of the packet the newest frame came from

    def _decode(self) -> Iterator[av.VideoFrame]:
        for packet in self._container.demux(self._stream):
            arrived_s = time.monotonic() if self._by_arrival else None
            if self._keep_packets and packet.size:
                time_s = arrived_s if self._by_arrival else _packet_time_s(packet)
                self._kept.append((time_s, packet.is_keyframe, bytes(packet)))
            for frame in packet.decode():
                self._arrived_s = arrived_s
                yield frame

    def drain_packets(self) -> list[EncodedPacket]:
        """The packets read since the last call, timed like the frames (from the first
        frame's time); none until a frame has been decoded."""
        if self._origin_s is None or not self._kept:
            return []
        kept, self._kept = self._kept, []
        return [self._timed(*item) for item in kept]

    def _timed(self, time_s: float | None, keyframe: bool, data: bytes) -> EncodedPacket:
        last_s = self._last_packet_s
        if time_s is not None:
            pts_s = time_s - (self._origin_s or 0.0)
        else:  # a live stream without timestamps: one nominal period on
            pts_s = 0.0 if last_s is None else last_s + 1.0 / self.nominal_fps
        self._last_packet_s = pts_s
        return EncodedPacket(pts_s, keyframe, data, self._codec)

    @classmethod
    def open(
        cls,
        target: str,
        label: str,
        threads: int = 1,
        fast: bool = False,
        keep_packets: bool = False,
        arrival_times: bool = False,
        **open_kwargs: Any,
    ) -> AvDecoder:
        try:
            container = av.open(target, mode="r", **open_kwargs)
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise SourceError(f"{label}: {one_line(exc)}") from exc
        return cls(container, label, threads, fast, keep_packets, arrival_times)

    def next(self) -> tuple[av.VideoFrame, float] | None:
        """The next decoded frame and its pts in seconds, or None at the end of the stream."""
        try:
            frame = next(self._frames)
        except StopIteration:
            return None
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise SourceError(f"{self._label}: {one_line(exc)}") from exc
        return frame, self._pts_s(frame)

    def _pts_s(self, frame: av.VideoFrame) -> float:
        time_s = self._arrived_s if self._by_arrival else frame.time
        if time_s is not None and self._origin_s is None:
            self._origin_s = time_s
        pts_s = None if time_s is None else time_s - (self._origin_s or 0.0)
        last_s = self._last_pts_s
        if last_s is not None and (pts_s is None or pts_s <= last_s):
            pts_s = last_s + 1.0 / self.nominal_fps
        self._last_pts_s = pts_s if pts_s is not None else 0.0
        return self._last_pts_s

    def close(self) -> None:
        self._container.close()


def _packet_time_s(packet: av.Packet) -> float | None:
    time = packet.pts if packet.pts is not None else packet.dts
    if time is None or packet.time_base is None:
        return None
    return float(time * Fraction(packet.time_base))

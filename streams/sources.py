"""Frame sources: video files, network streams, USB cameras and the rendered demo room."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

import av
import cv2

from streams._pyav import AvDecoder, SourceError, redact_url
from streams.config import (
    DemoSourceConfig,
    FileSourceConfig,
    SourceConfig,
    UrlSourceConfig,
    UsbSourceConfig,
)
from streams.demo import DemoSource
from streams.frame import Frame
from streams.packets import EncodedPacket
from streams.sampling import RateSampler, RealtimePacer

__all__ = [
    "DemoSource",
    "FileSource",
    "FrameSource",
    "PacketSource",
    "SourceError",
    "UrlSource",
    "UsbSource",
    "build_source",
    "iter_file_frames",
]


class FrameSource(Protocol):
    """One camera's pictures. `read()` blocks until the next frame; None means end of stream."""

    @property
    def nominal_fps(self) -> float: ...

    def open(self) -> None: ...

    def read(self) -> Frame | None: ...

    def close(self) -> None: ...


@runtime_checkable
class PacketSource(Protocol):
    """A source that also hands on the compressed packets it read (for a packet clip buffer)."""

    def drain_packets(self) -> list[EncodedPacket]:
        """The packets read since the last call, on the timeline of the frames read."""
        ...


def _open_file(
    path: str, threads: int = 0, fast: bool = False, keep_packets: bool = False
) -> tuple[AvDecoder, tuple[av.VideoFrame, float] | None]:
    """Opens a video file and decodes its first frame, so a corrupt file fails here.

    `threads` 0 lets FFmpeg choose (fastest for one file read as fast as possible); `fast`
    skips deblocking (see FileSourceConfig.fast_decode).
    """
    if not Path(path).is_file():
        raise SourceError(f"video file not found: {path}")
    decoder = AvDecoder.open(path, f"cannot decode {path}", threads, fast, keep_packets)
    try:
        first = decoder.next()
    except SourceError:
        decoder.close()
        raise
    return decoder, first


def _to_frame(camera_id: str, index: int, av_frame: av.VideoFrame, pts_s: float) -> Frame:
    image = av_frame.to_ndarray(format="bgr24")
    return Frame(camera_id, index, pts_s, time.time(), image)


class FileSource:
    """Decodes a video file, optionally paced at its native rate and looped.

    Looping keeps `pts_s` increasing: each pass continues one frame period after the last.
    """

    def __init__(
        self,
        camera_id: str,
        config: FileSourceConfig,
        *,
        pacer: RealtimePacer | None = None,
    ) -> None:
        self.camera_id = camera_id
        self.config = config
        self._pacer = pacer or RealtimePacer()
        self._sampler = RateSampler(config.max_fps)
        self._decoder: AvDecoder | None = None
        self._pending: tuple[av.VideoFrame, float] | None = None
        self._offset_s = 0.0
        self._last_pts_s = -1.0
        self._index = 0
        self._packets: list[EncodedPacket] = []  # of passes already ended (looping)

    @property
    def nominal_fps(self) -> float:
        return self._decoder.nominal_fps if self._decoder else 0.0

    def open(self) -> None:
        self.close()
        self._decoder, self._pending = self._open()
        self._offset_s, self._last_pts_s, self._index = 0.0, -1.0, 0
        self._pacer.reset()
        self._sampler = RateSampler(self.config.max_fps)

    def read(self) -> Frame | None:
        while (item := self._next_decoded()) is not None:
            av_frame, pts_s = item
            pts_s += self._offset_s
            self._last_pts_s = pts_s
            if self._sampler.keep(pts_s):
                return self._handed_on(av_frame, pts_s)
        return None

    def _next_decoded(self) -> tuple[av.VideoFrame, float] | None:
        item = self._next_item()
        if item is None and self.config.loop and self._last_pts_s >= 0:
            self._restart()
            item = self._next_item()
        return item

    def _handed_on(self, av_frame: av.VideoFrame, pts_s: float) -> Frame:
        if self.config.realtime:
            self._pacer.wait_for(pts_s)
        frame = _to_frame(self.camera_id, self._index, av_frame, pts_s)
        self._index += 1
        return frame

    def drain_packets(self) -> list[EncodedPacket]:
        fresh = self._decoder.drain_packets() if self._decoder else []
        packets, self._packets = self._packets + [p.shifted(self._offset_s) for p in fresh], []
        return packets

    def close(self) -> None:
        if self._decoder is not None:
            self._decoder.close()
            self._decoder = None
        self._pending = None
        self._packets = []

    def _open(self) -> tuple[AvDecoder, tuple[av.VideoFrame, float] | None]:
        cfg = self.config
        return _open_file(cfg.path, cfg.decode_threads, cfg.fast_decode, keep_packets=True)

    def _next_item(self) -> tuple[av.VideoFrame, float] | None:
        if self._decoder is None:
            raise SourceError(f"{self.config.path}: source is not open")
        if self._pending is not None:
            item, self._pending = self._pending, None
            return item
        return self._decoder.next()

    def _restart(self) -> None:
        period_s = 1.0 / (self.nominal_fps or 25.0)
        if self._decoder is not None:
            self._packets = self.drain_packets()
            self._decoder.close()
        self._decoder, self._pending = self._open()
        self._offset_s = self._last_pts_s + period_s


def iter_file_frames(
    path: str, camera_id: str, sample_fps: float | None, *, fast_decode: bool = False
) -> Iterator[Frame]:
    """Frames of a file for offline analysis, as fast as possible, sampled to `sample_fps`.

    Every frame is decoded (H.264 needs it) but only kept frames are converted to arrays,
    which is the expensive step. `Frame.index` is the frame's position in the file.
    `fast_decode` skips deblocking as a live camera does by default (FileSourceConfig).
    Raises SourceError at call time for a missing or undecodable file.
    """
    decoder, first = _open_file(path, fast=fast_decode)
    return _sampled_frames(decoder, first, camera_id, RateSampler(sample_fps))


def _sampled_frames(
    decoder: AvDecoder,
    item: tuple[av.VideoFrame, float] | None,
    camera_id: str,
    sampler: RateSampler,
) -> Iterator[Frame]:
    index = 0
    try:
        while item is not None:
            av_frame, pts_s = item
            if sampler.keep(pts_s):
                yield _to_frame(camera_id, index, av_frame, pts_s)
            index += 1
            item = decoder.next()
    finally:
        decoder.close()


def _url_options(config: UrlSourceConfig) -> dict[str, str]:
    timeout_us = str(int(config.open_timeout_s * 1_000_000))
    scheme = config.url.split("://", 1)[0].lower()
    if scheme.startswith("rtsp"):
        return {"rtsp_transport": config.rtsp_transport, "timeout": timeout_us}
    if scheme.startswith("http"):
        return {"timeout": timeout_us, "rw_timeout": timeout_us}
    # rtmp's own "timeout" means "listen for a connection", so only the generic one here.
    return {"rw_timeout": timeout_us}


class UrlSource:
    """Decodes a network stream (RTSP, HTTP, RTMP) as it arrives.

    A live stream comes at the camera's pace and is not held back. A recording served over
    the network (a video file behind an HTTP URL: its length is known) would arrive as fast
    as it decodes, dozens of times faster than real time, so that analysis saw a frame every
    few seconds of video and a clip buffer held less than a second of wall time: it is paced
    at its own rate, as a camera sends it. A stream without timestamps (MJPEG over HTTP) is
    timed by when its frames arrive, not by FFmpeg's count at 25 fps.
    """

    def __init__(
        self, camera_id: str, config: UrlSourceConfig, *, pacer: RealtimePacer | None = None
    ) -> None:
        self.camera_id = camera_id
        self.config = config
        self._decoder: AvDecoder | None = None
        self._label = redact_url(config.url)
        self._sampler = RateSampler(config.max_fps)
        self._pacer = pacer or RealtimePacer()
        self._index = 0

    @property
    def nominal_fps(self) -> float:
        return self._decoder.nominal_fps if self._decoder else 0.0

    def open(self) -> None:
        self.close()
        timeout_s = self.config.open_timeout_s
        started_s = time.monotonic()
        try:
            self._decoder = AvDecoder.open(
                self.config.url,
                f"cannot open {self._label}",
                self.config.decode_threads,
                self.config.fast_decode,
                keep_packets=True,
                arrival_times=True,
                container_options=_url_options(self.config),
                timeout=(timeout_s, timeout_s),
            )
            self._pacer.reset()
        except SourceError as exc:
            if time.monotonic() - started_s < 0.95 * timeout_s:
                raise
            # FFmpeg words a timeout in several misleading ways ("Invalid data ...").
            reason = f"no answer within {timeout_s:g} s"
            raise SourceError(f"cannot open {self._label}: {reason}") from exc

    def read(self) -> Frame | None:
        if self._decoder is None:
            raise SourceError(f"{self._label}: source is not open")
        while (item := self._decoder.next()) is not None:
            if self._sampler.keep(item[1]):
                if self._decoder.is_recording:
                    self._pacer.wait_for(item[1])
                frame = _to_frame(self.camera_id, self._index, *item)
                self._index += 1
                return frame
        return None

    def drain_packets(self) -> list[EncodedPacket]:
        return self._decoder.drain_packets() if self._decoder else []

    def close(self) -> None:
        if self._decoder is not None:
            self._decoder.close()
            self._decoder = None


class UsbSource:
    """Reads a local capture device (or anything else OpenCV's VideoCapture opens)."""

    def __init__(self, camera_id: str, config: UsbSourceConfig) -> None:
        self.camera_id = camera_id
        self.config = config
        self._capture: cv2.VideoCapture | None = None
        self._fps = 0.0
        self._opened_at_s = 0.0
        self._index = 0

    @property
    def nominal_fps(self) -> float:
        return self._fps

    def open(self) -> None:
        self.close()
        device = self.config.device
        target = int(device) if isinstance(device, str) and device.isdigit() else device
        capture = cv2.VideoCapture(target)
        if not capture.isOpened():
            capture.release()
            raise SourceError(f"cannot open USB camera {device}")
        if self.config.width and self.config.height:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.config.width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.config.height)
        reported_fps = capture.get(cv2.CAP_PROP_FPS)
        self._fps = reported_fps if 0 < reported_fps < 1000 else 30.0
        self._capture, self._opened_at_s = capture, time.monotonic()

    def read(self) -> Frame | None:
        if self._capture is None:
            raise SourceError(f"USB camera {self.config.device}: source is not open")
        ok, image = self._capture.read()
        if not ok or image is None:
            raise SourceError(f"USB camera {self.config.device}: read failed")
        pts_s = time.monotonic() - self._opened_at_s
        frame = Frame(self.camera_id, self._index, pts_s, time.time(), image)
        self._index += 1
        return frame

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


def build_source(camera_id: str, config: SourceConfig) -> FrameSource:
    """The source for a config, picked by its `type` key; nothing is opened yet."""
    match config:
        case FileSourceConfig():
            return FileSource(camera_id, config)
        case UrlSourceConfig():
            return UrlSource(camera_id, config)
        case UsbSourceConfig():
            return UsbSource(camera_id, config)
        case DemoSourceConfig():
            return DemoSource(camera_id, config)
    raise SourceError(f"unknown source type {type(config).__name__}")

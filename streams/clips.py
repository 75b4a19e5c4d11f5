"""Event clips and snapshots: browser-playable H.264 MP4 from the ring buffer, plus a JPEG."""

from __future__ import annotations

import itertools
import logging
import math
import os
import queue
import re
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import av
import cv2
import numpy as np

from streams.atomic_file import MuxerFile, remove_quietly
from streams.config import ClipConfig
from streams.media_writes import MediaWriteHealth
from streams.ringbuffer import encode_jpeg

log = logging.getLogger(__name__)

CLIP_NICENESS = 10  # clip writing uses the CPU analysis leaves
TIME_BASE = Fraction(1, 1000)  # millisecond pts keep uneven frame spacing exact enough
# No B-frames: with them the MP4's duration comes from the last frame in decode order, which
# is not the last one shown, and a clip ends early in players (uneven frame timing, worst).
X264_OPTIONS = {"preset": "veryfast", "crf": "23", "bf": "0"}
RATE_FRAMES = 8  # a clip's frame rate is measured over its first frames
FALLBACK_FPS = 10.0  # the frame rate of a clip of one frame
LATE_START_S = 1.0  # a clip starting this much later than asked is worth a warning
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class BufferedVideo(Protocol):
    """The last seconds of a camera, as a clip needs them (RingBuffer, PacketRing)."""

    @property
    def latest_pts_s(self) -> float | None: ...

    @property
    def ended(self) -> bool: ...

    def frames_between(self, t0_s: float, t1_s: float) -> Iterable[tuple[float, np.ndarray]]: ...


@dataclass(frozen=True, slots=True)
class ClipInfo:
    path: Path
    frame_count: int
    duration_s: float
    size_wh: tuple[int, int]


@dataclass(frozen=True, slots=True)
class ClipResult:
    """What a clip request produced; `clip_path` is None when no frames were buffered or the
    clip could not be written (`error` says why), `snapshot_path` when the snapshot could not."""

    event_key: str
    snapshot_path: Path | None
    clip_path: Path | None
    clip_start_pts_s: float | None
    duration_s: float
    error: str | None = None


def _even_size(image_bgr: np.ndarray) -> tuple[int, int]:
    height, width = image_bgr.shape[:2]
    return max(2, width - width % 2), max(2, height - height % 2)


def _fit(image_bgr: np.ndarray, size_wh: tuple[int, int]) -> np.ndarray:
    height, width = image_bgr.shape[:2]
    if (width, height) == size_wh:
        return image_bgr
    if width - size_wh[0] <= 1 and height - size_wh[1] <= 1:  # odd size: drop the last row/col
        return np.ascontiguousarray(image_bgr[: size_wh[1], : size_wh[0]])
    return cv2.resize(image_bgr, size_wh, interpolation=cv2.INTER_AREA)


def write_clip(
    frames: Iterable[tuple[float, np.ndarray]], path: str | Path, fps: float | None = None
) -> ClipInfo:
    """Writes (pts_s, image_bgr) frames as H.264 MP4 that browsers play.

    Timestamps follow the frames' own pts (relative to the first), so gaps stay real time;
    the last frame lasts one frame period: 1 / `fps`, by default the frames' own (their
    median interval). Frames are taken one at a time (a clip's decoded frames would take
    hundreds of MB at once). The file appears atomically under `path`; when it cannot be
    written (OSError: a full or read-only disk), no partial file is left behind.
    """
    head, frames = _head(frames, RATE_FRAMES)
    if not head:
        raise ValueError("write_clip needs at least one frame")
    fps = fps or _frame_rate([pts_s for pts_s, _ in head])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    size_wh = _even_size(head[0][1])
    try:
        with partial.open("w+b", buffering=0) as raw:
            clip_file = MuxerFile(raw)
            try:
                count, last_ms = _encode(clip_file, frames, size_wh, head[0][0], fps)
            finally:
                clip_file.raise_first_error()  # the disk's error, not PyAV's report of it
        os.replace(partial, path)
    except BaseException:
        remove_quietly(partial)
        raise
    return ClipInfo(path, count, last_ms / 1000 + 1.0 / fps, size_wh)


def _encode(
    file: MuxerFile,
    frames: Iterable[tuple[float, np.ndarray]],
    size_wh: tuple[int, int],
    start_s: float,
    fps: float,
) -> tuple[int, int]:
    """Muxes the frames into `file`; (frames written, last frame's pts in ms)."""
    count, last_ms = 0, -1
    with av.open(file, "w", format="mp4", options={"movflags": "+faststart"}) as out:
        rate = Fraction(fps).limit_denominator(1000)
        stream = out.add_stream("libx264", rate=rate, options=X264_OPTIONS)
        stream.width, stream.height, stream.pix_fmt = size_wh[0], size_wh[1], "yuv420p"
        stream.codec_context.time_base = TIME_BASE
        for pts_s, image in frames:
            pts_ms = round((pts_s - start_s) * 1000)
            if pts_ms <= last_ms:
                continue  # the muxer needs strictly increasing timestamps
            video_frame = av.VideoFrame.from_ndarray(_fit(image, size_wh), format="bgr24")
            video_frame.pts, video_frame.time_base = pts_ms, TIME_BASE
            out.mux(stream.encode(video_frame))
            count, last_ms = count + 1, pts_ms
        out.mux(stream.encode(None))
    return count, last_ms


def _frame_rate(times_s: list[float]) -> float:
    """Frames a second of frames at these times: their median interval's."""
    intervals = [b - a for a, b in itertools.pairwise(times_s) if b > a]
    return 1.0 / statistics.median(intervals) if intervals else FALLBACK_FPS


def _head(
    frames: Iterable[tuple[float, np.ndarray]], count: int
) -> tuple[list[tuple[float, np.ndarray]], Iterator[tuple[float, np.ndarray]]]:
    """The first `count` frames (fewer if there are fewer), and all the frames."""
    iterator = iter(frames)
    head = list(itertools.islice(iterator, count))
    return head, itertools.chain(head, iterator)


def clip_length_s(path: str | Path) -> float | None:
    """How long a video plays, from its first frame to the end of its last, by its packets'
    times (a header's duration can be short: B-frames); None if it cannot be read."""
    first_s, end_s = math.inf, -math.inf
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            for packet in container.demux(stream):
                if packet.pts is None or packet.time_base is None:
                    continue
                time_base = packet.time_base
                first_s = min(first_s, float(packet.pts * time_base))
                end_s = max(end_s, float((packet.pts + (packet.duration or 0)) * time_base))
    except (av.FFmpegError, OSError, IndexError):
        return None
    return end_s - first_s if end_s >= first_s else None


def write_snapshot(image_bgr: np.ndarray, path: str | Path, quality: int = 85) -> Path:
    """Writes a JPEG atomically (readers never see half a file, nor a partial one left by a
    write that failed: OSError)."""
    path = Path(path)
    data = encode_jpeg(image_bgr, quality)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    except BaseException:
        remove_quietly(partial)
        raise
    return path


def safe_name(text: str) -> str:
    """A file-name-safe form of an id (event keys and camera ids come from config and users)."""
    return _UNSAFE.sub("_", text).strip("._") or "_"


def _yield_cpu() -> None:
    """Lowers this thread's CPU priority (Linux: per thread; the encoder's threads inherit
    it): a clip decodes and encodes seconds of video at once, and must not delay alerts."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), CLIP_NICENESS)
    except (AttributeError, OSError):  # not on this platform: clips just compete
        log.debug("clip writer keeps normal CPU priority")


@dataclass(frozen=True, slots=True)
class ClipEvent:
    """The event a clip is for, on the camera's video timeline (the buffer's pts)."""

    key: str
    camera_id: str
    start_pts_s: float  # where the event began (a fall: its descent)
    confirmed_pts_s: float  # the frame at which it was raised
    confirmed_at: float  # that frame's wall-clock epoch time (the clip's folder date)

    def span(self, config: ClipConfig) -> tuple[float, float]:
        """(t0_s, t1_s) the clip covers: `pre_roll_s` before the start, but at most
        `max_lead_s` before the confirmation, to `post_roll_s` after the confirmation."""
        start_s = min(self.start_pts_s, self.confirmed_pts_s)
        t0_s = max(start_s - config.pre_roll_s, self.confirmed_pts_s - config.max_lead_s)
        return t0_s, self.confirmed_pts_s + config.post_roll_s


@dataclass(frozen=True, slots=True)
class _Request:
    event: ClipEvent
    clip_path: Path
    snapshot_path: Path | None  # None: it could not be written
    on_done: Callable[[ClipResult], None]


class ClipRecorder:
    """Turns events into a snapshot now and a clip once its post-roll has arrived.

    One background worker takes requests in order; it waits until the buffer holds
    `post_roll_s` past the event's confirmation (as long as frames keep coming: a camera
    silent for `STALL_S` gets the clip it has), or the source ended, then writes what the
    buffer has for the event's span (ClipEvent.span). Clips and snapshots go under
    <clips_dir>/<camera>/<YYYYMMDD>/, the date of the confirmation in `timezone` (the
    facility's: the date its pages show; default the machine's).

    A snapshot or clip that cannot be written (a full or read-only disk, no permission) is
    left out and reported to `writes` (logged once per cause); the next one is tried again.
    """

    POLL_S = 0.1
    STALL_S = 5.0  # no new frame for this long: the post-roll is not coming
    # A stream's packets come in decode order: frames shown before the newest packet's may
    # still be on the way (B-frames), for a few frame periods.
    REORDER_S = 0.25

    def __init__(
        self,
        ring: BufferedVideo,
        clip_config: ClipConfig,
        clips_dir: str | Path,
        decorate: Callable[[np.ndarray], np.ndarray] | None = None,
        timezone: tzinfo | None = None,
        writes: MediaWriteHealth | None = None,
    ) -> None:
        self.ring = ring
        self.decorate = decorate  # e.g. draws the camera's zones on every clip frame
        self.config = clip_config
        self.clips_dir = Path(clips_dir)
        self.timezone = timezone
        self.writes = writes or MediaWriteHealth()  # a service shares one among its cameras
        self._queue: queue.Queue[_Request | None] = queue.Queue()
        self._stopping = threading.Event()
        self._worker: threading.Thread | None = None

    def start(self) -> None:
        if self._worker is not None and self._worker.is_alive():
            return
        self._stopping.clear()
        self._worker = threading.Thread(target=self._work, name="clip-recorder", daemon=True)
        self._worker.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Writes every pending clip with the frames available now, then ends the worker."""
        if self._worker is None and not self._queue.empty():
            self.start()  # requests made before start() are still owed their clips
        self._stopping.set()
        self._queue.put(None)
        if self._worker is not None:
            self._worker.join(timeout_s)
        self._worker = None

    def paths_for(self, event: ClipEvent) -> tuple[Path, Path]:
        """(clip_path, snapshot_path) under <clips_dir>/<camera_id>/<YYYYMMDD>/."""
        day = datetime.fromtimestamp(event.confirmed_at, self.timezone).strftime("%Y%m%d")
        folder = self.clips_dir / safe_name(event.camera_id) / day
        stem = safe_name(event.key)
        return folder / f"{stem}.mp4", folder / f"{stem}.jpg"

    def request(
        self,
        event: ClipEvent,
        snapshot_bgr: np.ndarray,
        on_done: Callable[[ClipResult], None],
    ) -> Path | None:
        """Writes the snapshot (returned; None when it could not be) and queues the clip;
        `on_done` runs on the worker."""
        clip_path, snapshot_path = self.paths_for(event)
        written = self._write_snapshot(snapshot_bgr, snapshot_path)
        self._queue.put(_Request(event, clip_path, written, on_done))
        return written

    def _write_snapshot(self, image_bgr: np.ndarray, path: Path) -> Path | None:
        try:
            write_snapshot(image_bgr, path, self.config.jpeg_quality)
        except OSError as error:
            self.writes.failed("snapshot", path, error)
            return None
        self.writes.succeeded("snapshot")
        return path

    def _work(self) -> None:
        _yield_cpu()
        while True:
            request = self._queue.get()
            if request is None:
                if self._stopping.is_set() and self._queue.empty():
                    return
                continue
            self._wait_for_post_roll(request.event)
            self._finish(request)

    def _wait_for_post_roll(self, event: ClipEvent) -> None:
        """Waits until the buffer holds the event's post-roll, while frames keep coming."""
        until_s = event.span(self.config)[1] + self.REORDER_S
        seen_s, seen_mono = self.ring.latest_pts_s, time.monotonic()
        while not (self._stopping.is_set() or self.ring.ended):
            latest_s = self.ring.latest_pts_s
            if latest_s is not None and latest_s >= until_s:
                return
            if latest_s != seen_s:
                seen_s, seen_mono = latest_s, time.monotonic()
            elif time.monotonic() - seen_mono >= self.STALL_S:
                log.warning("clip %s: no frames for %.1f s; written as is", event.key, self.STALL_S)
                return
            self._stopping.wait(self.POLL_S)

    def _finish(self, request: _Request) -> None:
        key = request.event.key
        try:
            result = self._write(request)
        except OSError as error:  # a full or read-only disk: reported once per cause
            self.writes.failed("clip", request.clip_path, error)
            result = ClipResult(key, request.snapshot_path, None, None, 0.0, str(error))
        except Exception as error:  # a failed clip must not stop later ones
            log.exception("clip %s could not be written", key)
            result = ClipResult(key, request.snapshot_path, None, None, 0.0, str(error))
        try:
            request.on_done(result)
        except Exception:
            log.exception("clip %s: on_done failed", key)

    def _write(self, request: _Request) -> ClipResult:
        key = request.event.key
        t0_s, t1_s = request.event.span(self.config)
        head, frames = _head(self.ring.frames_between(t0_s, t1_s), 1)
        if not head:
            return ClipResult(key, request.snapshot_path, None, None, 0.0)
        late_s = head[0][0] - t0_s
        if late_s > LATE_START_S:  # the camera started later, or the byte cap dropped it
            log.warning("clip %s starts %.1f s late: the buffer no longer held it", key, late_s)
        decorate = self.decorate
        if decorate is not None:
            frames = ((pts_s, decorate(image)) for pts_s, image in frames)
        info = write_clip(frames, request.clip_path)
        self.writes.succeeded("clip")
        return ClipResult(key, request.snapshot_path, info.path, head[0][0], info.duration_s)

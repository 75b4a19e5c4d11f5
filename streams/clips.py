"""Event clips and snapshots: browser-playable H.264 MP4 from the ring buffer, plus a JPEG."""

from __future__ import annotations

import itertools
import logging
import os
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import av
import cv2
import numpy as np

from streams.config import ClipConfig
from streams.ringbuffer import encode_jpeg

log = logging.getLogger(__name__)

CLIP_NICENESS = 10  # clip writing uses the CPU analysis leaves
TIME_BASE = Fraction(1, 1000)  # millisecond pts keep uneven frame spacing exact enough
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
    """What a clip request produced; `clip_path` is None when no frames were buffered."""

    event_key: str
    snapshot_path: Path
    clip_path: Path | None
    clip_start_pts_s: float | None
    duration_s: float


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
    frames: Iterable[tuple[float, np.ndarray]], path: str | Path, fps: float
) -> ClipInfo:
    """Writes (pts_s, image_bgr) frames as H.264 MP4 that browsers play.

    Timestamps follow the frames' own pts (relative to the first), so gaps stay real time;
    the last frame lasts one `fps` period. Frames are taken one at a time (a clip's decoded
    frames would take hundreds of MB at once). The file appears atomically under `path`.
    """
    first, frames = _peek(frames)
    if first is None:
        raise ValueError("write_clip needs at least one frame")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    size_wh = _even_size(first[1])
    start_s, count, last_ms = first[0], 0, -1
    with av.open(str(partial), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        rate = Fraction(fps).limit_denominator(1000)
        stream = out.add_stream("libx264", rate=rate, options={"preset": "veryfast", "crf": "23"})
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
    os.replace(partial, path)
    return ClipInfo(path, count, last_ms / 1000 + 1.0 / fps, size_wh)


def _peek(
    frames: Iterable[tuple[float, np.ndarray]],
) -> tuple[tuple[float, np.ndarray] | None, Iterable[tuple[float, np.ndarray]]]:
    """The first frame (None if there is none) and all the frames, the first included."""
    iterator = iter(frames)
    first = next(iterator, None)
    return first, iterator if first is None else itertools.chain([first], iterator)


def write_snapshot(image_bgr: np.ndarray, path: str | Path, quality: int = 85) -> Path:
    """Writes a JPEG atomically (readers never see half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(encode_jpeg(image_bgr, quality))
    os.replace(partial, path)
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
class _Request:
    event_key: str
    trigger_pts_s: float
    clip_path: Path
    snapshot_path: Path
    deadline_mono: float
    on_done: Callable[[ClipResult], None]


class ClipRecorder:
    """Turns event triggers into a snapshot now and a pre/post-roll clip a little later.

    One background worker takes requests in order; it waits until the ring buffer holds
    `post_roll_s` past the trigger, or the source ended, or a deadline passed, then writes
    what the buffer has for [trigger - pre_roll_s, trigger + post_roll_s].
    """

    POLL_S = 0.1
    GRACE_S = 5.0  # extra wall time allowed for the post-roll to arrive

    def __init__(
        self,
        ring: BufferedVideo,
        clip_config: ClipConfig,
        clips_dir: str | Path,
        decorate: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        self.ring = ring
        self.decorate = decorate  # e.g. draws the camera's zones on every clip frame
        self.config = clip_config
        self.clips_dir = Path(clips_dir)
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

    def paths_for(self, event_key: str, camera_id: str) -> tuple[Path, Path]:
        """(clip_path, snapshot_path) under <clips_dir>/<camera_id>/<YYYYMMDD>/."""
        folder = self.clips_dir / safe_name(camera_id) / time.strftime("%Y%m%d")
        stem = safe_name(event_key)
        return folder / f"{stem}.mp4", folder / f"{stem}.jpg"

    def request(
        self,
        event_key: str,
        camera_id: str,
        trigger_pts_s: float,
        trigger_image: np.ndarray,
        on_done: Callable[[ClipResult], None],
    ) -> Path:
        """Writes the snapshot (returned) and queues the clip; `on_done` runs on the worker."""
        clip_path, snapshot_path = self.paths_for(event_key, camera_id)
        write_snapshot(trigger_image, snapshot_path, self.config.jpeg_quality)
        deadline = time.monotonic() + self.config.post_roll_s * 1.5 + self.GRACE_S
        request = _Request(event_key, trigger_pts_s, clip_path, snapshot_path, deadline, on_done)
        self._queue.put(request)
        return snapshot_path

    def _work(self) -> None:
        _yield_cpu()
        while True:
            request = self._queue.get()
            if request is None:
                if self._stopping.is_set() and self._queue.empty():
                    return
                continue
            self._wait_for_post_roll(request)
            self._finish(request)

    def _wait_for_post_roll(self, request: _Request) -> None:
        until_s = request.trigger_pts_s + self.config.post_roll_s
        while not (self._stopping.is_set() or self.ring.ended):
            latest_s = self.ring.latest_pts_s
            if latest_s is not None and latest_s >= until_s:
                return
            if time.monotonic() >= request.deadline_mono:
                return
            self._stopping.wait(self.POLL_S)

    def _finish(self, request: _Request) -> None:
        try:
            result = self._write(request)
        except Exception:  # a failed clip must not stop later ones; the snapshot still counts
            log.exception("clip %s could not be written", request.event_key)
            result = ClipResult(request.event_key, request.snapshot_path, None, None, 0.0)
        try:
            request.on_done(result)
        except Exception:
            log.exception("clip %s: on_done failed", request.event_key)

    def _write(self, request: _Request) -> ClipResult:
        t0_s = request.trigger_pts_s - self.config.pre_roll_s
        t1_s = request.trigger_pts_s + self.config.post_roll_s
        first, frames = _peek(self.ring.frames_between(t0_s, t1_s))
        if first is None:
            return ClipResult(request.event_key, request.snapshot_path, None, None, 0.0)
        decorate = self.decorate
        if decorate is not None:
            frames = ((pts_s, decorate(image)) for pts_s, image in frames)
        info = write_clip(frames, request.clip_path, self.config.fps)
        return ClipResult(
            request.event_key, request.snapshot_path, info.path, first[0], info.duration_s
        )

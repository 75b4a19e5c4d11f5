"""Camera reader: a thread per camera that reads, reconnects with backoff and tracks health."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Sequence

from streams._pyav import SourceError, one_line
from streams.config import FileSourceConfig, ReconnectConfig, SourceConfig
from streams.frame import Frame
from streams.health import CameraHealth, CameraState
from streams.latest import LatestFrameSlot
from streams.packets import PacketRing
from streams.ringbuffer import RingBuffer
from streams.sources import FrameSource, PacketSource, build_source

log = logging.getLogger(__name__)

FPS_SMOOTHING = 0.1  # weight of the newest frame interval in the fps average


class _Ended(Exception):
    """A file without loop reached its end: the reader stops for good."""


class CameraReader:
    """Reads one camera on a daemon thread into a latest-frame slot and a clip buffer.

    The clip buffer is a RingBuffer (decoded frames, as JPEG) or, for a source that hands
    on its compressed packets, a PacketRing.

    Failures (open or read errors, a live stream ending) are retried with exponential
    backoff; a file without loop that ends moves the reader to STOPPED. A second thread
    watches for missing frames (STALLED, then OFFLINE). `on_health` is called, from these
    threads, on every state change; `on_frame` callbacks run on the reader thread and must
    be quick. Nothing raised by a source or callback escapes the threads.
    """

    def __init__(
        self,
        camera_id: str,
        source_config: SourceConfig,
        reconnect: ReconnectConfig,
        *,
        slot: LatestFrameSlot | None = None,
        ring: RingBuffer | PacketRing | None = None,
        on_frame: Sequence[Callable[[Frame], None]] = (),
        on_health: Callable[[CameraHealth], None] | None = None,
        source_factory: Callable[[str, SourceConfig], FrameSource] = build_source,
    ) -> None:
        self.camera_id = camera_id
        self.source_config = source_config
        self.reconnect = reconnect
        self.slot = slot if slot is not None else LatestFrameSlot()
        self.ring = ring
        self._on_frame = tuple(on_frame)
        self._on_health = on_health
        self._source_factory = source_factory
        self._lock = threading.Lock()
        self._notify_lock = threading.Lock()  # keeps on_health calls in state-change order
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._state = CameraState.STOPPED
        self._error: str | None = None
        self._reset_counters()

    def _reset_counters(self) -> None:
        self._frames_read = 0
        self._reconnects = 0
        self._last_frame_at: float | None = None
        self._last_frame_mono: float | None = None
        self._started_mono = time.monotonic()
        self._interval_s: float | None = None
        self._pts_offset_s = 0.0
        self._last_pts_s: float | None = None
        self._session_fresh = True

    # lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if any(t.is_alive() for t in self._threads):
            raise RuntimeError(f"camera {self.camera_id}: reader already running")
        self._stop.clear()
        with self._lock:
            self._reset_counters()
        self._transition(CameraState.STARTING, None)
        self._threads = [
            threading.Thread(target=self._run, name=f"reader-{self.camera_id}", daemon=True),
            threading.Thread(target=self._watch, name=f"watch-{self.camera_id}", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout_s: float = 2.0) -> bool:
        """Stops reading; returns False if the thread is still blocked in a source call
        after `timeout_s` (it is a daemon and ends as soon as that call returns)."""
        self._stop.set()
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._transition(CameraState.STOPPED, self._error)
        return not any(t.is_alive() for t in self._threads)

    @property
    def state(self) -> CameraState:
        return self._state

    def health(self) -> CameraHealth:
        with self._lock:
            return self._snapshot()

    # reader thread -----------------------------------------------------------------------

    def _run(self) -> None:
        backoff_s = self.reconnect.initial_backoff_s
        while not self._stop.is_set():
            frames_before = self._frames_read
            try:
                self._read_session()
            except _Ended:
                self._finish_file()
                return
            if self._stop.is_set():
                return
            if self._frames_read > frames_before:
                backoff_s = self.reconnect.initial_backoff_s
            if self._stop.wait(backoff_s):
                return
            backoff_s = min(backoff_s * 2, self.reconnect.max_backoff_s)
            with self._lock:
                self._reconnects += 1

    def _read_session(self) -> None:
        source: FrameSource | None = None
        opened = False
        try:
            source = self._source_factory(self.camera_id, self.source_config)
            source.open()
            opened = True
            self._session_fresh = True
            while not self._stop.is_set():
                frame = source.read()
                if frame is not None:
                    self._deliver(frame, source.nominal_fps)
                self._keep_packets(source)
                if frame is None:
                    self._stream_ended()
        except _Ended:
            raise
        except Exception as exc:  # a camera must never take the process down
            self._fail(exc, opened)
        finally:
            if source is not None:
                _close_quietly(source, self.camera_id)

    def _stream_ended(self) -> None:
        if isinstance(self.source_config, FileSourceConfig):
            raise _Ended
        raise SourceError("stream ended")

    def _keep_packets(self, source: FrameSource) -> None:
        """Moves the packets the source read into a packet ring, on the frames' timeline."""
        if not isinstance(source, PacketSource):
            return
        packets = source.drain_packets()
        if packets and isinstance(self.ring, PacketRing):
            offset_s = self._pts_offset_s
            self._guarded(self.ring.add_packets, [p.shifted(offset_s) for p in packets])

    def _fail(self, exc: Exception, opened: bool) -> None:
        error = one_line(exc) if isinstance(exc, SourceError) else _describe(exc)
        if not isinstance(exc, SourceError):
            log.exception("camera %s: unexpected error in reader", self.camera_id)
        else:
            log.warning("camera %s: %s", self.camera_id, error)
        with self._lock:
            self._error = error
        if not opened:  # a failed read leaves the state to the watchdog; a failed open is news
            self._transition(CameraState.OFFLINE, error)

    def _finish_file(self) -> None:
        if self.ring is not None:
            self.ring.mark_ended()
        self._transition(CameraState.STOPPED, None)

    def _deliver(self, frame: Frame, nominal_fps: float) -> None:
        now_mono = time.monotonic()
        with self._lock:
            frame = self._restamp(frame, nominal_fps)
            self._count_frame(now_mono)
            went_online = self._state != CameraState.ONLINE
        if went_online:
            self._transition(CameraState.ONLINE, None)
        self.slot.put(frame)
        if isinstance(self.ring, RingBuffer):
            self._guarded(self.ring.add, frame.pts_s, frame.image_bgr)
        for callback in self._on_frame:
            self._guarded(callback, frame)

    def _restamp(self, frame: Frame, nominal_fps: float) -> Frame:
        """Numbers frames across reconnects and keeps pts increasing when a source restarts."""
        if self._session_fresh and self._last_pts_s is not None:
            period_s = 1.0 / nominal_fps if nominal_fps > 0 else (self._interval_s or 0.04)
            if frame.pts_s + self._pts_offset_s <= self._last_pts_s:
                self._pts_offset_s = self._last_pts_s + period_s - frame.pts_s
        self._session_fresh = False
        pts_s = frame.pts_s + self._pts_offset_s
        self._last_pts_s = pts_s
        return dataclasses.replace(frame, index=self._frames_read, pts_s=pts_s)

    def _count_frame(self, now_mono: float) -> None:
        if self._last_frame_mono is not None:
            interval_s = now_mono - self._last_frame_mono
            previous = self._interval_s if self._interval_s is not None else interval_s
            self._interval_s = previous + FPS_SMOOTHING * (interval_s - previous)
        self._frames_read += 1
        self._last_frame_mono, self._last_frame_at = now_mono, time.time()
        self._error = None

    def _guarded(self, call: Callable[..., object], *args: object) -> None:
        try:
            call(*args)
        except Exception:  # a consumer's bug must not stop the camera
            log.exception("camera %s: %s failed", self.camera_id, getattr(call, "__name__", call))

    # watchdog thread ---------------------------------------------------------------------

    def _watch(self) -> None:
        cfg = self.reconnect
        tick_s = min(0.5, cfg.stall_timeout_s / 4, cfg.offline_after_s / 4)
        while not self._stop.wait(tick_s):
            self._check_liveness()

    def _check_liveness(self) -> None:
        with self._lock:
            state = self._state
            since_mono = self._last_frame_mono or self._started_mono
            quiet_s = time.monotonic() - since_mono
        cfg = self.reconnect
        if state in (CameraState.STARTING, CameraState.ONLINE, CameraState.STALLED):
            if quiet_s >= cfg.offline_after_s:
                self._transition(
                    CameraState.OFFLINE, self._error or f"no frame for {quiet_s:.1f} s"
                )
            elif state == CameraState.ONLINE and quiet_s >= cfg.stall_timeout_s:
                self._transition(CameraState.STALLED, self._error)

    # state -------------------------------------------------------------------------------

    def _transition(self, state: CameraState, error: str | None) -> None:
        with self._notify_lock:
            with self._lock:
                if self._state == state:
                    return
                if self._stop.is_set() and state != CameraState.STOPPED:
                    return  # late news from a thread that is shutting down
                self._state, self._error = state, error
                snapshot = self._snapshot()
            log.info("camera %s: %s%s", self.camera_id, state, f" ({error})" if error else "")
            if self._on_health is not None:
                self._guarded(self._on_health, snapshot)

    def _snapshot(self) -> CameraHealth:
        live = self._state in (CameraState.ONLINE, CameraState.STALLED)
        fps = 1.0 / self._interval_s if live and self._interval_s else 0.0
        return CameraHealth(
            camera_id=self.camera_id,
            state=self._state,
            last_frame_at=self._last_frame_at,
            fps=round(fps, 2),
            frames_read=self._frames_read,
            frames_dropped=self.slot.dropped,
            reconnects=self._reconnects,
            error=self._error,
        )


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {one_line(exc)}"


def _close_quietly(source: FrameSource, camera_id: str) -> None:
    try:
        source.close()
    except Exception:  # closing a broken source may fail too
        log.warning("camera %s: closing the source failed", camera_id, exc_info=True)

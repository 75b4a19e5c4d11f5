"""Shares a few analysis workers among many cameras: earliest due first, gated on motion."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from streams.frame import Frame
from streams.latest import LatestFrameSlot
from vision.motion import MotionGate
from vision.pipeline import Analyzer, FrameAnalysis

log = logging.getLogger(__name__)

WINDOW_S = 10.0  # rates and latency quantiles are over this much recent time
POLL_S = 0.01  # a worker with nothing ready looks again this soon (new frames do not wake it)
FIRE_STARVED_S = 5.0  # under overload a camera's fire check still runs at least this often

OnResult = Callable[[FrameAnalysis], None]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CameraLoad:
    """One camera's analysis figures since it started (rates over the last ~10 s)."""

    camera_id: str
    target_fps: float
    frames_analysed: int
    frames_gated: int
    frames_shed: int
    fire_checks: int  # fire/smoke model runs (given spare time, after people; a picture
    # unchanged since the last check repeats its finding without one)
    analysed_fps: float
    checked_fps: float
    result_latency_p50_s: float | None
    result_latency_p95_s: float | None


@dataclass(slots=True)
class _Stats:
    analysed: int = 0
    gated: int = 0
    shed: int = 0
    fire_checks: int = 0
    # (monotonic time, capture -> result latency or None for a gated frame)
    recent: deque[tuple[float, float | None]] = field(default_factory=deque)

    def add(self, now_mono: float, latency_s: float | None) -> None:
        if latency_s is None:
            self.gated += 1
        else:
            self.analysed += 1
        self.recent.append((now_mono, latency_s))
        while self.recent and self.recent[0][0] < now_mono - WINDOW_S:
            self.recent.popleft()


@dataclass(slots=True)
class _Camera:
    camera_id: str
    slot: LatestFrameSlot
    analyzer: Analyzer
    on_result: OnResult
    period_s: float
    gate: MotionGate
    added_mono: float
    next_due_mono: float
    busy: bool = False
    removed: bool = False
    late_s: float = 0.0  # how long it was due, with a frame, before its last take
    fire_at_mono: float = 0.0  # when its last fire check ran (or it was added)
    stats: _Stats = field(default_factory=_Stats)

    def ready(self, now_mono: float) -> bool:
        return not self.busy and self.next_due_mono <= now_mono and self.slot.has_new

    def fire_ready(self) -> bool:
        if self.busy:
            return False
        frame = self.slot.peek()
        return frame is not None and self.analyzer.fire_due(frame.pts_s)

    def served(self, now_mono: float, late_s: float) -> None:
        """Book the next analysis one period on; `late_s` is how long the camera was due
        with a new frame waiting before a worker took it (over a period: analyses shed)."""
        if late_s > self.period_s:
            self.stats.shed += int(late_s / self.period_s)
        self.next_due_mono = max(self.next_due_mono + self.period_s, now_mono - self.period_s)

    def load(self, now_mono: float) -> CameraLoad:
        recent = [latency for at, latency in self.stats.recent if at >= now_mono - WINDOW_S]
        latencies = [latency for latency in recent if latency is not None]
        span_s = max(1e-6, min(WINDOW_S, now_mono - self.added_mono))
        p50, p95 = _quantiles(latencies)
        return CameraLoad(
            camera_id=self.camera_id,
            target_fps=1.0 / self.period_s,
            frames_analysed=self.stats.analysed,
            frames_gated=self.stats.gated,
            frames_shed=self.stats.shed,
            fire_checks=self.stats.fire_checks,
            analysed_fps=round(len(latencies) / span_s, 2),
            checked_fps=round(len(recent) / span_s, 2),
            result_latency_p50_s=p50,
            result_latency_p95_s=p95,
        )


def _quantiles(samples: list[float]) -> tuple[float | None, float | None]:
    if not samples:
        return None, None
    p50, p95 = np.percentile(np.asarray(samples), [50, 95])
    return round(float(p50), 4), round(float(p95), 4)


class AnalysisScheduler:
    """Runs each camera's analysis at its rate on `workers` shared threads.

    A worker takes the camera whose analysis is most overdue and has a new frame, so under
    overload every camera slows down evenly (the skipped analyses are counted as shed) and
    no camera can hold up another's. Readers are never waited for: a worker takes the newest
    frame of a camera's slot. A camera's analysis runs on one worker at a time.

    Fire checks run in the time people leave: a worker runs the due fire check that waited
    longest when it would end before the next person analysis falls due (one starved for
    FIRE_STARVED_S goes first). The fire model costs twice the pose model; a fall must not
    wait for it.
    """

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self._cameras: dict[str, _Camera] = {}
        self._changed = threading.Condition(threading.Lock())
        self._stopping = False
        self._threads: list[threading.Thread] = []
        self._fire_cost_s = 0.05  # running mean of a fire check's wall time
        self._fire_running = 0  # fire checks under way

    def add(
        self,
        camera_id: str,
        slot: LatestFrameSlot,
        analyzer: Analyzer,
        on_result: OnResult,
        gate: MotionGate,
    ) -> None:
        """Start analysing a camera at its analyzer's `analysis_fps` (replaces one of its id)."""
        now = time.monotonic()
        period_s = 1.0 / analyzer.config.analysis_fps
        camera = _Camera(
            camera_id, slot, analyzer, on_result, period_s, gate, now, now, fire_at_mono=now
        )
        with self._changed:
            old = self._cameras.get(camera_id)
            if old is not None:
                old.removed = True
            self._cameras[camera_id] = camera
            self._changed.notify_all()

    def remove(self, camera_id: str, timeout_s: float = 5.0) -> bool:
        """Stop analysing a camera; True once no worker is inside its analysis any more."""
        with self._changed:
            camera = self._cameras.pop(camera_id, None)
            if camera is None:
                return True
            camera.removed = True
            return self._changed.wait_for(lambda: not camera.busy, timeout_s)

    def start(self) -> None:
        with self._changed:
            self._stopping = False
        self._threads = [
            threading.Thread(target=self._work, name=f"analysis-{n}", daemon=True)
            for n in range(self.workers)
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def loads(self) -> list[CameraLoad]:
        now = time.monotonic()
        with self._changed:
            return [camera.load(now) for camera in self._cameras.values()]

    # workers ------------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            job = self._take()
            if job is None:
                return
            camera, people = job
            try:
                if people:
                    self._serve(camera)
                else:
                    self._check_fire(camera)
            finally:
                with self._changed:
                    camera.busy = False
                    self._fire_running -= not people
                    if people:
                        camera.served(time.monotonic(), camera.late_s)
                    self._changed.notify_all()

    def _take(self) -> tuple[_Camera, bool] | None:
        """The next job, its camera marked busy: (camera, True) to analyse the most overdue
        camera with a new frame, else (camera, False) for a fire check; None when stopping."""
        with self._changed:
            while not self._stopping:
                now = time.monotonic()
                job = self._starved_fire(now) or self._people(now) or self._fire(now)
                if job is not None:
                    job[0].busy = True
                    self._fire_running += not job[1]
                    return job
                self._changed.wait(self._idle_s(now))
            return None

    def _starved_fire(self, now_mono: float) -> tuple[_Camera, bool] | None:
        """The fire check starved longest, unless another worker is on one already (checks
        that starve together, as cameras started together do, must not stop everyone)."""
        if self._fire_running:
            return None
        starved = [
            c
            for c in self._cameras.values()
            if now_mono - c.fire_at_mono > FIRE_STARVED_S and c.fire_ready()
        ]
        return (min(starved, key=lambda c: c.fire_at_mono), False) if starved else None

    def _people(self, now_mono: float) -> tuple[_Camera, bool] | None:
        ready = [c for c in self._cameras.values() if c.ready(now_mono)]
        return (min(ready, key=lambda c: c.next_due_mono), True) if ready else None

    def _fire(self, now_mono: float) -> tuple[_Camera, bool] | None:
        """A due fire check, if it can end before the next person analysis falls due."""
        dues = [c.next_due_mono for c in self._cameras.values() if not c.busy]
        if dues and min(dues) - now_mono < self._fire_cost_s:
            return None
        due = [c for c in self._cameras.values() if c.fire_ready()]
        return (min(due, key=lambda c: c.fire_at_mono), False) if due else None

    def _idle_s(self, now_mono: float) -> float | None:
        """How long a worker with nothing to do waits; None: until a camera is added (a
        process without cameras, such as a district centre, spends nothing here)."""
        if not self._cameras:
            return None
        waiting = [c.next_due_mono - now_mono for c in self._cameras.values() if not c.busy]
        return min([POLL_S, *[max(POLL_S / 10, s) for s in waiting if s > 0]])

    def _serve(self, camera: _Camera) -> None:
        ready_since = max(camera.next_due_mono, camera.slot.new_since_mono)
        frame = camera.slot.get(timeout_s=0)
        camera.late_s = max(0.0, time.monotonic() - ready_since)
        if frame is None or camera.removed:
            return
        if not camera.gate.should_analyse(frame.image_bgr, frame.pts_s, camera.analyzer.watching()):
            camera.stats.add(time.monotonic(), None)
            return
        result = self._guarded(camera, frame, lambda: self._analyse(camera, frame))
        if result is not None:
            camera.stats.add(time.monotonic(), max(0.0, time.time() - frame.captured_at))

    def _analyse(self, camera: _Camera, frame: Frame) -> FrameAnalysis:
        result = camera.analyzer.process(frame)
        camera.on_result(result)
        return result

    def _check_fire(self, camera: _Camera) -> None:
        frame = camera.slot.peek()
        if frame is None or camera.removed:
            return
        started = camera.fire_at_mono = time.monotonic()
        people = camera.analyzer.people_xyxy()
        unchanged = camera.gate.fire_unchanged(frame.image_bgr, frame.pts_s, people)
        self._guarded(camera, frame, lambda: camera.analyzer.check_fire(frame, unchanged))
        if not unchanged:  # the model ran
            camera.stats.fire_checks += 1
            self._fire_cost_s += 0.2 * (time.monotonic() - started - self._fire_cost_s)

    def _guarded(self, camera: _Camera, frame: Frame, job: Callable[[], T]) -> T | None:
        try:
            return job()
        except Exception:  # a bad frame must not end the camera's analysis, nor the worker
            log.exception("camera %s: analysis failed on frame %d", camera.camera_id, frame.index)
            return None

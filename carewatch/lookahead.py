"""Offline analysis on every core: decode, pose and due fire checks run ahead of the analysis.

The Analyzer stays sequential and gets exactly what the one-thread path gives it: the same
frames in the same order, and the same model answers, only computed earlier on other threads.
Pose is stateless per frame, and the inline fire checks' schedule follows from the frames'
pts alone (`vision.fire.FireSchedule`, which the Analyzer keeps too), so both can be
computed for frames the Analyzer has not reached.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from streams.frame import Frame
from vision.fire import FireBoxes, FireSchedule
from vision.pipeline import FireModel, PoseEstimator
from vision.records import PoseBatch

T = TypeVar("T")
_PUT_POLL_S = 0.1  # how often a blocked producer looks whether the consumer has gone


@dataclass(frozen=True, slots=True)
class _Item(Generic[T]):
    value: T | None = None
    error: BaseException | None = None
    end: bool = False


def prefetch(items: Iterable[T], depth: int) -> Generator[T, None, None]:
    """`items`, drawn on a thread of their own at most `depth` ahead of the consumer.

    An exception raised while drawing is raised here, in its place. Closing this iterator
    stops the thread (and closes `items` there, e.g. a decoder's file).
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    slots: queue.Queue[_Item[T]] = queue.Queue(depth)
    stop = threading.Event()
    thread = threading.Thread(target=_fill, args=(items, slots, stop), name="prefetch", daemon=True)
    thread.start()
    try:
        while not (item := slots.get()).end:
            if item.error is not None:
                raise item.error
            yield item.value  # type: ignore[misc]  # a value item always holds one
    finally:
        stop.set()
        thread.join()


def _fill(items: Iterable[T], slots: queue.Queue[_Item[T]], stop: threading.Event) -> None:
    iterator = iter(items)
    try:
        for value in iterator:
            if not _put(slots, _Item(value), stop):
                return
        _put(slots, _Item(end=True), stop)
    except BaseException as error:  # handed to the consumer, who raises it
        _put(slots, _Item(error=error), stop)
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def _put(slots: queue.Queue[_Item[T]], item: _Item[T], stop: threading.Event) -> bool:
    """Waits for room; False when the consumer has gone."""
    while not stop.is_set():
        try:
            slots.put(item, timeout=_PUT_POLL_S)
            return True
        except queue.Full:
            continue
    return False


@dataclass(frozen=True, slots=True)
class _Ahead:
    """A frame and its answers, computed (or being computed) by the workers."""

    frame: Frame
    pose: Future[PoseBatch]
    fire: Future[FireBoxes] | None


class Answers:
    """The pose estimator an Analyzer is given: it answers with what was computed ahead for
    the frame being analysed. Anything else (a frame or a fire check that was not foreseen)
    is computed on the spot and counted in `misses`: slower, never different.

    `fire` is the fire model to give the same Analyzer (None without a fire model).
    """

    def __init__(self, pose: PoseEstimator, fire: FireModel | None) -> None:
        self.models = pose
        self.version = pose.version
        self.fire = _FireAnswers(self, fire) if fire is not None else None
        self.current: _Ahead | None = None
        self.misses = 0

    def infer(self, image_bgr: np.ndarray) -> PoseBatch:
        ahead = self._ahead_for(image_bgr)
        if ahead is None:
            return self.models.infer(image_bgr)
        return ahead.pose.result()

    def _ahead_for(self, image_bgr: np.ndarray) -> _Ahead | None:
        ahead = self.current
        if ahead is None or ahead.frame.image_bgr is not image_bgr:
            self.misses += 1
            return None
        return ahead


class _FireAnswers:
    def __init__(self, owner: Answers, model: FireModel) -> None:
        self.owner, self.model, self.version = owner, model, model.version

    def detect(self, image_bgr: np.ndarray) -> FireBoxes:
        ahead = self.owner._ahead_for(image_bgr)
        if ahead is not None and ahead.fire is not None:
            return ahead.fire.result()
        if ahead is not None:  # a check the schedule did not foresee
            self.owner.misses += 1
        return self.model.detect(image_bgr)


class Lookahead:
    """Runs the models for the frames ahead of an Analyzer on `workers` threads.

    `answers.models` must be thread-safe (a PosePool of `workers` estimators); a fire model
    is (one ONNX Runtime session runs calls from many threads). At most `depth` frames wait
    for the Analyzer and `decode_depth` more are decoded ahead of them: memory stays small.
    """

    def __init__(
        self, answers: Answers, fire_fps: float, workers: int, depth: int, decode_depth: int
    ) -> None:
        if workers < 1 or depth < 1:
            raise ValueError(f"workers and depth must be at least 1, got {workers}, {depth}")
        self.answers = answers
        self.fire_fps = fire_fps if answers.fire is not None else 0.0
        self.workers = workers
        self.depth = depth
        self.decode_depth = decode_depth

    def frames(self, frames: Iterable[Frame]) -> Iterator[Frame]:
        """`frames` in order; while the consumer holds a frame, `answers` answers for it."""
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="lookahead")
        waiting: deque[_Ahead] = deque()
        schedule = FireSchedule(self.fire_fps)
        try:
            with closing(prefetch(frames, self.decode_depth)) as decoded:
                for frame in decoded:
                    waiting.append(self._submit(pool, frame, schedule))
                    if len(waiting) >= self.depth:
                        yield self._handed(waiting.popleft())
            while waiting:
                yield self._handed(waiting.popleft())
        finally:
            self.answers.current = None
            pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self, pool: ThreadPoolExecutor, frame: Frame, schedule: FireSchedule) -> _Ahead:
        pose = pool.submit(self.answers.models.infer, frame.image_bgr)
        fire: Future[FireBoxes] | None = None
        if self.answers.fire is not None and schedule.due(frame.pts_s):
            schedule.checked(frame.pts_s)
            fire = pool.submit(self.answers.fire.model.detect, frame.image_bgr)
        return _Ahead(frame, pose, fire)

    def _handed(self, ahead: _Ahead) -> Frame:
        self.answers.current = ahead
        return ahead.frame

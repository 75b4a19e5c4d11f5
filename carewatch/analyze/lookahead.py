"""Offline analysis on every core: decoding and pose run ahead of the analysis.

The Analyzer stays sequential and gets exactly what the one-thread path gives it: the same
frames in the same order, and the same model answers, only computed earlier on other threads.
Pose is stateless per frame, so it can be computed for frames the Analyzer has not reached;
which frames the Analyzer will analyse (its motion gate) is foreseen, not known, so a frame
not foreseen costs time, never a different answer.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from streams.frame import Frame
from vision.motion import MotionConfig, MotionGate
from vision.pipeline import PoseEstimator
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
    """A frame and its pose, computed (or being computed) by the workers; None: not foreseen."""

    frame: Frame
    pose: Future[PoseBatch] | None


class Answers:
    """The pose estimator an Analyzer is given: it answers with what was computed ahead for
    the frame being analysed. A frame that was not foreseen is computed on the spot and
    counted in `misses`: slower, never different."""

    def __init__(self, pose: PoseEstimator) -> None:
        self.models = pose
        self.version = pose.version
        self.current: _Ahead | None = None
        self.misses = 0

    def infer(self, image_bgr: np.ndarray) -> PoseBatch:
        ahead = self.current
        if ahead is None or ahead.pose is None or ahead.frame.image_bgr is not image_bgr:
            self.misses += 1
            return self.models.infer(image_bgr)
        return ahead.pose.result()


class Lookahead:
    """Runs the pose model for the frames ahead of an Analyzer on `workers` threads.

    Only frames the Analyzer is likely to analyse are foreseen: those that pass a motion gate
    of their own (`motion`; `watching` tells it whether the Analyzer watches someone who is
    down). `answers.models` must be thread-safe (a PosePool of `workers` estimators). At
    most `depth` frames wait for the Analyzer and `decode_depth` more are decoded ahead of
    them: memory stays small.
    """

    def __init__(
        self,
        answers: Answers,
        workers: int,
        depth: int,
        decode_depth: int,
        motion: MotionConfig,
        watching: Callable[[], bool],
    ) -> None:
        if workers < 1 or depth < 1:
            raise ValueError(f"workers and depth must be at least 1, got {workers}, {depth}")
        self.answers = answers
        self.workers = workers
        self.depth = depth
        self.decode_depth = decode_depth
        self.motion = motion
        self.watching = watching

    def frames(self, frames: Iterable[Frame]) -> Iterator[Frame]:
        """`frames` in order; while the consumer holds a frame, `answers` answers for it."""
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="lookahead")
        waiting: deque[_Ahead] = deque()
        gate = MotionGate(self.motion)
        try:
            with closing(prefetch(frames, self.decode_depth)) as decoded:
                for frame in decoded:
                    waiting.append(self._submit(pool, frame, gate))
                    if len(waiting) >= self.depth:
                        yield self._handed(waiting.popleft())
            while waiting:
                yield self._handed(waiting.popleft())
        finally:
            self.answers.current = None
            pool.shutdown(wait=True, cancel_futures=True)

    def _submit(self, pool: ThreadPoolExecutor, frame: Frame, gate: MotionGate) -> _Ahead:
        if not gate.should_analyse(frame.image_bgr, frame.pts_s, self.watching()):
            return _Ahead(frame, None)
        return _Ahead(frame, pool.submit(self.answers.models.infer, frame.image_bgr))

    def _handed(self, ahead: _Ahead) -> Frame:
        self.answers.current = ahead
        return ahead.frame

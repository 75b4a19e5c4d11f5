"""A few pose model instances shared by many cameras: memory grows with workers, not cameras."""

from __future__ import annotations

import queue
from collections.abc import Sequence

import numpy as np

from vision.pipeline import PoseEstimator
from vision.records import PoseBatch


class PosePool:
    """A thread-safe PoseEstimator over instances that are not: a caller borrows a free one.

    Sized to the number of analysis workers, a caller never waits for another.
    """

    def __init__(self, estimators: Sequence[PoseEstimator]) -> None:
        if not estimators:
            raise ValueError("a pose pool needs at least one estimator")
        self.version = estimators[0].version
        self.size = len(estimators)
        self._free: queue.SimpleQueue[PoseEstimator] = queue.SimpleQueue()
        for estimator in estimators:
            self._free.put(estimator)

    def infer(self, image_bgr: np.ndarray) -> PoseBatch:
        estimator = self._free.get()
        try:
            return estimator.infer(image_bgr)
        finally:
            self._free.put(estimator)

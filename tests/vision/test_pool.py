"""Pose pool: many callers share a few instances, never two on one instance at once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from vision.pool import PosePool
from vision.records import PoseBatch


class OneAtATime:
    """A pose seam that fails if two callers use it at once (as LiteRT interpreters would)."""

    version = "one-at-a-time"

    def __init__(self) -> None:
        self._busy = threading.Lock()
        self.calls = 0

    def infer(self, image_bgr: np.ndarray) -> PoseBatch:
        if not self._busy.acquire(blocking=False):
            raise RuntimeError("used by two threads at once")
        try:
            self.calls += 1
            time.sleep(0.005)
            return PoseBatch.empty()
        finally:
            self._busy.release()


@pytest.mark.parametrize("instances", [1, 2, 3])
def test_callers_share_instances_one_at_a_time(instances: int) -> None:
    estimators = [OneAtATime() for _ in range(instances)]
    pool = PosePool(estimators)
    image = np.zeros((8, 8, 3), np.uint8)
    with ThreadPoolExecutor(6) as callers:
        results = list(callers.map(lambda _: pool.infer(image), range(60)))
    assert all(len(batch) == 0 for batch in results)
    assert sum(e.calls for e in estimators) == 60
    assert pool.version == "one-at-a-time" and pool.size == instances


def test_an_empty_pool_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        PosePool([])

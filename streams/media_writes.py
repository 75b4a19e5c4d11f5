"""Snapshot and clip writes that fail (a full or read-only disk): logged once per cause, counted."""

from __future__ import annotations

import errno
import logging
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

MediaKind = Literal["snapshot", "clip"]


@dataclass(frozen=True, slots=True)
class MediaWriteState:
    """Whether media writes fail now: `cause` of the newest failure ("" while they work)."""

    failing: bool
    cause: str  # "ENOSPC: No space left on device"
    failures: int  # failed writes since writing last worked


WORKING = MediaWriteState(failing=False, cause="", failures=0)


def failure_cause(error: OSError) -> str:
    """`ENOSPC: No space left on device`; the exception's type where it has no errno."""
    name = errno.errorcode.get(error.errno or 0, type(error).__name__)
    return f"{name}: {error.strerror or error}"


class MediaWriteHealth:
    """What every camera's clip recorder reports its writes to; thread-safe.

    A failure is logged once per cause while writes keep failing (not once per frame or
    event), the first success after failures once; `state()` and `failure_counts()` are for
    health pages and /metrics.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = WORKING
        self._logged: set[str] = set()
        self._counts: Counter[tuple[str, str]] = Counter()

    def state(self) -> MediaWriteState:
        return self._state

    def failure_counts(self) -> dict[tuple[str, str], int]:
        """Failed writes since start by (kind, errno name): ("clip", "ENOSPC") -> 3."""
        with self._lock:
            return dict(self._counts)

    def failed(self, kind: MediaKind, path: Path, error: OSError) -> None:
        cause = failure_cause(error)
        with self._lock:
            self._counts[kind, cause.split(":", 1)[0]] += 1
            self._state = MediaWriteState(True, cause, self._state.failures + 1)
            first = cause not in self._logged
            self._logged.add(cause)
        if first:
            log.warning(
                "media writes failing (%s): %s %s not written; events are still raised and "
                "stored without it; further failures of this cause are counted, not logged",
                cause,
                kind,
                path,
            )

    def succeeded(self, kind: MediaKind) -> None:
        if not self._state.failing:
            return
        with self._lock:
            was, self._state = self._state, WORKING
            self._logged.clear()
        if was.failing:
            log.info("media writes work again (%s written) after %d failed", kind, was.failures)

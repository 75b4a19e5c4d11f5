"""Event latency: from the capture of the frame that emitted an event to its row written."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from supervision.writer.writes import EventWrite, Write
from vision.events import SafetyEvent

MAX_PENDING = 10_000  # emissions never written (a dead database) are forgotten past this


@dataclass(frozen=True, slots=True)
class EventLatency:
    """Frame capture (the frame whose analysis emitted the event) -> the event's row written."""

    camera_id: str
    events_written: int
    p50_s: float | None
    p95_s: float | None
    max_s: float | None
    samples_s: tuple[float, ...]


def _identity(event: SafetyEvent) -> tuple[str, float | None, int]:
    """One emission of an event: its start, each escalation and its end differ."""
    return event.key, event.end_s, event.level


class EventLatencyMeter:
    """Pairs each emitted event with its write; thread-safe (analysis and writer threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, float | None, int], float] = {}
        self._samples: dict[str, list[float]] = {}

    def emitted(self, event: SafetyEvent, captured_at: float) -> None:
        with self._lock:
            if len(self._pending) >= MAX_PENDING:
                self._pending.pop(next(iter(self._pending)))
            self._pending[_identity(event)] = captured_at

    def written(self, write: Write, _event_id: int) -> None:
        """A StoreSink `on_written` listener."""
        if not isinstance(write, EventWrite):
            return
        now = time.time()
        with self._lock:
            captured_at = self._pending.pop(_identity(write.event), None)
            if captured_at is not None:
                samples = self._samples.setdefault(write.event.camera_id, [])
                samples.append(max(0.0, now - captured_at))

    def latencies(self) -> list[EventLatency]:
        with self._lock:
            return [_summary(camera, list(s)) for camera, s in self._samples.items()]


def _summary(camera_id: str, samples_s: list[float]) -> EventLatency:
    p50, p95 = (float(v) for v in np.percentile(samples_s, [50, 95]))
    return EventLatency(camera_id, len(samples_s), p50, p95, max(samples_s), tuple(samples_s))

"""One event per lasting condition: hold time to start, a clear spell to end, then a cooldown."""

from __future__ import annotations

from dataclasses import dataclass, replace

from vision.events import Category, EventType, Severity, new_event_key


@dataclass(frozen=True, slots=True)
class RuleSignal:
    """An event of a rule starting (end_s None) or ending; the same key for both."""

    type: EventType
    severity: Severity
    start_s: float
    end_s: float | None
    confidence: float
    key: str
    zone_id: str | None = None
    track_id: int | None = None
    category: Category | None = None


@dataclass(frozen=True, slots=True)
class Timing:
    """How long a condition must hold to open, be clear to close, and rest before reopening."""

    open_after_s: float
    close_after_s: float
    cooldown_s: float = 0.0
    gap_s: float = 2.0  # before it opens, a pause longer than this restarts the hold


@dataclass(frozen=True, slots=True)
class Watch:
    """What a condition's events are: their type, severity and the zone or person watched."""

    type: EventType
    severity: Severity
    zone_id: str | None = None
    track_id: int | None = None
    category: Category | None = None


class Condition:
    """Turns a per-frame truth into one event: opens after it held, ends after it cleared."""

    def __init__(self, watch: Watch, timing: Timing) -> None:
        self.watch = watch
        self.timing = timing
        self._first_true_s: float | None = None
        self._last_true_s: float | None = None
        self._peak_confidence = 0.0
        self._open: RuleSignal | None = None
        self._rest_until_s = float("-inf")

    @property
    def is_open(self) -> bool:
        return self._open is not None

    def update(self, active: bool, pts_s: float, confidence: float = 1.0) -> RuleSignal | None:
        """Feed one observation; returns the event's start or end when either happens."""
        if active:
            self._observe(pts_s, confidence)
        if self._open is None:
            return self._maybe_open(pts_s) if active else None
        if active or self._last_true_s is None:
            return None
        return self.close() if pts_s - self._last_true_s >= self.timing.close_after_s else None

    def close(self) -> RuleSignal | None:
        """End the open event now (at the last time it held); None if none was open."""
        opened, self._open, self._first_true_s = self._open, None, None
        if opened is None or self._last_true_s is None:
            return None
        self._rest_until_s = self._last_true_s + self.timing.cooldown_s
        return replace(opened, end_s=max(self._last_true_s, opened.start_s))

    def _observe(self, pts_s: float, confidence: float) -> None:
        last = self._last_true_s
        if self._first_true_s is None or last is None or pts_s - last > self.timing.gap_s:
            self._first_true_s = pts_s
            self._peak_confidence = 0.0
        self._last_true_s = pts_s
        self._peak_confidence = max(self._peak_confidence, confidence)

    def _maybe_open(self, pts_s: float) -> RuleSignal | None:
        assert self._first_true_s is not None
        held_s = pts_s - self._first_true_s
        if held_s < self.timing.open_after_s or pts_s < self._rest_until_s:
            return None
        w = self.watch
        self._open = RuleSignal(
            w.type, w.severity, self._first_true_s, None, self._peak_confidence,
            new_event_key(), w.zone_id, w.track_id, w.category,
        )  # fmt: skip
        return self._open


def instant(watch: Watch, pts_s: float, confidence: float = 1.0) -> RuleSignal:
    """An event that happens at one moment (a line crossed): it starts and ends at once."""
    w = watch
    return RuleSignal(
        w.type, w.severity, pts_s, pts_s, confidence, new_event_key(),
        w.zone_id, w.track_id, w.category,
    )  # fmt: skip

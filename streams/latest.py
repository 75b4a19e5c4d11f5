"""Latest-frame hand-off: the reader overwrites one slot, the consumer takes the newest."""

from __future__ import annotations

import threading
import time

from streams.frame import Frame


class LatestFrameSlot:
    """A single-frame slot between one writer and its consumers.

    `put()` never waits for a reader: it replaces the held frame, and a replaced frame that
    nobody took is counted in `dropped`. `get()` waits for a frame newer than the last one
    taken; `peek()` looks at the newest frame without taking it (for the live view).
    """

    def __init__(self) -> None:
        self._changed = threading.Condition(threading.Lock())
        self._frame: Frame | None = None
        self._taken = True
        self._dropped = 0
        self._closed = False
        self._new_since_mono = 0.0

    @property
    def dropped(self) -> int:
        return self._dropped

    def put(self, frame: Frame) -> None:
        with self._changed:
            if not self._taken:
                self._dropped += 1
            else:
                self._new_since_mono = time.monotonic()
            self._frame, self._taken = frame, False
            self._changed.notify_all()

    @property
    def has_new(self) -> bool:
        """True when a frame is waiting that nobody has taken yet."""
        with self._changed:
            return not self._taken

    @property
    def new_since_mono(self) -> float:
        """When (time.monotonic) the slot last went from taken to holding a new frame."""
        with self._changed:
            return self._new_since_mono

    def get(self, timeout_s: float | None = None) -> Frame | None:
        """The newest frame not yet taken, or None after `timeout_s` or once closed."""
        with self._changed:
            self._changed.wait_for(lambda: not self._taken or self._closed, timeout_s)
            if self._taken:
                return None
            self._taken = True
            return self._frame

    def peek(self) -> Frame | None:
        with self._changed:
            return self._frame

    def close(self) -> None:
        """Wakes every waiting `get()`; later `get()` calls return at once."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

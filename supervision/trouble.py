"""Failures of repeated background work, logged once per streak, in one line each."""

from __future__ import annotations

import logging
import threading


def first_line(error: BaseException) -> str:
    """The error's first line, without SQLAlchemy's "(Background on this error …)" link."""
    text = str(error).strip()
    first = text.splitlines()[0] if text else type(error).__name__
    return first.split(" (Background on this error")[0].strip()


class TroubleLog:
    """One warning when a repeated task starts failing, one line when it works again; the
    failures between go to debug (a dead database must not flood the log every second)."""

    def __init__(self, logger: logging.Logger, what: str) -> None:
        self._log = logger
        self._what = what
        self._lock = threading.Lock()
        self._failures = 0

    def failed(self, error: BaseException) -> None:
        with self._lock:
            self._failures += 1
            first = self._failures == 1
        if first:
            self._log.warning("%s failed: %s", self._what, first_line(error))
        else:
            self._log.debug("%s failed again: %s", self._what, first_line(error))

    def worked(self) -> None:
        with self._lock:
            failures, self._failures = self._failures, 0
        if failures:
            self._log.warning("%s works again after %d failure(s)", self._what, failures)

"""Calls run on a thread of their own and given up after a deadline (a hung database)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

T = TypeVar("T")


class DeadlineCaller:
    """Runs one call at a time on a daemon thread; the caller waits at most `timeout_s`.

    A call past its deadline keeps running (nothing can interrupt a blocked driver); until it
    returns, further calls fail at once instead of queueing behind it. The thread is a daemon,
    so one stuck in a hung server does not hold up the process's exit.
    """

    def __init__(self, timeout_s: float, name: str, callee: str) -> None:
        if timeout_s <= 0:
            raise ValueError("need timeout_s > 0")
        self.timeout_s = timeout_s
        self._name = name
        self._callee = callee  # for the errors: "the database did not answer …"
        self._calls: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]] | None] = (
            queue.SimpleQueue()
        )
        self._stuck: Future[Any] | None = None

    def start(self) -> None:
        threading.Thread(target=self._run, name=self._name, daemon=True).start()

    def stop(self) -> None:
        self._calls.put(None)

    def call(self, function: Callable[[], T]) -> T:
        """`function()`'s result or exception; TimeoutError past the deadline."""
        if self._stuck is not None and not self._stuck.done():
            raise TimeoutError(f"{self._callee} has not answered an earlier call yet")
        future: Future[T] = Future()
        self._calls.put((function, future))
        try:
            return future.result(timeout=self.timeout_s)
        except FutureTimeout:
            self._stuck = future
            raise TimeoutError(
                f"{self._callee} did not answer within {self.timeout_s:g} s"
            ) from None

    def _run(self) -> None:
        while (call := self._calls.get()) is not None:
            function, future = call
            try:
                future.set_result(function())
            except BaseException as error:  # handed to the waiting caller
                future.set_exception(error)

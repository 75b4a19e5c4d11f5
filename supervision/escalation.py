"""Escalates events nobody acknowledged in time, on a background thread of the service."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from supervision.config import EscalationConfig
from supervision.records import EventView
from supervision.store import EventStore

log = logging.getLogger(__name__)


class Escalator:
    """Every `check_every_s`, raises overdue events and hands each raised one to `on_raise`."""

    def __init__(
        self,
        store: EventStore,
        config: EscalationConfig,
        on_raise: Callable[[EventView], None] | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.on_raise = on_raise
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="escalator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def check(self) -> list[EventView]:
        """One pass; a database error is logged and retried on the next pass."""
        try:
            raised = self.store.escalate_overdue(
                self.config.street_after_s, self.config.district_after_s
            )
        except Exception as error:  # the database may be busy or away; try again later
            log.warning("escalation check failed: %s", error)
            return []
        for view in raised:
            log.warning("event %d (%s) escalated to the %s", view.id, view.type, view.escalated_to)
            if self.on_raise is not None:
                self.on_raise(view)
        return raised

    def _run(self) -> None:
        while not self._stop.wait(self.config.check_every_s):
            self.check()

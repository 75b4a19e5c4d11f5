"""Escalates events nobody acknowledged in time, and overdue hazards, on a background thread."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from supervision.config import EscalationConfig, InspectionConfig
from supervision.events.overdue import escalate_overdue, remind_unacknowledged
from supervision.events.store import EventStore
from supervision.events.views import EventView
from supervision.inspections.hazards import HazardView, escalate_overdue_hazards
from supervision.tables import utc_now
from supervision.trouble import TroubleLog

log = logging.getLogger(__name__)


class Escalator:
    """Every `check_every_s`, reminds the phone groups of incidents nobody acknowledged, raises
    overdue ones and hands each raised event to `on_raise`."""

    def __init__(
        self,
        store: EventStore,
        config: EscalationConfig,
        on_raise: Callable[[EventView], None] | None = None,
        inspection: InspectionConfig | None = None,
        remind_after_s: float = 0.0,
        lease: Callable[[], bool] = lambda: True,
    ) -> None:
        self.store = store
        # True while this process escalates for its database (one process of those sharing it).
        self.lease = lease
        self.config = config
        self.on_raise = on_raise
        # Phone groups are reminded of incidents nobody acknowledged this long (0: never).
        self.remind_after_s = remind_after_s
        # With it, overdue hazards are raised too, every `inspection.check_every_s`.
        self.inspection = inspection
        self._stop = threading.Event()
        self._incident_trouble = TroubleLog(log, "escalation check")
        self._hazard_trouble = TroubleLog(log, "hazard escalation check")
        self._thread: threading.Thread | None = None
        self._hazards_checked_at: float | None = None  # time.monotonic() of the last pass

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
        if not self.lease():
            return []
        routing, config = self.store.push_routing, self.config
        try:
            with self.store.write_session() as session:
                remind_unacknowledged(session, routing, self.remind_after_s)
            with self.store.write_session() as session:
                raised = escalate_overdue(
                    session, routing, config.street_after_s, config.district_after_s
                )
        except Exception as error:  # the database may be busy or away; try again later
            self._incident_trouble.failed(error)
            return []
        self._incident_trouble.worked()
        for view in raised:
            log.warning("event %d (%s) escalated to the %s", view.id, view.type, view.escalated_to)
            if self.on_raise is not None:
                self.on_raise(view)
        return raised

    def check_hazards(self, now: datetime | None = None) -> list[HazardView]:
        """One pass over overdue hazards; a database error is logged and retried later."""
        if self.inspection is None or not self.lease():
            return []
        district_after_s = self.inspection.district_after_overdue_days * 86400
        try:
            with self.store.sessions.begin() as session:
                raised = escalate_overdue_hazards(
                    session, now or utc_now(), district_after_overdue_s=district_after_s
                )
        except Exception as error:  # the database may be busy or away; try again later
            self._hazard_trouble.failed(error)
            return []
        self._hazard_trouble.worked()
        for view in raised:
            log.warning(
                "hazard %d (%s) escalated to the %s", view.id, view.grade, view.escalated_to
            )
        return raised

    def _run(self) -> None:
        while not self._stop.wait(self.config.check_every_s):
            self.check()
            if self._hazards_due():
                self.check_hazards()

    def _hazards_due(self) -> bool:
        if self.inspection is None:
            return False
        last = self._hazards_checked_at
        if last is not None and time.monotonic() - last < self.inspection.check_every_s:
            return False
        self._hazards_checked_at = time.monotonic()
        return True

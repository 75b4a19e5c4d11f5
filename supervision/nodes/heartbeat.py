"""A node's heartbeat on a thread of its own, and the watch over the other nodes' silence."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from supervision.config import NodeConfig
from supervision.nodes.registry import beat, database_now, mark_silent
from supervision.tables import utc_now
from supervision.trouble import TroubleLog

log = logging.getLogger(__name__)
CLOCK_OFF_MAX_S = 5.0  # a machine clock further off the database server's is reported


class Heartbeat:
    """Every `heartbeat_s`: this node says it is alive; the node holding the watch lease marks
    silent nodes and their cameras offline. A database error is logged and retried."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        config: NodeConfig,
        version: str,
        watch_lease: Callable[[], bool] = lambda: True,
    ) -> None:
        self.config = config
        self._sessions = sessions
        self._version = version
        self._watch_lease = watch_lease
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._trouble = TroubleLog(log, f"heartbeat of node {config.id}")
        self._clock_off = False  # said that the clock is far off, and not since said otherwise

    def start(self) -> None:
        self.check()  # the node is known from its start
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def check(self) -> list[str]:
        """One beat, and one look for silent nodes; the ids of those found silent now."""
        try:
            with self._sessions.begin() as session:
                now = database_now(session)
                beat(session, self.config.id, self._version, now)
            self._check_clock(now)
            silent: list[str] = []
            if self._watch_lease():
                with self._sessions.begin() as session:
                    silent = mark_silent(session, now, self.config.silent_after_s)
        except Exception as error:  # the database may be busy or away; try again later
            self._trouble.failed(error)
            return []
        self._trouble.worked()
        for node_id in silent:
            log.warning("node %s is silent: its cameras count as offline", node_id)
        return silent

    def _check_clock(self, server_now: datetime) -> None:
        """Say once, in one line, when this machine's clock is far off the database's: event
        times come from this clock."""
        off_s = (utc_now() - server_now).total_seconds()
        far = abs(off_s) > CLOCK_OFF_MAX_S
        if far and not self._clock_off:
            log.warning(
                "node %s: this machine's clock is %+.0f s off the database server's; event "
                "times will be off by as much (set up NTP)",
                *(self.config.id, off_s),
            )
        elif self._clock_off and not far:
            log.info("node %s: clock agrees with the database server's again", self.config.id)
        self._clock_off = far

    def _run(self) -> None:
        while not self._stop.wait(self.config.heartbeat_s):
            self.check()

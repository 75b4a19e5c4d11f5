"""Publishes event changes to other systems: one thread and one durable cursor per target."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from supervision.config import PublishConfig, RetryConfig
from supervision.events.changes import changes_since, latest_change, open_cursor, save_cursor
from supervision.events.store import EventStore
from supervision.publish.messages import Message, build_messages
from supervision.publish.targets import MqttTarget, Target, WebhookTarget

log = logging.getLogger(__name__)


class PublisherState(StrEnum):
    STOPPED = "stopped"
    RUNNING = "running"


class TargetState(StrEnum):
    STOPPED = "stopped"
    IDLE = "idle"  # everything up to the cursor is delivered; waiting for changes
    SENDING = "sending"
    RETRYING = "retrying"  # the target refused or could not be reached; backing off
    STANDBY = "standby"  # another process on this database publishes (it holds the lease)


@dataclass(frozen=True, slots=True)
class TargetStatus:
    name: str
    state: TargetState
    revision: int  # last revision the target accepted
    sent: int  # messages accepted since start
    failures: int  # failed attempts since start
    last_error: str | None


def backoff_s(attempt: int, retry: RetryConfig) -> float:
    """Wait before retry number `attempt` (1, 2, ...): doubling from the first, up to the max."""
    if attempt < 1:
        raise ValueError(f"attempt must be >= 1, got {attempt}")
    return min(retry.first_delay_s * 2 ** min(attempt - 1, 32), retry.max_delay_s)


def build_targets(config: PublishConfig) -> list[Target]:
    targets: list[Target] = [WebhookTarget(webhook) for webhook in config.webhooks]
    if config.mqtt is not None:
        targets.append(MqttTarget(config.mqtt))
    return targets


class Publisher:
    """Follows the change journal and delivers every change to every target, in order.

    A target's cursor moves only after it accepted a message, and lives in the database, so a
    target that is down, or a restart, loses nothing; a message may arrive twice (after a
    crash between acceptance and saving the cursor), so receivers dedupe by its id. Each
    target has its own thread and backoff: a dead one never holds up the others.
    """

    def __init__(
        self,
        store: EventStore,
        config: PublishConfig,
        targets: Sequence[Target] | None = None,
        lease: Callable[[], bool] = lambda: True,
    ) -> None:
        self.config = config
        self.targets = list(build_targets(config) if targets is None else targets)
        self._workers = [_Worker(store, config, target, lease) for target in self.targets]
        self.state = PublisherState.STOPPED

    def start(self) -> None:
        """Open each target's cursor now (a new target starts at the latest change), then send."""
        for worker in self._workers:
            worker.start()
        self.state = PublisherState.RUNNING

    def stop(self) -> None:
        for worker in self._workers:
            worker.signal_stop()
        for worker in self._workers:
            worker.join()
        for target in self.targets:
            target.close()
        self.state = PublisherState.STOPPED

    def status(self) -> list[TargetStatus]:
        return [worker.status() for worker in self._workers]

    def wake(self) -> None:
        """Look for changes now, not at the next poll (a write was committed)."""
        for worker in self._workers:
            worker.wake()


class _Worker:
    """Delivers to one target: read changes after the cursor, send each until accepted."""

    def __init__(
        self, store: EventStore, config: PublishConfig, target: Target, lease: Callable[[], bool]
    ) -> None:
        self._sessions = store.sessions
        self._config = config
        self._target = target
        self._lease = lease  # True while this process is the one that publishes
        self._cursor_open = False
        self._stop = threading.Event()
        self._wake = threading.Event()  # set by a commit, or by the stop
        self._thread: threading.Thread | None = None
        self._state = TargetState.STOPPED
        self._revision = 0
        self._sent = 0
        self._failures = 0
        self._last_error: str | None = None

    def start(self) -> None:
        if self._lease():
            self._open_cursor()
        self._stop.clear()
        self._state = TargetState.IDLE
        name = f"publish-{self._target.name}"
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def signal_stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._state = TargetState.STOPPED

    def status(self) -> TargetStatus:
        return TargetStatus(
            self._target.name,
            self._state,
            self._revision,
            self._sent,
            self._failures,
            self._last_error,
        )

    def _open_cursor(self) -> None:
        """Read the target's cursor (where another process may have left it)."""
        self._revision = open_cursor(self._sessions, self._target.name)
        self._cursor_open = True

    def _leased(self) -> bool:
        """Whether this process publishes now; False leaves the state at STANDBY."""
        if not self._lease():
            self._state, self._cursor_open = TargetState.STANDBY, False
            return False
        if not self._cursor_open:
            try:
                self._open_cursor()
            except Exception as error:  # the database may be busy or away; try again later
                log.warning("%s: cannot read the cursor: %s", self._target.name, error)
                return False
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._leased():
                self._stop.wait(self._config.poll_s)
                continue
            self._wake.clear()  # a commit from now on is read by the next pass
            batch, through = self._read()
            for message in batch:
                if not self._deliver(message):
                    return
                self._advance(message.revision)
            if through > self._revision:  # changes the target does not take, passed over
                self._advance(through)
            if not batch:
                self._state = TargetState.IDLE
                self._wake.wait(self._config.poll_s)

    def _read(self) -> tuple[list[Message], int]:
        """The target's next messages, and the revision read up to: the cursor moves there
        once they are delivered."""
        limit = self._config.batch
        try:
            if not self._target.local_only:
                changes = changes_since(self._sessions, self._revision, limit)
                return build_messages(changes), changes[-1].revision if changes else 0
            latest = latest_change(self._sessions)  # first: what commits later is read next
            changes = changes_since(self._sessions, self._revision, limit, True, latest)
        except Exception as error:  # the database may be busy or away; try again later
            log.warning("%s: cannot read changes: %s", self._target.name, error)
            return [], 0
        through = latest if len(changes) < limit else changes[-1].revision
        return build_messages(changes), through

    def _deliver(self, message: Message) -> bool:
        """Send until accepted (True) or stopped (False)."""
        attempt = 0
        while not self._stop.is_set():
            self._state = TargetState.SENDING if attempt == 0 else TargetState.RETRYING
            try:
                self._target.send(message)
            except Exception as error:  # any failure: back off and send the same message again
                attempt += 1
                self._last_error = str(error)
                self._state = TargetState.RETRYING
                self._failures += 1  # last: whoever sees the count sees the error too
                delay_s = backoff_s(attempt, self._config.retry)
                log.warning(
                    "%s: message %s not accepted (%s); retry in %.1f s",
                    *(self._target.name, message.id, error, delay_s),
                )
                self._stop.wait(delay_s)
                continue
            self._sent += 1
            return True
        return False

    def _advance(self, revision: int) -> None:
        self._revision = revision
        try:
            save_cursor(self._sessions, self._target.name, revision)
        except Exception as error:  # kept in memory; the next save catches up
            log.warning("%s: cursor not saved: %s", self._target.name, error)

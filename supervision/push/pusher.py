"""Sends the pushes owed (events.push_routing) to the phone groups: one thread per group.

Each group's thread takes its due deliveries oldest first, keeps within the robot's rate,
and marks each sent, or retried with backoff, or given up after `GIVE_UP_AFTER_S` (a push
that late no longer helps anyone; the dashboard shows it). A reminder whose incident was
acknowledged meanwhile is not sent. Any committed event write wakes the threads, so a new
incident's push leaves within a poll of it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, cast
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from supervision.events.from_rows import incident_view
from supervision.events.incidents import unacknowledged_since
from supervision.events.push_routing import GAVE_UP, PENDING, SENT
from supervision.publish.publisher import backoff_s
from supervision.push.config import PushConfig, PushGroupConfig
from supervision.push.links import LinkSigner
from supervision.push.notice import NoticeKind, PushNotice
from supervision.push.ratelimit import RateLimiter
from supervision.push.robots import PushError, Robot, build_robot
from supervision.tables import Camera, Facility, Incident, PushDelivery, utc_now
from supervision.trouble import TroubleLog

log = logging.getLogger(__name__)
GIVE_UP_AFTER_S = 3600.0
BATCH = 20


@dataclass(frozen=True, slots=True)
class GroupStatus:
    name: str
    sent: int  # since start
    failures: int  # failed attempts since start
    last_error: str | None


def local_time_text(moment: datetime, zone_name: str) -> str:
    """ "2026-12-07 16:11:13 (UTC+08:00)": the facility's time, with its offset."""
    local = moment.astimezone(ZoneInfo(zone_name))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} (UTC{offset[:3]}:{offset[3:]})"


class Pusher:
    """Delivers every owed push to its group; a dead robot never holds up the others."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        config: PushConfig,
        signer: LinkSigner,
        robots: Mapping[str, Robot] | None = None,
        lease: Callable[[], bool] = lambda: True,
    ) -> None:
        self.config = config
        groups = {group.name: group for group in config.groups}
        robots = robots or {name: build_robot(group) for name, group in groups.items()}
        self._workers = [
            _GroupWorker(sessions, config, groups[name], robot, signer, lease)
            for name, robot in robots.items()
        ]

    def start(self) -> None:
        for worker in self._workers:
            worker.start()

    def wake(self) -> None:
        """Look for work now (called after each committed event write)."""
        for worker in self._workers:
            worker.wake.set()

    def stop(self) -> None:
        for worker in self._workers:
            worker.stop()

    def status(self) -> list[GroupStatus]:
        return [worker.status() for worker in self._workers]


class _GroupWorker:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        config: PushConfig,
        group: PushGroupConfig,
        robot: Robot,
        signer: LinkSigner,
        lease: Callable[[], bool],
    ) -> None:
        self._sessions = sessions
        self._lease = lease  # True while this process pushes for its database
        self._config = config
        self._group = group
        self._robot = robot
        self._signer = signer
        self._limiter = RateLimiter.for_group(group)
        self.wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._sent = 0
        self._failures = 0
        self._last_error: str | None = None
        self._read_trouble = TroubleLog(log, f"push {group.name}: reading deliveries")

    def start(self) -> None:
        self._stopping.clear()
        name = f"push-{self._group.name}"
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._robot.close()

    def status(self) -> GroupStatus:
        return GroupStatus(self._group.name, self._sent, self._failures, self._last_error)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self.wake.clear()
            if not self._lease():  # another process on this database pushes
                self.wake.wait(self._config.poll_s)
                continue
            try:
                due = self._due()
            except Exception as error:  # the database may be busy or away; try again later
                self._read_trouble.failed(error)
                due = []
            else:
                self._read_trouble.worked()
            for delivery_id in due:
                if self._stopping.is_set() or not self._pace():
                    return
                self._deliver(delivery_id)
            if not due:
                self.wake.wait(self._config.poll_s)

    def _pace(self) -> bool:
        """Wait until the robot's rate allows a message; False when stopping."""
        while (wait_s := self._limiter.wait_s()) > 0:
            if self._stopping.wait(wait_s):
                return False
        return True

    def _due(self) -> list[int]:
        query = (
            select(PushDelivery.id)
            .where(PushDelivery.group_name == self._group.name)
            .where(PushDelivery.status == PENDING, PushDelivery.due_at <= utc_now())
            .order_by(PushDelivery.created_at, PushDelivery.id)
            .limit(BATCH)
        )
        with self._sessions() as session:
            return list(session.scalars(query))

    def _deliver(self, delivery_id: int) -> None:
        try:
            notice = self._notice(delivery_id)
        except Exception as error:  # the database may be busy or away; try again later
            log.warning(
                "push %s: cannot read delivery %d: %s", self._group.name, delivery_id, error
            )
            return
        if notice is None:
            return
        self._limiter.taken()
        try:
            self._robot.send(notice)
        except PushError as error:
            self._failed(delivery_id, str(error))
            return
        self._sent += 1
        self._mark(delivery_id, status=SENT, sent_at=utc_now())

    def _notice(self, delivery_id: int) -> PushNotice | None:
        with self._sessions.begin() as session:
            delivery = session.get(PushDelivery, delivery_id)
            if delivery is None or delivery.status != PENDING:
                return None
            incident = session.get(
                Incident,
                delivery.incident_id,
                options=[selectinload(Incident.events), selectinload(Incident.pushes)],
            )
            if incident is None:
                return None
            if delivery.kind == "reminder" and unacknowledged_since(incident) is None:
                delivery.status = GAVE_UP
                delivery.last_error = "acknowledged before the reminder went out"
                return None
            return self._build(session, delivery, incident)

    def _build(self, session: Session, delivery: PushDelivery, incident: Incident) -> PushNotice:
        facility = session.get(Facility, incident.facility_id)
        camera = session.get(Camera, incident.camera_id)
        zone = facility.timezone if facility else "UTC"
        waiting = unacknowledged_since(incident)
        kind = cast(NoticeKind, delivery.kind)
        base = self._config.public_base_url or ""
        view = incident_view(incident)
        return PushNotice(
            incident_id=incident.id,
            kind=kind,
            event_types=view.event_types,
            fall_count=view.fall_count,
            severity=view.severity,
            facility_name=facility.name if facility else incident.facility_id,
            camera_name=camera.name if camera else incident.camera_id,
            opened_at_text=local_time_text(incident.opened_at, zone),
            link_url=f"{base}/#/incidents/{incident.id}",
            snapshot_url=self._snapshot_url(base, incident),
            escalated_to=_level(incident.escalated_to) if kind == "escalation" else None,
            unacknowledged_s=None if kind == "new" else _age_s(waiting or incident.opened_at),
        )

    def _snapshot_url(self, base: str, incident: Incident) -> str | None:
        if self._group.picture != "link":
            return None
        pictured = [event for event in incident.events if event.snapshot_path]
        if not pictured:
            return None
        expires_s = time.time() + self._config.link_ttl_s
        return f"{base}/api/push/snapshots/{self._signer.token(pictured[0].id, expires_s)}"

    def _failed(self, delivery_id: int, error: str) -> None:
        self._failures += 1
        self._last_error = error
        try:
            with self._sessions.begin() as session:
                delivery = session.get(PushDelivery, delivery_id)
                if delivery is None:
                    return
                delivery.attempts += 1
                delivery.last_error = error
                now = utc_now()
                if (now - delivery.created_at).total_seconds() > GIVE_UP_AFTER_S:
                    delivery.status = GAVE_UP
                else:
                    delay_s = backoff_s(delivery.attempts, self._config.retry)
                    delivery.due_at = now + timedelta(seconds=delay_s)
                attempts = delivery.attempts
        except Exception as db_error:  # kept pending; the next look retries it
            log.warning("push %s: cannot record a failure: %s", self._group.name, db_error)
            return
        log.warning(
            "push %s: incident push %d not accepted (attempt %d): %s",
            *(self._group.name, delivery_id, attempts, error),
        )

    def _mark(self, delivery_id: int, **values: object) -> None:
        try:
            with self._sessions.begin() as session:
                delivery = session.get(PushDelivery, delivery_id)
                if delivery is not None:
                    for name, value in values.items():
                        setattr(delivery, name, value)
        except Exception as error:  # sent, but not recorded: it may go out twice
            log.warning(
                "push %s: cannot record delivery %d: %s", self._group.name, delivery_id, error
            )


def _level(escalated_to: str | None) -> Literal["street", "district"] | None:
    return "district" if escalated_to == "district" else "street" if escalated_to else None


def _age_s(moment: datetime) -> float:
    return max((datetime.now(UTC) - moment).total_seconds(), 0.0)

"""Simulated district sites for `carewatch bench-district`: each a site's own SQLite database,
publisher, uplink and beat (the code a real site runs), fed events at a stated rate."""

from __future__ import annotations

import heapq
import logging
import multiprocessing
import random
import time
import zlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

from supervision.config import DatabaseConfig, PublishConfig
from supervision.db import create_engine_for, migrate, session_factory
from supervision.district.config import DistrictLinkConfig
from supervision.district.uplink import SiteBeat, SiteUplink
from supervision.events.incidents import transition_event
from supervision.events.store import EventStore
from supervision.events.views import (
    CameraRecord,
    FacilityRecord,
    FamilyNotice,
    TransitionAction,
)
from supervision.events.workflow import latest_revision
from supervision.publish.publisher import Publisher
from vision.events import EventType, SafetyEvent, Severity

log = logging.getLogger(__name__)
HOUR_S = 3600.0
TYPES = (EventType.FALL, EventType.BED_EXIT, EventType.WANDERING, EventType.EXIT_BLOCKED)


@dataclass(frozen=True, slots=True)
class Rate:
    """The district's expected traffic, per camera and hour; `scale` multiplies it."""

    events: float  # each one new, then ended: 2 changes
    handled: float  # the share of events an officer acknowledges, then closes: 2 more changes
    health_changes: float  # a camera going offline or back (carried by the site's beat)
    beat_s: float  # a site's heartbeat period
    scale: float = 1.0

    def changes_per_camera_hour(self) -> float:
        return self.scale * self.events * (2 + 2 * self.handled)


@dataclass(frozen=True, slots=True)
class SiteSpec:
    node_id: str
    nats_url: str  # its leaf node
    cameras: int


class _Site:
    """One site: its store, publisher (woken by each commit, as `carewatch run` does) and beat."""

    def __init__(self, spec: SiteSpec, folder: Path, rate: Rate) -> None:
        engine = create_engine_for(DatabaseConfig(url=f"sqlite:///{folder / spec.node_id}.db"))
        migrate(engine)
        self.store = EventStore(session_factory(engine), node_id=spec.node_id)
        facility = f"home-{spec.node_id}"
        self.cameras = [f"{spec.node_id}-cam{n:02d}" for n in range(spec.cameras)]
        self.states = dict.fromkeys(self.cameras, ("online", facility))
        self.store.sync_topology(
            [FacilityRecord(id=facility, name=f"Home {spec.node_id}")],
            [CameraRecord(camera, facility, camera, "file") for camera in self.cameras],
        )
        link = DistrictLinkConfig(role="site", nats_url=spec.nats_url)
        uplink = SiteUplink(link, spec.node_id)
        self.publisher = Publisher(self.store, PublishConfig(poll_s=1.0), [uplink])
        self.store.on_change(self.publisher.wake)
        self.beat = SiteBeat(uplink, "bench", rate.beat_s / rate.scale, lambda: dict(self.states))

    def start(self) -> None:
        self.publisher.start()
        self.beat.start()

    def stop(self) -> None:
        self.beat.stop()
        self.publisher.stop()

    def published(self) -> bool:
        with self.store.sessions() as session:
            latest = latest_revision(session)
        return self.publisher.status()[0].revision >= latest


@dataclass(order=True)
class _Due:
    at: float  # epoch seconds
    order: int
    step: str = field(compare=False)  # end, acknowledge, resolve
    site: _Site = field(compare=False)
    event: SafetyEvent = field(compare=False)
    event_id: int = field(compare=False)


class _Workload:
    """Events at `rate` over the sites' cameras: each new, ended 5-30 s later, a share of them
    acknowledged and resolved by an officer; camera health flips now and then."""

    def __init__(self, sites: list[_Site], rate: Rate, seed: int) -> None:
        self._sites = sites
        self._rate = rate
        self._random = random.Random(seed)
        self._due: list[_Due] = []
        self._cameras = sum(len(site.cameras) for site in sites)
        self._order = 0  # ties in time are taken in the order they were made
        self.changes = 0

    def run_live(self, duration_s: float) -> None:
        """Real time: arrivals and health flips as Poisson processes, each step when due (and
        those not due yet at the end, then)."""
        per_s = self._rate.scale * self._rate.events * self._cameras / HOUR_S
        flips_per_s = self._rate.scale * self._rate.health_changes * self._cameras / HOUR_S
        end = time.time() + duration_s
        next_event = time.time() + self._random.expovariate(per_s)
        next_flip = time.time() + self._random.expovariate(flips_per_s)
        while (now := time.time()) < end:
            if next_event <= now:
                self._new(now)
                next_event += self._random.expovariate(per_s)
            if next_flip <= now:
                self._flip()
                next_flip += self._random.expovariate(flips_per_s)
            self._take_due(now)
            time.sleep(0.01)
        for due in sorted(self._due):  # at the end, what is still open is handled at once
            self._step(replace(due, at=time.time()))
        self._due.clear()

    def run_backlog(self, hours: float) -> None:
        """`hours` of traffic at its own times, written as fast as the sites take it."""
        total = round(self._rate.scale * self._rate.events * self._cameras * hours)
        span_s = hours * HOUR_S
        start = time.time() - span_s
        for n in range(total):
            at = start + n * span_s / total
            self._take_due(at)
            self._new(at)
        self._take_due(float("inf"))

    def _take_due(self, now: float) -> None:
        while self._due and self._due[0].at <= now:
            self._step(heapq.heappop(self._due))

    def _new(self, at: float) -> None:
        site = self._random.choice(self._sites)
        camera = self._random.choice(site.cameras)
        event_type = self._random.choice(TYPES)
        event = SafetyEvent(event_type, Severity.WARNING, camera, 0.0, None, at, 0.9)
        event_id = site.store.record_event(event)
        self.changes += 1
        ends = at + self._random.uniform(5.0, 30.0)
        steps = [("end", ends)]
        if self._random.random() < self._rate.handled:
            steps += [("acknowledge", ends + 10.0), ("resolve", ends + 60.0)]
        for step, step_at in steps:
            self._order += 1
            heapq.heappush(self._due, _Due(step_at, self._order, step, site, event, event_id))

    def _step(self, due: _Due) -> None:
        event, store = due.event, due.site.store
        if due.step == "end":
            end_s = due.at - event.started_at
            store.record_event(replace(event, end_s=end_s))
        else:
            moment = datetime.fromtimestamp(due.at, UTC)
            family = FamilyNotice(moment, "phone", "officer")
            action: TransitionAction = "acknowledge" if due.step == "acknowledge" else "resolve"
            with store.write_session() as session:
                transition_event(session, due.event_id, action, "officer", None, family, moment)
        self.changes += 1

    def _flip(self) -> None:
        site = self._random.choice(self._sites)
        camera = self._random.choice(site.cameras)
        state, facility = site.states[camera]
        site.states[camera] = ("offline" if state == "online" else "online", facility)


def serve(connection: Connection, specs: list[SiteSpec], folder: Path, rate: Rate) -> None:
    """A worker process: build the sites, then take commands ("live", seconds), ("backlog",
    hours), ("drain",) and ("stop",) and answer each with the changes written."""
    logging.basicConfig(level=logging.WARNING)
    sites = [_Site(spec, folder, rate) for spec in specs]
    for site in sites:
        site.start()
    workload = _Workload(sites, rate, seed=zlib.crc32(specs[0].node_id.encode()))
    connection.send(("ready", 0))
    while True:
        command, *args = connection.recv()
        workload.changes = 0
        if command == "live":
            workload.run_live(float(args[0]))
        elif command == "backlog":
            workload.run_backlog(float(args[0]))
        elif command == "drain":
            while not all(site.published() for site in sites):
                time.sleep(0.2)
        elif command == "stop":
            for site in sites:
                site.stop()
            connection.send(("stopped", 0))
            return
        connection.send((command, workload.changes))


def start_worker(
    specs: list[SiteSpec], folder: Path, rate: Rate
) -> tuple[multiprocessing.process.BaseProcess, Connection]:
    """A worker process on a fresh interpreter (spawn), with its pipe."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=serve, args=(child, specs, folder, rate), daemon=True)
    process.start()
    return process, parent

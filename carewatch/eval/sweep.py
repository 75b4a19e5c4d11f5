"""Threshold sweep over recorded perception: recall against false alarms, per threshold."""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from carewatch.eval.metrics import ORIGINAL, ClipOutcome, Detection, Summary, judge, summarize
from carewatch.eval.pose_cache import ModelVersions, replay_events
from carewatch.eval.runner import CAREWATCH, ClipPerception, Progress
from vision.config import FallThresholds, VisionConfig

log = logging.getLogger(__name__)

SWEPT = ("descent_drop_ratio", "confirm_s", "lying_aspect_min")
FACTORS = (0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 2.0)
# Raising any of these makes a fall harder to confirm; the sensitivity scale divides them all.
SENSITIVITY = "sensitivity"
SENSITIVITY_FIELDS = (
    "descent_drop_ratio",
    "descent_top_drop_ratio",
    "lying_aspect_min",
    "confirm_s",
)
SENSITIVITY_SCALES = (0.6, 0.75, 0.9, 1.0, 1.15, 1.3, 1.5)
CSV_COLUMNS = (
    "threshold",
    "value",
    "default",
    "recall",
    "falls_detected",
    "fall_clips",
    "adl_false_alarm_clips",
    "adl_clips",
    "adl_false_alarm_rate",
    "median_delay_s",
    "median_onset_delay_s",
    "opinion_misses",
)


@dataclass(frozen=True, slots=True)
class SweepPoint:
    """The totals with one threshold (or the sensitivity scale) set to `value`."""

    threshold: str
    value: float
    is_default: bool
    summary: Summary
    opinion_misses: int = 0  # second-opinion questions the recording has no answer for


@dataclass(frozen=True, slots=True)
class GridPoint:
    threshold: str
    value: float
    is_default: bool
    fall: FallThresholds


def _bounds(name: str) -> tuple[float, float]:
    low, high = float("-inf"), float("inf")
    for rule in FallThresholds.model_fields[name].metadata:
        low = max(low, float(getattr(rule, "ge", getattr(rule, "gt", low))))
        high = min(high, float(getattr(rule, "le", getattr(rule, "lt", high))))
    return low, high


def _with(fall: FallThresholds, updates: dict[str, float]) -> FallThresholds | None:
    bounded = {k: min(max(v, _bounds(k)[0]), _bounds(k)[1]) for k, v in updates.items()}
    try:
        return FallThresholds.model_validate({**fall.model_dump(), **bounded})
    except ValidationError as error:
        log.warning("sweep: skipping %s: %s", updates, str(error).splitlines()[0])
        return None


def grid(fall: FallThresholds) -> list[GridPoint]:
    """One threshold at a time around its configured value, then the joint sensitivity scale."""
    known = [name for name in SWEPT if name in FallThresholds.model_fields]
    points = [p for name in known for p in _one_threshold(fall, name)]
    joint = [name for name in SENSITIVITY_FIELDS if name in FallThresholds.model_fields]
    for scale in SENSITIVITY_SCALES if joint else ():
        changed = _with(fall, {name: getattr(fall, name) / scale for name in joint})
        if changed is not None:
            points.append(GridPoint(SENSITIVITY, scale, scale == 1.0, changed))
    return points


def _one_threshold(fall: FallThresholds, name: str) -> list[GridPoint]:
    default = float(getattr(fall, name))
    points: dict[float, GridPoint] = {}
    for factor in FACTORS:
        changed = _with(fall, {name: default * factor})
        if changed is not None:
            value = round(float(getattr(changed, name)), 4)
            points.setdefault(value, GridPoint(name, value, factor == 1.0, changed))
    return sorted(points.values(), key=lambda p: p.value)


def run_sweep(
    perceptions: Sequence[ClipPerception],
    vision: VisionConfig,
    versions: ModelVersions,
    progress: Progress | None = None,
) -> list[SweepPoint]:
    """Replays every clip's perception under each grid point (the models do not run)."""
    results: dict[str, tuple[Summary, int]] = {}
    points = []
    for point in grid(vision.fall):
        fingerprint = point.fall.model_dump_json()
        if fingerprint not in results:
            changed = vision.model_copy(update={"fall": point.fall})
            results[fingerprint] = _evaluate(perceptions, changed, versions)
        summary, misses = results[fingerprint]
        points.append(SweepPoint(point.threshold, point.value, point.is_default, summary, misses))
        if progress is not None:
            progress.step(f"{point.threshold}={point.value:g}")
    return points


def _evaluate(
    perceptions: Sequence[ClipPerception], vision: VisionConfig, versions: ModelVersions
) -> tuple[Summary, int]:
    outcomes, misses = [], 0
    for perception in perceptions:
        row = perception.row
        replayed = replay_events(perception.recording, perception.camera_id, vision, versions)
        detections = [Detection.from_event(e) for e in replayed.events]
        verdict = judge(row.label, detections, row.annotations)
        outcomes.append(ClipOutcome(row.clip, row.label, row.source, ORIGINAL, CAREWATCH, verdict))
        misses += replayed.opinion_misses
    return summarize(outcomes), misses


def csv_row(point: SweepPoint) -> dict[str, Any]:
    s = point.summary
    return {
        "threshold": point.threshold,
        "value": point.value,
        "default": int(point.is_default),
        "recall": _round(s.recall),
        "falls_detected": s.falls_detected,
        "fall_clips": s.fall_clips,
        "adl_false_alarm_clips": s.adl_false_alarms,
        "adl_clips": s.adl_clips,
        "adl_false_alarm_rate": _round(s.adl_false_alarm_rate),
        "median_delay_s": _round(s.floor_delay_median_s),
        "median_onset_delay_s": _round(s.onset_delay_median_s),
        "opinion_misses": point.opinion_misses,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def write_csv(points: Sequence[SweepPoint], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(csv_row(p) for p in points)


def write_plot(points: Sequence[SweepPoint], path: Path) -> None:
    """Recall against adl false-alarm rate, one line per threshold, the default marked."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 6))
    for name in dict.fromkeys(p.threshold for p in points):
        line = [p for p in points if p.threshold == name and _plottable(p)]
        xs = [100 * (p.summary.adl_false_alarm_rate or 0.0) for p in line]
        ys = [100 * (p.summary.recall or 0.0) for p in line]
        (drawn,) = axes.plot(xs, ys, marker="o", label=name, alpha=0.8)
        for p, x, y in zip(line, xs, ys, strict=True):
            axes.annotate(
                f"{p.value:g}",
                (x, y),
                fontsize=7,
                color=drawn.get_color(),
                xytext=(3, 3),
                textcoords="offset points",
            )
    _mark_default(axes, points)
    axes.set_xlabel("false-alarm clips among adl clips (%)")
    axes.set_ylabel("fall recall (%)")
    axes.set_title("carewatch threshold sweep (one threshold at a time; ★ = configured)")
    axes.set_xlim(left=-2)
    axes.set_ylim(-2, 102)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="lower right")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)


def _plottable(point: SweepPoint) -> bool:
    return point.summary.recall is not None and point.summary.adl_false_alarm_rate is not None


def _mark_default(axes: Any, points: Sequence[SweepPoint]) -> None:
    default = next((p for p in points if p.is_default and _plottable(p)), None)
    if default is not None:
        x = 100 * (default.summary.adl_false_alarm_rate or 0.0)
        y = 100 * (default.summary.recall or 0.0)
        axes.plot(
            [x],
            [y],
            marker="*",
            markersize=18,
            color="black",
            linestyle="none",
            label="configured",
            zorder=5,
        )

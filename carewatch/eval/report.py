"""The evaluation report: one JSON object, or tables for people."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from carewatch.eval.metrics import (
    ORIGINAL,
    ClipOutcome,
    Summary,
    group_by,
    recall_change_pts,
    summarize,
)
from carewatch.eval.runner import CAREWATCH, EvalRun
from carewatch.eval.sweep import SweepPoint, csv_row


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def row_dict(outcome: ClipOutcome) -> dict[str, Any]:
    fields = dataclasses.asdict(outcome)
    verdict = fields.pop("verdict") or {}
    status = "error" if outcome.error else "skipped" if outcome.skipped else "ok"
    return _rounded({**fields, "status": status, **verdict})


def _detector_block(outcomes: Sequence[ClipOutcome]) -> dict[str, Any]:
    original = [o for o in outcomes if o.variant == ORIGINAL]
    base = summarize(original)
    per_variant = {
        name: {**dataclasses.asdict(s), "recall_change_pts": recall_change_pts(s, base)}
        for name, s in group_by(outcomes, lambda o: o.variant).items()
    }
    return {
        "totals": _rounded(dataclasses.asdict(base)),
        "per_source": {
            k: _rounded(dataclasses.asdict(s))
            for k, s in group_by(original, lambda o: o.source).items()
        },
        "per_variant": {k: _rounded(v) for k, v in per_variant.items()},
        "per_variant_held_out": {
            k: _rounded(dataclasses.asdict(s))
            for k, s in group_by([o for o in outcomes if o.held_out], lambda o: o.variant).items()
        },
    }


def report_dict(
    run: EvalRun,
    meta: dict[str, Any],
    baseline: str | None,
    sweep: list[SweepPoint] | None = None,
    sweep_files: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Per-clip rows, carewatch totals per source and variant, the baseline's, the sweep."""
    carewatch = [o for o in run.outcomes if o.detector == CAREWATCH]
    other = [o for o in run.outcomes if o.detector == baseline]
    return {
        **meta,
        "estimator": run.versions.pose,
        "second_opinion": run.versions.opinion,
        "clips": [row_dict(o) for o in run.outcomes],
        **_detector_block(carewatch),
        "baseline": {"name": baseline, **_detector_block(other)} if baseline else None,
        "sweep": {**(sweep_files or {}), "points": [csv_row(p) for p in sweep]}
        if sweep is not None
        else None,
    }


# ---- text -------------------------------------------------------------------------------


def _pct(count: int | None, total: int) -> str:
    if count is None or not total:
        return "-"
    return f"{count}/{total} ({100 * count / total:.1f}%)"


def _seconds(median: float | None, p90: float | None) -> str:
    return "-" if median is None else f"median {median:.2f}s  p90 {p90 or 0:.2f}s"


def _speed(s: Summary) -> str:
    if s.speed_x is None:
        return "-"
    return f"{s.speed_x:.1f}x realtime, {s.analysed_fps or 0:.0f} fps analysed"


def _status(o: ClipOutcome | None) -> str:
    if o is None:
        return ""
    if o.error is not None:
        return "ERROR"
    if o.verdict is None:
        return "skipped"
    if o.verdict.detected is not None:
        return "hit" if o.verdict.detected else "MISS"
    return "FALSE ALARM" if o.verdict.false_alarm else "ok"


def _cell(o: ClipOutcome | None) -> str:
    if o is None:
        return ""
    v = o.verdict
    first = f"{v.first_alert_s:6.2f}" if v and v.first_alert_s is not None else "     -"
    falls = v.falls if v else 0
    cached = "c" if o.cached else " "
    return f"{_status(o):<11} {falls:>2} {first} {o.live_wall_s:6.1f}{cached}"


def clip_table(run: EvalRun, baseline: str | None) -> list[str]:
    names = [CAREWATCH] + ([baseline] if baseline else [])
    header = f"{'clip':<46} {'label':<8} {'variant':<8}"
    header += "".join(f" | {n + ': result':<11} {'n':>2} {'alert':>6} {'wall_s':>7}" for n in names)
    lines = [header, "-" * len(header)]
    by_key: dict[tuple[str, str], dict[str, ClipOutcome]] = {}
    for o in run.outcomes:
        by_key.setdefault((o.clip, o.variant), {})[o.detector] = o
    for (clip, variant), found in by_key.items():
        first = next(iter(found.values()))
        line = f"{clip[-46:]:<46} {first.label:<8} {variant:<8}"
        lines.append(line + "".join(f" | {_cell(found.get(n))}" for n in names))
    errors = [o for o in run.outcomes if o.error and o.detector == CAREWATCH]
    lines += [f"error: {o.clip} ({o.variant}): {o.error}" for o in errors]
    lines.append(
        "(n = fall alarms; alert = first alarm, video seconds; wall_s = the live run's wall time;"
        " c = replayed from the cache)"
    )
    return lines


_TOTAL_ROWS: list[tuple[str, Callable[[Summary], str]]] = [
    ("fall recall", lambda s: _pct(s.falls_detected, s.fall_clips)),
    ("adl false-alarm clips", lambda s: _pct(s.adl_false_alarms, s.adl_clips)),
    ("immobile: fall alarms", lambda s: _pct(s.immobile_false_alarms, s.immobile_clips)),
    ("immobile: long-lie events", lambda s: _pct(s.immobile_long_lies, s.immobile_clips)),
    (
        "immobile: lying seen (1 s probe)",
        lambda s: _pct(s.immobile_lying_recognised, s.immobile_clips),
    ),
    ("alert delay from floor_s", lambda s: _seconds(s.floor_delay_median_s, s.floor_delay_p90_s)),
    (
        "alert delay from fall_start_s",
        lambda s: _seconds(s.start_delay_median_s, s.start_delay_p90_s),
    ),
    ("alert delay from own onset", lambda s: _seconds(s.onset_delay_median_s, s.onset_delay_p90_s)),
    ("speed", _speed),
    ("clips / errors / skipped", lambda s: f"{s.clips} / {s.errors} / {s.skipped}"),
]


def totals_table(columns: dict[str, Summary]) -> list[str]:
    lines = [f"{'':<34}" + "".join(f"{name:<40}" for name in columns)]
    for title, show in _TOTAL_ROWS:
        lines.append(f"{title:<34}" + "".join(f"{show(s):<40}" for s in columns.values()))
    return [line.rstrip() for line in lines]


def breakdown_table(
    title: str, groups: dict[str, dict[str, Summary]], base: dict[str, Summary], delta: bool
) -> list[str]:
    """Recall (and its change from the original in points) and adl false alarms, per group."""
    names = list(base)
    header = f"{title:<46}" + "".join(
        f" | {n + ' recall':<20} {'Δpts' if delta else '':>6} {'adl FA':<16}" for n in names
    )
    lines = [header, "-" * len(header)]
    for group, summaries in groups.items():
        cells = []
        for n in names:
            s = summaries.get(n)
            if s is None:
                cells.append(f" | {'':<20} {'':>6} {'':<16}")
                continue
            change = recall_change_pts(s, base[n])
            shown = "" if not delta else "-" if change is None else f"{change:+.1f}"
            recall = _pct(s.falls_detected, s.fall_clips)
            cells.append(f" | {recall:<20} {shown:>6} {_pct(s.adl_false_alarms, s.adl_clips):<16}")
        lines.append(f"{group[:46]:<46}" + "".join(cells))
    return lines


def sweep_table(points: Sequence[SweepPoint]) -> list[str]:
    header = (
        f"{'threshold':<22} {'value':>7}  {'recall':<18} {'adl FA':<16} {'onset delay':>11} "
        f"{'misses':>6}"
    )
    lines = [header, "-" * len(header)]
    for p in points:
        s, mark = p.summary, "*" if p.is_default else " "
        delay = "-" if s.onset_delay_median_s is None else f"{s.onset_delay_median_s:.2f}s"
        lines.append(
            f"{p.threshold:<22} {p.value:>7g}{mark} {_pct(s.falls_detected, s.fall_clips):<18} "
            f"{_pct(s.adl_false_alarms, s.adl_clips):<16} {delay:>11} {p.opinion_misses:>6}"
        )
    lines.append("(* = configured value; onset delay = alert time − detected descent start;")
    lines.append(" misses = second-opinion questions the recording has no answer for: no opinion)")
    return lines


def render_text(
    run: EvalRun,
    baseline: str | None,
    sweep: list[SweepPoint] | None = None,
    sweep_files: dict[str, str] | None = None,
) -> str:
    names = [CAREWATCH] + ([baseline] if baseline else [])
    by_name = {n: [o for o in run.outcomes if o.detector == n] for n in names}
    originals = {n: [o for o in rows if o.variant == ORIGINAL] for n, rows in by_name.items()}
    base = {n: summarize(rows) for n, rows in originals.items()}
    lines = clip_table(run, baseline)
    lines += ["", "totals (original clips)", *totals_table(base), ""]
    lines += breakdown_table("per source", _regroup(originals, lambda o: o.source), base, False)
    variants = _regroup(by_name, lambda o: o.variant)
    if len(variants) > 1:
        lines += ["", *breakdown_table("per variant", variants, base, True)]
    held_out = {n: [o for o in rows if o.held_out] for n, rows in by_name.items()}
    if any(held_out.values()):
        title = "held-out clips (every 5th), per variant"
        held_base = {
            n: summarize(o for o in rows if o.variant == ORIGINAL) for n, rows in held_out.items()
        }
        lines += [
            "",
            *breakdown_table(title, _regroup(held_out, lambda o: o.variant), held_base, True),
        ]
    if sweep is not None:
        lines += ["", "threshold sweep (carewatch, original clips)", *sweep_table(sweep)]
        lines += [f"wrote {path}" for path in (sweep_files or {}).values()]
    return "\n".join(line.rstrip() for line in lines)


def _regroup(
    by_name: dict[str, list[ClipOutcome]], key: Callable[[ClipOutcome], str]
) -> dict[str, dict[str, Summary]]:
    groups: dict[str, dict[str, Summary]] = {}
    for name, rows in by_name.items():
        for group, summary in group_by(rows, key).items():
            groups.setdefault(group, {})[name] = summary
    return groups

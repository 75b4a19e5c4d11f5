"""Fall-detection metrics: a pure per-clip judgement and totals over clips."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from carewatch.eval.manifest import Annotations
from vision.events import EventType, SafetyEvent

ORIGINAL = "original"


@dataclass(frozen=True, slots=True)
class Detection:
    """One finished alarm as the evaluation sees it; `end_s` is when the alert fires.

    `start_s` is the detector's own onset (descent start), None when it gives none.
    """

    type: str
    start_s: float | None
    end_s: float

    @classmethod
    def from_event(cls, event: SafetyEvent) -> Detection:
        end_s = event.end_s if event.end_s is not None else event.start_s
        return cls(str(event.type), event.start_s, end_s)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What one detector did on one clip, judged against its label (pure, table-tested).

    `detected` is set on fall clips only; `false_alarm` on adl and immobile clips. Delays
    run from the annotated fall start or floor time (or the detector's own onset) to the
    first fall alert.
    """

    falls: int
    long_lies: int
    first_alert_s: float | None
    detected: bool | None
    false_alarm: bool | None
    floor_delay_s: float | None
    start_delay_s: float | None
    onset_delay_s: float | None


def judge(label: str, detections: Sequence[Detection], annotations: Annotations) -> Verdict:
    """The verdict for one clip; `fire` clips (and any other label) get no fall judgement."""
    falls = sorted((d for d in detections if d.type == EventType.FALL), key=lambda d: d.end_s)
    long_lies = sum(d.type == EventType.LONG_LIE for d in detections)
    first = falls[0] if falls else None
    alert_s = first.end_s if first else None
    is_fall = label == "fall"
    return Verdict(
        falls=len(falls),
        long_lies=long_lies,
        first_alert_s=alert_s,
        detected=bool(falls) if is_fall else None,
        false_alarm=bool(falls) if label in ("adl", "immobile") else None,
        floor_delay_s=_delay(alert_s, annotations.floor_s) if is_fall else None,
        start_delay_s=_delay(alert_s, annotations.fall_start_s) if is_fall else None,
        onset_delay_s=_delay(alert_s, first.start_s if first else None) if is_fall else None,
    )


def _delay(alert_s: float | None, since_s: float | None) -> float | None:
    return None if alert_s is None or since_s is None else alert_s - since_s


@dataclass(frozen=True, slots=True)
class ClipOutcome:
    """One report row: a detector on one clip variant; `verdict` is None for errors and skips.

    `live_wall_s` is the wall time of the live run (recorded in the cache on replays);
    `wall_s` is what this run took.
    """

    clip: str
    label: str
    source: str
    variant: str
    detector: str
    verdict: Verdict | None
    error: str | None = None
    frames: int = 0
    video_s: float = 0.0
    wall_s: float = 0.0
    live_wall_s: float = 0.0
    cached: bool = False
    lying_recognised: bool | None = None  # immobile clips: lying seen by a short long-lie probe
    detections: tuple[Detection, ...] = ()  # every finished event found
    held_out: bool = False  # in the held-out part of the manifest (no threshold tuned on it)

    @property
    def skipped(self) -> bool:
        return self.error is None and self.verdict is None


@dataclass(frozen=True, slots=True)
class Summary:
    """Totals over clip outcomes; rates and delays are None where nothing was measured."""

    clips: int
    errors: int
    skipped: int
    fall_clips: int
    falls_detected: int
    recall: float | None
    adl_clips: int
    adl_false_alarms: int
    adl_false_alarm_rate: float | None
    immobile_clips: int
    immobile_false_alarms: int
    immobile_long_lies: int
    immobile_lying_recognised: int | None  # None: the detector has no lying probe
    floor_delay_median_s: float | None
    floor_delay_p90_s: float | None
    start_delay_median_s: float | None
    start_delay_p90_s: float | None
    onset_delay_median_s: float | None
    onset_delay_p90_s: float | None
    frames: int
    video_s: float
    live_wall_s: float
    speed_x: float | None  # video seconds per wall second
    analysed_fps: float | None


def summarize(outcomes: Iterable[ClipOutcome]) -> Summary:
    rows = list(outcomes)
    judged = [(o, o.verdict) for o in rows if o.verdict is not None]
    falls = [v for o, v in judged if o.label == "fall"]
    adl = [v for o, v in judged if o.label == "adl"]
    immobile = [(o, v) for o, v in judged if o.label == "immobile"]
    timed = [o for o in rows if o.error is None]
    frames = sum(o.frames for o in timed)
    video_s = sum(o.video_s for o in timed)
    wall_s = sum(o.live_wall_s for o in timed)
    floor, start, onset = (_values(falls, f) for f in ("floor", "start", "onset"))
    detected = sum(bool(v.detected) for v in falls)
    false_alarms = sum(bool(v.false_alarm) for v in adl)
    return Summary(
        clips=len(rows),
        errors=sum(o.error is not None for o in rows),
        skipped=sum(o.skipped for o in rows),
        fall_clips=len(falls),
        falls_detected=detected,
        recall=_ratio(detected, len(falls)),
        adl_clips=len(adl),
        adl_false_alarms=false_alarms,
        adl_false_alarm_rate=_ratio(false_alarms, len(adl)),
        immobile_clips=len(immobile),
        immobile_false_alarms=sum(bool(v.false_alarm) for _, v in immobile),
        immobile_long_lies=sum(v.long_lies > 0 for _, v in immobile),
        immobile_lying_recognised=_lying(o for o, _ in immobile),
        floor_delay_median_s=percentile(floor, 50),
        floor_delay_p90_s=percentile(floor, 90),
        start_delay_median_s=percentile(start, 50),
        start_delay_p90_s=percentile(start, 90),
        onset_delay_median_s=percentile(onset, 50),
        onset_delay_p90_s=percentile(onset, 90),
        frames=frames,
        video_s=video_s,
        live_wall_s=wall_s,
        speed_x=video_s / wall_s if wall_s > 0 else None,
        analysed_fps=frames / wall_s if wall_s > 0 else None,
    )


def _values(verdicts: Sequence[Verdict], which: str) -> list[float]:
    delays = (getattr(v, f"{which}_delay_s") for v in verdicts)
    return [d for d in delays if d is not None]


def _lying(outcomes: Iterable[ClipOutcome]) -> int | None:
    probed = [o.lying_recognised for o in outcomes if o.lying_recognised is not None]
    return sum(probed) if probed else None


def _ratio(count: int, total: int) -> float | None:
    return count / total if total else None


def percentile(values: Sequence[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


def group_by(
    outcomes: Iterable[ClipOutcome], key: Callable[[ClipOutcome], str]
) -> dict[str, Summary]:
    """Summaries per key value, in order of first appearance."""
    groups: dict[str, list[ClipOutcome]] = {}
    for outcome in outcomes:
        groups.setdefault(key(outcome), []).append(outcome)
    return {name: summarize(rows) for name, rows in groups.items()}


def recall_change_pts(variant: Summary, original: Summary) -> float | None:
    """Recall of a variant minus the original's, in percentage points."""
    if variant.recall is None or original.recall is None:
        return None
    return 100.0 * (variant.recall - original.recall)

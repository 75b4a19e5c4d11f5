"""Evaluation metrics and manifests: pure, table-driven."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from carewatch.eval.manifest import Annotations, ManifestError, read_manifest
from carewatch.eval.metrics import (
    ClipOutcome,
    Detection,
    Verdict,
    group_by,
    judge,
    percentile,
    recall_change_pts,
    summarize,
)
from carewatch.eval.runner import Progress
from carewatch.eval.sweep import FACTORS, SENSITIVITY, SWEPT, grid
from vision.config import FallThresholds

FALL = Detection("fall", 2.0, 4.0)
LATE_FALL = Detection("fall", 7.0, 9.0)
LONG_LIE = Detection("long_lie", 4.0, 70.0)
NO_TIMES = Annotations()


@pytest.mark.parametrize(
    ("label", "detections", "annotations", "expected"),
    [
        ("fall", [], NO_TIMES, Verdict(0, 0, None, False, None, None, None, None)),
        ("fall", [FALL], NO_TIMES, Verdict(1, 0, 4.0, True, None, None, None, 2.0)),
        (
            "fall",
            [LATE_FALL, FALL],
            Annotations(fall_start_s=1.5, floor_s=3.0),
            Verdict(2, 0, 4.0, True, None, 1.0, 2.5, 2.0),
        ),
        (
            "fall",
            [Detection("fall", None, 3.5)],
            Annotations(floor_s=3.0),
            Verdict(1, 0, 3.5, True, None, 0.5, None, None),
        ),
        ("adl", [], NO_TIMES, Verdict(0, 0, None, None, False, None, None, None)),
        ("adl", [FALL], NO_TIMES, Verdict(1, 0, 4.0, None, True, None, None, None)),
        ("immobile", [LONG_LIE], NO_TIMES, Verdict(0, 1, None, None, False, None, None, None)),
        ("fire", [FALL], NO_TIMES, Verdict(1, 0, 4.0, None, None, None, None, None)),
    ],
    ids=[
        "fall-missed",
        "fall-hit",
        "first-alert-and-delays",
        "baseline-without-onset",
        "adl-empty",
        "adl-false-alarm",
        "immobile-long-lie",
        "fire-not-judged",
    ],
)
def test_judge(
    label: str, detections: list[Detection], annotations: Annotations, expected: Verdict
) -> None:
    assert judge(label, detections, annotations) == expected


def outcome(label: str, verdict: Verdict | None, **kw: object) -> ClipOutcome:
    fields: dict[str, object] = {"frames": 80, "video_s": 10.0, "live_wall_s": 5.0, **kw}
    source = str(fields.pop("source", "s"))
    return ClipOutcome(f"{label}.mp4", label, source, "original", "carewatch", verdict, **fields)  # type: ignore[arg-type]


def test_summarize_empty() -> None:
    s = summarize([])
    assert (s.clips, s.fall_clips, s.recall, s.adl_false_alarm_rate, s.speed_x) == (
        0,
        0,
        None,
        None,
        None,
    )
    assert s.immobile_lying_recognised is None and s.floor_delay_median_s is None


@pytest.mark.parametrize(
    ("rows", "recall", "false_alarms", "errors", "skipped", "onset_median"),
    [
        ([outcome("fall", judge("fall", [], NO_TIMES))] * 3, 0.0, 0, 0, 0, None),
        (
            [
                outcome("fall", judge("fall", [FALL], NO_TIMES)),
                outcome("fall", judge("fall", [], NO_TIMES)),
                outcome("adl", judge("adl", [FALL], NO_TIMES)),
                outcome("adl", judge("adl", [], NO_TIMES)),
            ],
            0.5,
            1,
            0,
            0,
            2.0,
        ),
        (
            [
                outcome("fall", None, error="video file not found: x.mp4", frames=0),
                outcome("fire", None),
                outcome("fall", judge("fall", [FALL], NO_TIMES)),
            ],
            1.0,
            0,
            1,
            1,
            2.0,
        ),
    ],
    ids=["all-missed", "one-false-alarm", "error-and-skip-rows"],
)
def test_summarize(
    rows: list[ClipOutcome],
    recall: float,
    false_alarms: int,
    errors: int,
    skipped: int,
    onset_median: float | None,
) -> None:
    s = summarize(rows)
    assert s.recall == recall
    assert s.adl_false_alarms == false_alarms
    assert (s.errors, s.skipped) == (errors, skipped)
    assert s.onset_delay_median_s == onset_median
    assert s.fall_clips == sum(r.label == "fall" and r.verdict is not None for r in rows)


def test_delays_from_floor_only_where_annotated() -> None:
    rows = [
        outcome("fall", judge("fall", [Detection("fall", 1.0, t)], Annotations(floor_s=2.0)))
        for t in (3.0, 4.0, 5.0, 6.0)
    ] + [outcome("fall", judge("fall", [FALL], NO_TIMES))]
    s = summarize(rows)
    assert s.floor_delay_median_s == pytest.approx(2.5)
    assert s.floor_delay_p90_s == pytest.approx(3.7)
    assert s.start_delay_median_s is None
    assert s.onset_delay_median_s == pytest.approx(3.0)


def test_speed_immobile_and_groups() -> None:
    rows = [
        outcome("immobile", judge("immobile", [], NO_TIMES), lying_recognised=True, source="a"),
        outcome("immobile", judge("immobile", [FALL], NO_TIMES), lying_recognised=False),
    ]
    s = summarize(rows)
    assert (s.immobile_clips, s.immobile_false_alarms, s.immobile_lying_recognised) == (2, 1, 1)
    assert s.speed_x == pytest.approx(2.0) and s.analysed_fps == pytest.approx(16.0)
    assert list(group_by(rows, lambda o: o.source)) == ["a", "s"]


def test_recall_change_in_points() -> None:
    hit, miss = (outcome("fall", judge("fall", d, NO_TIMES)) for d in ([FALL], []))
    assert recall_change_pts(summarize([hit, miss]), summarize([hit, hit])) == -50.0
    assert recall_change_pts(summarize([]), summarize([hit])) is None
    assert percentile([], 90) is None


# ---- manifests -----------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "clips" / "manifest.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_manifest_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "clip,label,source,license,floor_s,fall_start_s\n"
        "a/fall/1.mp4,fall,Set A,CC0,3.5,\n"
        "b/2.mp4,adl,,CC0,,\n"
        f"{tmp_path}/abs.mp4,fire,Set C,CC0,,\n",
    )
    rows = read_manifest(path)
    assert [r.path for r in rows] == [
        path.parent / "a/fall/1.mp4",
        path.parent / "b/2.mp4",
        tmp_path / "abs.mp4",
    ]
    assert [r.label for r in rows] == ["fall", "adl", "fire"]
    assert [r.source for r in rows] == ["Set A", "b", "Set C"]  # empty source: the top folder
    assert rows[0].annotations == Annotations(fall_start_s=None, floor_s=3.5)
    assert rows[1].line == 3


def test_every_fifth_row_is_held_out(tmp_path: Path) -> None:
    body = "".join(f"c{n}.mp4,adl\n" for n in range(1, 12))
    rows = read_manifest(write(tmp_path, "clip,label\n" + body))
    assert [r.clip for r in rows if r.held_out] == ["c5.mp4", "c10.mp4"]


def test_manifest_with_only_a_header_is_empty(tmp_path: Path) -> None:
    assert read_manifest(write(tmp_path, "clip,label\n")) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "missing column(s) clip, label"),
        ("clip,source\na.mp4,x\n", "missing column(s) label"),
        ("clip,label\na.mp4,fall\nb.mp4,falls\n", "line 3: unknown label 'falls'"),
        ("clip,label\n,fall\n", "line 2: empty clip"),
        ("clip,label,floor_s\na.mp4,fall,soon\n", "line 2: floor_s 'soon' is not a number"),
    ],
    ids=["empty-file", "no-label-column", "unknown-label", "empty-clip", "bad-time"],
)
def test_manifest_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ManifestError, match=r"manifest\.csv") as caught:
        read_manifest(write(tmp_path, text))
    assert message in str(caught.value)


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="manifest not found"):
        read_manifest(tmp_path / "none.csv")


# ---- sweep grid and progress ----------------------------------------------------------------


def test_sweep_grid_stays_in_bounds_and_marks_the_default() -> None:
    fall = FallThresholds()
    points = grid(fall)
    for name in (*SWEPT, SENSITIVITY):
        line = [p for p in points if p.threshold == name]
        assert 5 <= len(line) <= len(FACTORS), name
        assert sum(p.is_default for p in line) == 1, name
    for point in points:
        if point.threshold != SENSITIVITY:
            assert getattr(point.fall, point.threshold) == pytest.approx(point.value)
        if point.is_default:
            assert point.fall == fall


def test_progress_on_a_pipe_prints_every_tenth() -> None:
    stream = io.StringIO()
    progress = Progress(20, "eval", stream)
    for i in range(20):
        progress.step(f"clip{i}")
    progress.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11  # the first step, then one per tenth
    assert "20/20" in lines[-1] and "clip19" in lines[-1]


def test_annotations_fill_in_floor_times(tmp_path: Path) -> None:
    from carewatch.eval.manifest import parse_manifest, read_annotations, with_annotations

    rows = parse_manifest(
        "clip,label,floor_s\na.mp4,fall,\nb.mp4,fall,1.5\nc.mp4,adl,\n", tmp_path / "m.csv"
    )
    extra = tmp_path / "times.csv"
    extra.write_text("# a comment\nclip,floor_s\na.mp4,2.25\nb.mp4,9\n")
    merged = with_annotations(rows, read_annotations(extra))
    assert [r.annotations.floor_s for r in merged] == [2.25, 1.5, None]

"""`carewatch eval MANIFEST` end to end: real models on a few real clips, then from the cache."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.carewatch.cli import carewatch


def carewatch_eval(*args: str) -> subprocess.CompletedProcess[str]:
    return carewatch("eval", *args)


def report(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


@pytest.mark.slow
def test_eval_json_with_baseline_and_flip(eval_dir: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "clip,label,source,floor_s\n"
        f"{eval_dir / 'assist-iot/fall/05_vertical_fall_faint.mp4'},fall,ASSIST-IoT,3.4\n"
        f"{eval_dir / 'assist-iot/adl/02_walking_quickly.mp4'},adl,ASSIST-IoT,\n"
        f"{eval_dir / 'furg-fire/house6.mp4'},fire,FURG,\n"
        f"{tmp_path / 'missing.mp4'},fall,elsewhere,\n"
    )
    args = [str(manifest), "--json", "--baseline", "nfd", "--variants", "flip"]
    first = report(carewatch_eval(*args, "--cache", str(tmp_path / "cache")))

    assert {"clips", "totals", "per_source", "per_variant", "baseline"} <= set(first)
    assert len(first["clips"]) == 4 * 2 * 2  # clips x variants x detectors
    by_key = {
        (c["clip"].rsplit("/", 1)[-1], c["variant"], c["detector"]): c for c in first["clips"]
    }
    fall = by_key[("05_vertical_fall_faint.mp4", "original", "carewatch")]
    assert fall["detected"] is True and fall["falls"] >= 1
    alerts = [d["end_s"] for d in fall["detections"] if d["type"] == "fall"]
    assert min(alerts) == fall["first_alert_s"]
    assert fall["floor_delay_s"] == pytest.approx(fall["first_alert_s"] - 3.4, abs=1e-3)
    assert by_key[("house6.mp4", "original", "carewatch")]["status"] == "skipped"
    missing = by_key[("missing.mp4", "flip", "nfd")]
    assert missing["status"] == "error" and "not found" in missing["error"]

    totals = first["totals"]
    assert (totals["fall_clips"], totals["falls_detected"], totals["recall"]) == (1, 1, 1.0)
    assert (totals["adl_clips"], totals["errors"], totals["skipped"]) == (1, 1, 1)
    assert totals["speed_x"] > 0 and totals["analysed_fps"] > 0
    assert set(first["per_source"]) == {"ASSIST-IoT", "FURG", "elsewhere"}
    assert set(first["per_variant"]) == {"original", "flip"}
    assert "recall_change_pts" in first["per_variant"]["flip"]
    baseline = first["baseline"]
    assert baseline["name"] == "nfd" and baseline["totals"]["fall_clips"] == 1
    assert set(baseline["per_variant"]) == {"original", "flip"}

    # Second run: perception and baseline results come from the cache, same verdicts.
    again = report(carewatch_eval(*args, "--cache", str(tmp_path / "cache")))
    ok = [c for c in again["clips"] if c["status"] == "ok"]
    assert ok and all(c["cached"] for c in ok)
    strip = ("wall_s", "cached")
    assert [{k: v for k, v in c.items() if k not in strip} for c in again["clips"]] == [
        {k: v for k, v in c.items() if k not in strip} for c in first["clips"]
    ]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "none.csv", "manifest not found"),
        (lambda d: (d / "m.csv").write_text("clip,source\na.mp4,x\n") and d / "m.csv", "label"),
        (
            lambda d: (d / "m.csv").write_text("clip,label\na.mp4,fell\n") and d / "m.csv",
            "line 2: unknown label 'fell'",
        ),
    ],
    ids=["missing", "no-label-column", "unknown-label"],
)
def test_bad_manifest_exits_2_with_one_line(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    result = carewatch_eval(str(make(tmp_path)), "--json")
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_unknown_variant_is_a_usage_error(tmp_path: Path) -> None:
    result = carewatch_eval(str(tmp_path / "m.csv"), "--variants", "flip,sepia")
    assert result.returncode == 2 and "unknown variant(s) sepia" in result.stderr

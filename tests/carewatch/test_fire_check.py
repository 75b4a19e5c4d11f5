"""`python -m carewatch.eval.fire_check`: fire and smoke events over a manifest, with a summary."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from carewatch.eval.fire_check import main
from tests.vision import rule_videos as videos


def test_missing_manifest_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "nope.csv")]) == 2
    assert "manifest not found" in capsys.readouterr().err


@pytest.mark.slow
def test_counts_false_alarms_and_the_first_fire_alert(
    tmp_path: Path, eval_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("onnx")
    if importlib.util.find_spec("fire_detector") is None:
        pytest.skip("fire-detector is not installed (pip install --no-deps fire-detector)")
    corridor = videos.write_scripted(tmp_path / "corridor.mp4", videos.Script(6.0))
    manifest = tmp_path / "manifest.csv"
    house6 = eval_dir / "furg-fire" / "house6.mp4"
    manifest.write_text(f"clip,label\n{corridor},adl\n{house6},fire\n")
    assert main([str(manifest)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["events"] for line in lines[:1]] == [[]]
    summary = lines[-1]
    assert summary["clips_without_fire"] == 1 and summary["false_alarm_clips"] == []
    assert 0 < summary["fire_first_alert_s"][str(house6)] <= 3.0

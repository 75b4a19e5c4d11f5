"""`carewatch analyze VIDEO --json` end to end: real model, real clips, the DESIGN.md contract."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.carewatch.cli import carewatch


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    return carewatch("analyze", *args)


def events(result: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.slow
def test_fall_clip_gives_a_fall_event(eval_dir: Path) -> None:
    found = events(analyze(str(eval_dir / "assist-iot/fall/05_vertical_fall_faint.mp4"), "--json"))
    falls = [e for e in found if e["type"] == "fall"]
    assert falls, found
    fall = falls[0]
    assert set(fall) >= {"type", "start_s", "end_s", "confidence", "track_id", "severity", "camera"}
    assert 1.5 <= float(fall["start_s"]) <= 4.0 and float(fall["end_s"]) <= 6.0  # type: ignore[arg-type]
    assert fall["severity"] == "critical" and fall["camera"] == "05_vertical_fall_faint"


@pytest.mark.slow
def test_walking_clip_gives_no_fall(eval_dir: Path) -> None:
    found = events(analyze(str(eval_dir / "assist-iot/adl/01_walking_slowly.mp4"), "--json"))
    assert [e for e in found if e["type"] == "fall"] == []


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.mp4", "video file not found"),
        (
            lambda d: (d / "corrupt.mp4").write_bytes(b"\x00garbage" * 500) and d / "corrupt.mp4",
            "cannot decode",
        ),
        (lambda d: (d / "empty.mp4").write_bytes(b"") or d / "empty.mp4", "cannot decode"),
    ],
    ids=["missing", "corrupt", "empty"],
)
def test_bad_video_is_one_line_on_stderr(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    result = analyze(str(make(tmp_path)), "--json")
    assert result.returncode != 0
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if not line.startswith("INFO:")]
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_bad_config_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("facilities: []\ncameras: []\n")
    result = analyze(str(tmp_path / "x.mp4"), "--config", str(config), "--json")
    assert result.returncode == 2
    assert "facilities: List should have at least 1 item" in result.stderr


def imm_config(tmp_path: Path, zones: str) -> Path:
    config = tmp_path / f"imm{len(zones)}.yaml"
    config.write_text(
        "facilities: [{id: home, name: Home}]\n"
        "cameras:\n"
        "  - {id: room, name: Room, facility: home, source: {type: file, path: x.mp4},\n"
        f"     fall: {{long_lie_s: 2}}, zones: [{zones}]}}\n"
    )
    return config


BED = "{id: bed, kind: bed, polygon: [[0.05, 0.4], [0.55, 0.4], [0.55, 0.9], [0.05, 0.9]]}"


@pytest.mark.slow
@pytest.mark.parametrize("clip", ["01_imm_back.mp4", "02_imm_stomach.mp4"])
def test_long_lie_on_lying_still_footage_but_not_in_a_bed_zone(
    eval_dir: Path, tmp_path: Path, clip: str
) -> None:
    video = str(eval_dir / "assist-iot/imm" / clip)
    found = events(analyze(video, "--config", str(imm_config(tmp_path, "")), "--json"))
    assert [e["type"] for e in found] == ["long_lie"]
    assert found[0]["camera"] == "room" and float(found[0]["start_s"]) < 1.0  # type: ignore[arg-type]
    in_bed = events(analyze(video, "--config", str(imm_config(tmp_path, BED)), "--json"))
    assert in_bed == []

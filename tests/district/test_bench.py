"""`carewatch bench-district` runs end to end on a small district (its figures are measured
by hand, on a quiet machine: docs/performance.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.district.conftest import CENTRE_PASS_ONLY

pytestmark = CENTRE_PASS_ONLY


def test_the_district_bench_runs(database_url: str, tmp_path: Path) -> None:
    out = tmp_path / "district.json"
    small = ["--sites", "2", "--cameras", "2", "--scale", "200", "--workers", "1"]
    short = ["--warm-up-s", "5", "--live-s", "8", "--backlog-hours", "0.05"]
    command = [sys.executable, "-m", "carewatch.cli", "bench-district", *small, *short]
    done = subprocess.run(
        [*command, "--database-url", database_url, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert figures["live"]["measured"] == figures["live"]["changes"] > 0
    assert figures["catch_up"]["changes"] > 0
    assert set(figures["live"]["resources"]) == {"hub", "leaves", "postgresql", "centre", "sites"}

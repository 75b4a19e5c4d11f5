"""Benchmark: the server's CPU for the live view with 16 demo cameras and 1-3 viewers.

Skipped by default; run it alone on a quiet machine:
    CAREWATCH_BENCH=1 .venv/bin/python -m pytest -m bench -s tests/dashboard/test_bench_live.py
Each run writes test-output/live-bench-<viewers>.json and prints it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from dashboard.config import DashboardConfig
from supervision.events.store import EventStore
from tests.dashboard.browser import BROWSER, open_page
from tests.dashboard.live_wall import WALL_CAMERAS, measure_wall, wall_server
from vision.events import SafetyEvent

pytestmark = [
    *BROWSER,
    pytest.mark.bench,
    pytest.mark.skipif(
        not os.environ.get("CAREWATCH_BENCH"), reason="a benchmark: set CAREWATCH_BENCH=1"
    ),
]


@pytest.mark.parametrize("viewers", [1, 2, 3])
def test_live_view_cpu(
    browser: Browser,
    store: EventStore,
    tokens: dict[str, str],
    media_root: Path,
    make_event: Callable[..., SafetyEvent],
    viewers: int,
) -> None:
    config = DashboardConfig()
    events = [make_event(camera_id=camera_id) for camera_id in WALL_CAMERAS[:5]]
    errors: list[str] = []
    with wall_server(store, media_root, config) as url:
        report, pages = measure_wall(
            lambda: [open_page(browser, url, errors) for _ in range(viewers)],
            store,
            events,
            config,
            cpu_window_s=15.0,
        )
        for page in pages:
            page.close()
    print(report.write(f"live-bench-{viewers}"), report, f"live view: {report.live_view_cpu_pct} %")
    assert errors == []

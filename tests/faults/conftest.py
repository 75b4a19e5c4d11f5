"""Fault suite fixtures: fall videos with known falls, and the service's configuration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EVAL_DIR
from tests.faults.clips import FALL_CLIP, lead_in_fall
from tests.faults.service import STARTED

EARLY_LEAD_IN_S = 10.0  # time for a test to inject its fault before the first fall
LATE_LEAD_IN_S = 30.0  # a fall after the fault has been healed


@pytest.fixture(autouse=True)
def _no_service_left() -> Iterator[None]:
    """A test that failed midway leaves no `carewatch run` behind for the next one."""
    yield
    while STARTED:
        service = STARTED.pop()
        if service.alive():
            service.kill()


@pytest.fixture(scope="session")
def fall_videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One real fall each, after a still lead-in of 10 s ('early') or 30 s ('late')."""
    source = EVAL_DIR / FALL_CLIP
    if not source.is_file():
        pytest.skip(f"evaluation clip not found: {source}")
    folder = tmp_path_factory.mktemp("fall-videos")
    return {
        "early": lead_in_fall(source, folder / "early.mp4", EARLY_LEAD_IN_S),
        "late": lead_in_fall(source, folder / "late.mp4", LATE_LEAD_IN_S),
        # Long enough that one network session holds one fall within a test.
        "one_per_session": lead_in_fall(source, folder / "session.mp4", EARLY_LEAD_IN_S, 50.0),
    }


def file_camera(camera_id: str, video: Path, **source: Any) -> dict[str, Any]:
    return {
        "id": camera_id,
        "name": camera_id.replace("-", " ").title(),
        "facility": "home",
        "source": {"type": "file", "path": str(video), "realtime": True, **source},
    }


def service_config(
    data_dir: Path, database_url: str, cameras: list[dict[str, Any]], **sections: Any
) -> dict[str, Any]:
    """A home with `cameras`; quick retries and offline marking so faults show within seconds."""
    return {
        "facilities": [{"id": "home", "name": "Home"}],
        "cameras": cameras,
        "storage": {"data_dir": str(data_dir)},
        "database": {"url": database_url, "write_timeout_s": 3},
        "reconnect": {"initial_backoff_s": 0.2, "max_backoff_s": 1, "offline_after_s": 2},
        **sections,
    }


def push_section(wecom_url: str) -> dict[str, Any]:
    return {
        "public_base_url": "http://127.0.0.1:9",
        "system_alert_after_s": 1,
        "groups": [{"name": "night", "kind": "wecom", "url": wecom_url, "node": "facility:home"}],
    }

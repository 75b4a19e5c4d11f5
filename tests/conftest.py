"""Shared fixtures: where the evaluation clips are, and skipping when they are absent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vision.events import EventType, SafetyEvent, Severity

REPO = Path(__file__).resolve().parents[1]
EVAL_DIR = REPO.parent / "shared" / "data" / "eval"
T0_EPOCH_S = 1_760_000_000.0


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    if not (EVAL_DIR / "manifest.csv").is_file():
        pytest.skip(f"evaluation clips not found at {EVAL_DIR}")
    return EVAL_DIR


@pytest.fixture
def make_event() -> Callable[..., SafetyEvent]:
    """SafetyEvents on camera cam-1, ten seconds apart, with any field overridden."""
    counter = iter(range(1, 1_000_000))

    def make(**overrides: Any) -> SafetyEvent:
        n = next(counter)
        values: dict[str, Any] = {
            "type": EventType.FALL,
            "severity": Severity.CRITICAL,
            "camera_id": "cam-1",
            "start_s": 10.0 * n,
            "end_s": None,
            "started_at": T0_EPOCH_S + 10.0 * n,
            "confidence": 0.87,
            "track_id": n,
            "thresholds": {"fall_drop_ratio": 0.4},
            "model_versions": {"pose": "movenet-multipose-lightning"},
        }
        return SafetyEvent(**{**values, **overrides})

    return make

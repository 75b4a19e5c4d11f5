"""Shared fixtures: where the evaluation clips are, and skipping when they are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EVAL_DIR = REPO.parent / "shared" / "data" / "eval"


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    if not (EVAL_DIR / "manifest.csv").is_file():
        pytest.skip(f"evaluation clips not found at {EVAL_DIR}")
    return EVAL_DIR

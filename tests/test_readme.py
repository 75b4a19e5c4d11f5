"""The README stays true: the two commands, CI's command, every threshold documented."""

from __future__ import annotations

import re
from pathlib import Path

from vision.config import FallThresholds

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_first_section_has_exactly_two_commands() -> None:
    first = README.split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", first, re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert [c.split("#")[0].strip() for c in commands] == ["make demo", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == "make test"


def test_every_fall_threshold_is_documented() -> None:
    missing = [name for name in FallThresholds.model_fields if f"`{name}`" not in README]
    assert missing == []

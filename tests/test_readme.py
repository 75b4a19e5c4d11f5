"""The README stays true: the two commands, CI's command, every threshold documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from vision.config import FallThresholds, RuleThresholds
from vision.events import EventType

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


@pytest.mark.parametrize("section", [FallThresholds, RuleThresholds])
def test_every_threshold_is_documented(section: type[BaseModel]) -> None:
    missing = [name for name in section.model_fields if f"`{name}`" not in README]
    assert missing == []


def test_every_event_type_is_in_the_event_table() -> None:
    table = README.split("### Event types", 1)[1].split("###", 1)[0]
    missing = [str(t) for t in EventType if f"`{t}`" not in table]
    assert missing == []

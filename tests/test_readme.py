"""The README stays true and short: the two commands, CI's command, the folder map; and the
pages its content moved to keep every threshold and event type documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from vision.config import FallThresholds, RuleThresholds
from vision.events import EventType

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
DETECTION = (ROOT / "docs" / "detection.md").read_text(encoding="utf-8")
# The packages whose sub-packages the README's folder map names.
PACKAGES = ["streams", "vision", "models", "supervision", "dashboard", "carewatch"]


def test_first_section_has_exactly_two_commands() -> None:
    first = README.split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", first, re.S)
    assert block is not None
    commands = [line for line in block.group(1).splitlines() if line.strip()]
    assert [c.split("#")[0].strip() for c in commands] == ["make demo", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == "make test"


def test_readme_is_at_most_25000_bytes() -> None:
    assert len((ROOT / "README.md").read_bytes()) <= 25_000


def test_readme_maps_every_package_and_sub_package() -> None:
    folders = [f"{package}/" for package in PACKAGES] + [
        f"{package}/{sub.name}/"
        for package in PACKAGES
        for sub in sorted((ROOT / package).iterdir())
        if (sub / "__init__.py").is_file()
    ]
    folder_map = README.split("### Folder map", 1)[1].split("\n## ", 1)[0]
    assert [folder for folder in folders if f"`{folder}`" not in folder_map] == []


def test_readme_links_every_docs_page() -> None:
    pages = sorted((ROOT / "docs").glob("*.md"))
    assert [p.name for p in pages if f"](docs/{p.name})" not in README] == []


@pytest.mark.parametrize(
    ("section", "page"), [(FallThresholds, CONFIGURATION), (RuleThresholds, DETECTION)]
)
def test_every_threshold_is_documented(section: type[BaseModel], page: str) -> None:
    missing = [name for name in section.model_fields if f"`{name}`" not in page]
    assert missing == []


def test_every_event_type_is_in_the_event_table() -> None:
    table = DETECTION.split("### Event types", 1)[1].split("###", 1)[0]
    missing = [str(t) for t in EventType if f"`{t}`" not in table]
    assert missing == []

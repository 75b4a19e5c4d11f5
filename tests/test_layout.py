"""Imports point one way: streams → vision → supervision → dashboard; models used by vision only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["streams", "vision", "supervision", "dashboard"]
# What each package may import from the project (besides itself).
ALLOWED = {
    "streams": set(),
    "models": set(),
    "vision": {"streams", "models"},
    "supervision": {"streams", "vision"},
    "dashboard": {"streams", "vision", "supervision"},
    "carewatch": {"streams", "vision", "supervision", "dashboard", "models"},
}


def project_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(ALLOWED)


def violations(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for imported in project_imports(path) - ALLOWED[package] - {package}:
            found.append(f"{path.relative_to(ROOT)} imports {imported}")
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_one_way(package: str) -> None:
    assert violations(package) == []


def test_a_backward_import_is_caught(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from dashboard.app import create_app\nimport supervision.store\n")
    assert project_imports(bad) - ALLOWED["vision"] == {"dashboard", "supervision"}

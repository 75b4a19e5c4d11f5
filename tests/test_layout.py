"""Imports point one way: between the stage packages, and between the sub-packages inside them."""

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
    bad.write_text("from dashboard.app import create_app\nimport supervision.events.store\n")
    assert project_imports(bad) - ALLOWED["vision"] == {"dashboard", "supervision"}


# carewatch/: the service's jobs (run, analyze) never import the tooling (eval, bench, admin);
# only the CLI imports the tooling. The top-level modules (config, demo) are shared.
CAREWATCH_ALLOWED = {
    "run": {"analyze"},
    "analyze": set(),
    "eval": {"analyze"},
    # the baseline and the clip manifest come from eval; the district's servers from district
    "bench": {"analyze", "eval", "run", "district"},
    "admin": set(),
    "district": set(),  # the NATS servers of a district tried on one machine
}
CAREWATCH_SHARED = {"config", "config_checks", "demo"}

# supervision/: each sub-domain imports only those before it, and the shared top-level
# modules (config, db, lease, csv_text, health, trouble) and checklists. The district link
# comes after `publish`: a site's uplink is one more publish target, and the centre's ingest
# writes events as the sites sent them.
SUPERVISION_ORDER = [
    "tables",
    "writer",
    "nodes",
    "org",
    "audit",
    "inspections",
    "events",
    "cameras",
    "retention",
    "publish",
    "district",
    "push",
    "reports",
]
SUPERVISION_SHARED = {
    "config",
    "db",
    "lease",
    "csv_text",
    "health",
    "trouble",
    "checklists",
    "tables",
}


def sub_imports(path: Path, package: str) -> set[str]:
    """The sub-packages or modules of `package` that a file imports (absolute imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
            if node.module == package:
                modules = [f"{package}.{alias.name}" for alias in node.names]
        names |= {m.split(".")[1] for m in modules if m.startswith(f"{package}.")}
    return names


def sub_violations(package: str, allowed: dict[str, set[str]], shared: set[str]) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT / package).parts
        own = parts[0] if len(parts) > 1 else path.stem
        if own in allowed:
            permitted = allowed[own] | shared | {own}
        else:  # a shared top-level module, or the CLI
            permitted = set(allowed) | shared if own == "cli" else shared
        for imported in sorted(sub_imports(path, package) - permitted):
            found.append(f"{path.relative_to(ROOT)} imports {package}.{imported}")
    return found


def supervision_allowed() -> dict[str, set[str]]:
    return {name: set(SUPERVISION_ORDER[:i]) for i, name in enumerate(SUPERVISION_ORDER)}


def test_carewatch_jobs_never_import_the_tooling() -> None:
    assert sub_violations("carewatch", CAREWATCH_ALLOWED, CAREWATCH_SHARED) == []


def test_supervision_sub_domains_import_one_way() -> None:
    assert sub_violations("supervision", supervision_allowed(), SUPERVISION_SHARED) == []


def test_every_sub_package_is_placed() -> None:
    for package, named in (
        ("carewatch", set(CAREWATCH_ALLOWED)),
        ("supervision", set(SUPERVISION_ORDER) | SUPERVISION_SHARED | {"migrations", "push"}),
    ):
        folders = {p.parent.name for p in (ROOT / package).glob("*/__init__.py")}
        assert folders <= named, (
            f"{package}: place {sorted(folders - named)} in tests/test_layout.py"
        )


def test_a_wrong_sub_package_import_is_caught(tmp_path: Path) -> None:
    package = tmp_path / "supervision"
    (package / "events").mkdir(parents=True)
    (package / "events" / "bad.py").write_text(
        "from supervision.reports import kpis\nfrom supervision import publish\n"
        "from supervision.org.tree import create_facility\n"
    )
    imported = sub_imports(package / "events" / "bad.py", "supervision")
    assert imported - supervision_allowed()["events"] == {"reports", "publish"}
    run = tmp_path / "run.py"
    run.write_text("from carewatch.eval.metrics import totals\n")
    assert sub_imports(run, "carewatch") - CAREWATCH_ALLOWED["run"] == {"eval"}


def test_top_levels_stay_small() -> None:
    for package in ("carewatch", "supervision"):
        modules = list((ROOT / package).glob("*.py"))
        assert len(modules) <= 8, f"{package}/ has {len(modules)} top-level modules"


def test_no_module_over_400_lines() -> None:
    long = []
    for package in sorted(ALLOWED):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations/versions" not in path.as_posix():
                lines = len(path.read_text(encoding="utf-8").splitlines())
                if lines > 400:
                    long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert long == []

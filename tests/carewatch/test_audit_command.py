"""`carewatch audit verify`: exit 0 when intact, 1 when tampered with, 2 without a database."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from carewatch.admin import audit as audit_command
from supervision.audit.chain import append_audit
from supervision.config import DatabaseConfig
from supervision.db import create_engine_for, migrate, session_factory
from tests.carewatch.cli import carewatch


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="carewatch")
    audit_command.add_parser(parser.add_subparsers(dest="command", required=True))
    return audit_command.run(parser.parse_args(["audit", "verify", *argv]))


def _database(url: str, rows: int, revision: str = "head") -> str:
    engine = create_engine_for(DatabaseConfig(url=url))
    migrate(engine, revision)
    for index in range(rows):
        with session_factory(engine).begin() as session:
            append_audit(session, "amy", "clip.view", "event", str(index))
    engine.dispose()
    return url


def test_intact_log_exits_0(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("--db", _database(database_url, rows=3)) == 0
    assert capsys.readouterr().out == "audit log intact: 3 rows, last seq 3\n"


def test_the_carewatch_command_runs_it(database_url: str) -> None:
    done = carewatch("audit", "verify", "--db", _database(database_url, rows=2))
    assert (done.returncode, done.stdout) == (0, "audit log intact: 2 rows, last seq 2\n")


def test_tampered_log_exits_1(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = _database(database_url, rows=3)
    engine = create_engine_for(DatabaseConfig(url=url))
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    engine.dispose()
    assert _run("--db", url) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("carewatch: audit log tampered at seq 2: missing")


def test_config_file_names_the_database(tmp_path: Path, database_url: str) -> None:
    url = _database(database_url, rows=0)
    settings = tmp_path / "settings.yaml"
    settings.write_text(
        f"facilities: [{{id: f1, name: Home}}]\ncameras: []\ndatabase: {{url: '{url}'}}\n",
        encoding="utf-8",
    )
    assert _run("--config", str(settings)) == 0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp, _: ["--db", f"sqlite:///{tmp / 'missing.db'}"], "no SQLite database at"),
        (lambda tmp, _: ["--db", "not a url"], "not a database URL"),
        (lambda tmp, _: ["--config", str(tmp / "missing.yaml")], "cannot read"),
        (
            lambda _, url: ["--db", _database(url, rows=0, revision="0003")],
            "no audit log (not migrated to revision 0004)",
        ),
    ],
)
def test_unusable_database_exits_2(
    tmp_path: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[Path, str], list[str]],
    message: str,
) -> None:
    assert _run(*make(tmp_path, database_url)) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "missing.db").exists()


def test_one_source_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _run()
    assert exit_info.value.code == 2
    assert "one of the arguments --config --db is required" in capsys.readouterr().err

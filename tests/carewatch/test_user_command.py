"""`carewatch user`: accounts from the command line, on the test database."""

from __future__ import annotations

import pytest

from carewatch.admin.users import parse_node
from carewatch.cli import main
from supervision.config import DatabaseConfig
from supervision.db import create_engine_for, session_factory
from supervision.org.tree import NodeKind, NodeRef
from supervision.org.users import authenticate


@pytest.fixture
def db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CAREWATCH_PASSWORD", "first password")
    return database_url


def _signs_in(url: str, username: str, password: str) -> bool:
    engine = create_engine_for(DatabaseConfig(url=url))
    try:
        with session_factory(engine).begin() as session:
            return authenticate(session, username, password) is not None
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("text", "node"),
    [
        (None, None),
        ("facility:home-1", NodeRef(NodeKind.FACILITY, "home-1")),
        ("street:s1", NodeRef(NodeKind.STREET, "s1")),
        ("district:d1", NodeRef(NodeKind.DISTRICT, "d1")),
    ],
)
def test_parse_node(text: str | None, node: NodeRef | None) -> None:
    assert parse_node(text) == node


@pytest.mark.parametrize("text", ["", "facility", "facility:", "building:b1", "s1"])
def test_parse_node_names_the_option(text: str) -> None:
    with pytest.raises(ValueError, match="--node"):
        parse_node(text)


def test_add_list_passwd_disable(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["user", "add", "root", "--role", "admin", "--db", db]) == 0
    assert _signs_in(db, "root", "first password")

    monkeypatch.setenv("CAREWATCH_PASSWORD", "second password")
    assert main(["user", "passwd", "root", "--db", db]) == 0
    assert not _signs_in(db, "root", "first password")
    assert _signs_in(db, "root", "second password")

    assert main(["user", "disable", "root", "--db", db]) == 0
    assert not _signs_in(db, "root", "second password")
    assert main(["user", "enable", "root", "--db", db]) == 0
    capsys.readouterr()
    assert main(["user", "list", "--db", db]) == 0
    assert capsys.readouterr().out == "root\tadmin\teverything\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "x", "--role", "facility_officer"], "needs a facility node"),
        (["add", "x", "--role", "street_inspector", "--node", "street:nowhere"], "nowhere"),
        (["add", "x", "--role", "admin", "--node", "oops"], "--node"),
        (["passwd", "nobody"], "no user named 'nobody'"),
    ],
)
def test_errors_name_the_cause(
    db: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["user", *args, "--db", db]) == 2
    assert message in capsys.readouterr().err


def test_short_password_and_no_terminal(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CAREWATCH_PASSWORD", "short")
    assert main(["user", "add", "root", "--role", "admin", "--db", db]) == 2
    assert "password" in capsys.readouterr().err
    monkeypatch.delenv("CAREWATCH_PASSWORD")
    assert main(["user", "add", "root", "--role", "admin", "--db", db]) == 2
    assert "CAREWATCH_PASSWORD" in capsys.readouterr().err

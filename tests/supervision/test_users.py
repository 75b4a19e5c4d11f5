"""Passwords (scrypt), accounts, login, and session tokens with expiry and revocation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from supervision.org import tokens
from supervision.org.passwords import ScryptParams, hash_password, needs_rehash, verify_password
from supervision.org.tree import NodeKind, NodeRef
from supervision.org.users import (
    UserError,
    UserNotFound,
    authenticate,
    create_user,
    set_active,
    set_password,
)
from supervision.tables import AuthToken, User, utc_now

FAST = ScryptParams(log2_n=10)
FASTER = ScryptParams(log2_n=9)
PASSWORD = "correct horse"
OFFICER_NODE = NodeRef(NodeKind.FACILITY, "fac-a")


def test_password_round_trip_and_wrong_password() -> None:
    encoded = hash_password(PASSWORD, FAST)
    assert encoded.startswith("$scrypt$ln=10,r=8,p=1$")
    assert verify_password(PASSWORD, encoded)
    assert not verify_password("correct horsE", encoded)
    assert not verify_password("", encoded)
    assert hash_password(PASSWORD, FAST) != encoded  # a fresh salt each time


def test_password_is_normalised() -> None:
    assert verify_password("cafe\u0301 au lait", hash_password("café au lait", FAST))


def test_needs_rehash_compares_parameters() -> None:
    encoded = hash_password(PASSWORD, FAST)
    assert not needs_rehash(encoded, FAST)
    assert needs_rehash(encoded, ScryptParams())


@pytest.mark.parametrize("encoded", ["", "plain", "$scrypt$ln=10,r=8,p=1$", "$argon2id$v=19$x$y"])
def test_malformed_hash_is_an_error(encoded: str) -> None:
    with pytest.raises(ValueError, match="password_hash: not a \\$scrypt\\$ hash"):
        verify_password(PASSWORD, encoded)


@pytest.fixture
def officer_id(tree: sessionmaker[Session]) -> int:
    with tree.begin() as session:
        return create_user(
            session, "officer", PASSWORD, "facility_officer", OFFICER_NODE, params=FAST
        ).id


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, None),
        ({"username": "officer"}, "username: 'officer' is taken"),
        ({"username": "has space"}, "username: 'has space' is not a user name"),
        ({"password": "short"}, "password: expected at least 8 characters"),
        ({"role": "janitor"}, "role: unknown role 'janitor'"),
        ({"node": None}, "node: a facility_officer needs a facility node, got none"),
    ],
)
def test_create_user_checks(
    tree: sessionmaker[Session], officer_id: int, changes: dict[str, Any], message: str | None
) -> None:
    values: dict[str, Any] = {
        "username": "new.user@home",
        "password": PASSWORD,
        "role": "facility_officer",
        "node": OFFICER_NODE,
    }
    with tree.begin() as session:
        if message is None:
            assert create_user(session, **values, params=FAST).node == OFFICER_NODE
            return
        with pytest.raises(UserError, match=message):
            create_user(session, **(values | changes), params=FAST)


@pytest.mark.parametrize(
    ("username", "password", "ok"),
    [
        ("officer", PASSWORD, True),
        ("officer", "wrong password", False),
        ("nobody", PASSWORD, False),
        ("", "", False),
    ],
)
def test_authenticate(
    tree: sessionmaker[Session], officer_id: int, username: str, password: str, ok: bool
) -> None:
    with tree.begin() as session:
        user = authenticate(session, username, password, params=FAST)
    assert (user is not None and user.id == officer_id) is ok


def test_disabled_user_cannot_log_in_and_rehash_on_login(
    tree: sessionmaker[Session], officer_id: int
) -> None:
    with tree.begin() as session:
        assert authenticate(session, "officer", PASSWORD, params=FASTER) is not None
        stored = session.scalars(select(User.password_hash)).one()
        assert stored.startswith("$scrypt$ln=9,")
        set_active(session, officer_id, False)
        assert authenticate(session, "officer", PASSWORD, params=FASTER) is None
        set_password(session, officer_id, "a new password", params=FAST)
        set_active(session, officer_id, True)
        assert authenticate(session, "officer", "a new password", params=FAST) is not None
        with pytest.raises(UserNotFound):
            set_active(session, 999, True)


def test_token_round_trip_stores_only_a_hash(tree: sessionmaker[Session], officer_id: int) -> None:
    with tree.begin() as session:
        issued = tokens.issue_token(session, officer_id, ttl_s=3600)
    with tree() as session:
        user = tokens.lookup_token(session, issued.token)
        stored = session.scalars(select(AuthToken.token_sha256)).one()
    assert user is not None and user.username == "officer"
    assert stored == tokens.token_sha256(issued.token) and issued.token not in stored


@pytest.mark.parametrize(
    ("after_s", "valid"), [(0, True), (3599, True), (3600, False), (86_400, False)]
)
def test_token_expiry(
    tree: sessionmaker[Session], officer_id: int, after_s: int, valid: bool
) -> None:
    now = utc_now()
    with tree.begin() as session:
        issued = tokens.issue_token(session, officer_id, ttl_s=3600, now=now)
        found = tokens.lookup_token(session, issued.token, now=now + timedelta(seconds=after_s))
    assert (found is not None) is valid


def test_token_revoke(tree: sessionmaker[Session], officer_id: int) -> None:
    with tree.begin() as session:
        first = tokens.issue_token(session, officer_id, ttl_s=60)
        second = tokens.issue_token(session, officer_id, ttl_s=60)
        third = tokens.issue_token(session, officer_id, ttl_s=60)
        assert tokens.revoke_token(session, first.token)
        assert not tokens.revoke_token(session, first.token)  # already revoked
        assert not tokens.revoke_token(session, "never issued")
        assert tokens.lookup_token(session, first.token) is None
        assert tokens.lookup_token(session, second.token) is not None
        assert tokens.revoke_user_tokens(session, officer_id) == 2
        assert tokens.lookup_token(session, third.token) is None
        assert tokens.purge_tokens(session) == 3


@pytest.mark.parametrize("token", ["", "not a token", "x" * 500])
def test_unknown_token(tree: sessionmaker[Session], officer_id: int, token: str) -> None:
    with tree() as session:
        assert tokens.lookup_token(session, token) is None


def test_token_of_a_disabled_user_stops_working(
    tree: sessionmaker[Session], officer_id: int
) -> None:
    with tree.begin() as session:
        issued = tokens.issue_token(session, officer_id, ttl_s=60)
        set_active(session, officer_id, False)
        assert tokens.lookup_token(session, issued.token) is None
        with pytest.raises(ValueError, match="ttl_s: expected > 0"):
            tokens.issue_token(session, officer_id, ttl_s=0)
        with pytest.raises(UserNotFound):
            tokens.issue_token(session, 999, ttl_s=60)

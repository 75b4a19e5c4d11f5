"""Scope: who may read which camera and facility, and who may change what."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from supervision.org import scope as sc
from supervision.org import tree as org
from supervision.org.passwords import ScryptParams
from supervision.org.scope import Role, Scope
from supervision.org.tree import NodeKind, NodeRef
from supervision.org.users import UserError, create_user, list_users, scope_for

FAST = ScryptParams(log2_n=10)
PASSWORD = "correct horse"

USERS: dict[str, tuple[Role, NodeRef | None]] = {
    "officer-a": (Role.FACILITY_OFFICER, NodeRef(NodeKind.FACILITY, "fac-a")),
    "inspector-s1": (Role.STREET_INSPECTOR, NodeRef(NodeKind.STREET, "s1")),
    "inspector-d1": (Role.DISTRICT_INSPECTOR, NodeRef(NodeKind.DISTRICT, "d1")),
    "operator": (Role.OPERATOR, None),
    "operator-s1": (Role.OPERATOR, NodeRef(NodeKind.STREET, "s1")),
    "admin": (Role.ADMIN, None),
}


@pytest.fixture
def scopes(tree: sessionmaker[Session]) -> dict[str, Scope]:
    with tree.begin() as session:
        users = {
            name: create_user(session, name, PASSWORD, role, node, params=FAST)
            for name, (role, node) in USERS.items()
        }
        return {name: scope_for(session, user) for name, user in users.items()}


@pytest.mark.parametrize(
    ("user", "camera_id", "allowed"),
    [
        ("officer-a", "cam-a1", True),
        ("officer-a", "cam-b1", False),  # same street, other facility
        ("officer-a", "cam-e1", False),
        ("inspector-s1", "cam-b1", True),
        ("inspector-s1", "cam-c1", False),  # other street, same district
        ("inspector-d1", "cam-c1", True),
        ("inspector-d1", "cam-e1", False),  # other district
        ("operator", "cam-e1", True),
        ("operator-s1", "cam-c1", False),
        ("admin", "cam-e1", True),
        ("admin", "", False),
        ("admin", "cam-guessed", False),
    ],
)
def test_can_read_camera(
    scopes: dict[str, Scope], user: str, camera_id: str, allowed: bool
) -> None:
    assert sc.can_read_camera(scopes[user], camera_id) is allowed


@pytest.mark.parametrize(
    ("user", "facility_ids"),
    [
        ("officer-a", {"fac-a"}),
        ("inspector-s1", {"fac-a", "fac-b"}),
        ("inspector-d1", {"fac-a", "fac-b", "fac-c"}),
        ("operator", {"fac-a", "fac-b", "fac-c", "fac-e"}),
        ("admin", {"fac-a", "fac-b", "fac-c", "fac-e"}),
    ],
)
def test_facilities_in_scope(scopes: dict[str, Scope], user: str, facility_ids: set[str]) -> None:
    everything = ["fac-a", "fac-b", "fac-c", "fac-e", "fac-guessed"]
    assert set(sc.visible_facilities(scopes[user], everything)) == facility_ids
    assert scopes[user].facility_ids == facility_ids


@pytest.mark.parametrize(
    ("user", "resident_data", "thresholds", "cameras", "manage_org"),
    [
        ("officer-a", True, False, False, False),
        ("inspector-s1", True, False, False, False),
        ("inspector-d1", True, False, False, False),
        ("operator", False, True, True, False),
        ("admin", True, True, True, True),
    ],
)
def test_role_permissions(
    scopes: dict[str, Scope],
    user: str,
    resident_data: bool,
    thresholds: bool,
    cameras: bool,
    manage_org: bool,
) -> None:
    scope = scopes[user]
    assert sc.can_read_resident_data(scope) is resident_data
    assert sc.can_change_thresholds(scope) is thresholds
    assert sc.can_manage_cameras(scope) is cameras
    assert sc.can_manage_org(scope) is manage_org


@pytest.mark.parametrize(
    ("user", "check", "target", "allowed"),
    [
        ("officer-a", sc.can_read_resident_data, "fac-a", True),
        ("officer-a", sc.can_read_resident_data, "fac-b", False),
        ("inspector-d1", sc.can_change_thresholds, "cam-a1", False),
        ("operator-s1", sc.can_change_thresholds, "cam-a1", True),
        ("operator-s1", sc.can_change_thresholds, "cam-c1", False),
        ("operator-s1", sc.can_manage_cameras, "fac-c", False),
        ("operator", sc.can_read_resident_data, "fac-a", False),
    ],
)
def test_permissions_on_one_object(
    scopes: dict[str, Scope], user: str, check: object, target: str, allowed: bool
) -> None:
    assert callable(check)
    assert check(scopes[user], target) is allowed


def test_empty_scope_sees_nothing() -> None:
    empty = Scope(
        user_id=1,
        role=Role.STREET_INSPECTOR,
        node=None,
        facility_ids=frozenset(),
        camera_ids=frozenset(),
    )
    assert sc.visible_cameras(empty, []) == []
    assert sc.visible_cameras(empty, ["cam-a1"]) == []
    assert not sc.can_read_facility(empty, "fac-a")


def test_scope_follows_a_move(tree: sessionmaker[Session], scopes: dict[str, Scope]) -> None:
    with tree.begin() as session:
        org.move_facility(session, "fac-c", "s1")
        (inspector,) = [u for u in list_users(session) if u.username == "inspector-s1"]
        assert sc.can_read_camera(scope_for(session, inspector), "cam-c1")
    assert not sc.can_read_camera(scopes["inspector-s1"], "cam-c1")  # an old scope is not live


@pytest.mark.parametrize(
    ("role", "node", "message"),
    [
        (
            Role.FACILITY_OFFICER,
            NodeRef(NodeKind.STREET, "s1"),
            "needs a facility node, got street",
        ),
        (Role.STREET_INSPECTOR, None, "needs a street node, got none"),
        (Role.DISTRICT_INSPECTOR, NodeRef(NodeKind.FACILITY, "fac-a"), "needs a district node"),
        (Role.ADMIN, NodeRef(NodeKind.DISTRICT, "d1"), "an admin covers everything"),
        (Role.OPERATOR, NodeRef(NodeKind.FACILITY, "fac-a"), None),
        (Role.OPERATOR, None, None),
    ],
)
def test_role_needs_a_node_of_its_level(
    role: Role, node: NodeRef | None, message: str | None
) -> None:
    if message is None:
        sc.check_role_node(role, node)
        return
    with pytest.raises(ValueError, match=f"node: .*{message}"):
        sc.check_role_node(role, node)


def test_create_user_rejects_a_node_of_the_wrong_level(tree: sessionmaker[Session]) -> None:
    with tree.begin() as session, pytest.raises(UserError, match="node: a street_inspector"):
        create_user(session, "x", PASSWORD, "street_inspector", NodeRef(NodeKind.DISTRICT, "d1"))

"""Roles, what each may do, and a user's scope; pure predicates that routes check server-side."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from supervision.org.tree import NodeKind, NodeRef


class Role(StrEnum):
    FACILITY_OFFICER = "facility_officer"
    STREET_INSPECTOR = "street_inspector"
    DISTRICT_INSPECTOR = "district_inspector"
    OPERATOR = "operator"
    ADMIN = "admin"


class Permission(StrEnum):
    VIEW = "view"  # live view, events, clips and snapshots of cameras in scope
    RESIDENT_DATA = "resident_data"  # residents' personal and care records
    CHANGE_THRESHOLDS = "change_thresholds"  # detection thresholds and zones
    MANAGE_CAMERAS = "manage_cameras"  # add and edit cameras, zones, models
    MANAGE_ORG = "manage_org"  # the organisation tree and user accounts


ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.FACILITY_OFFICER: frozenset({Permission.VIEW, Permission.RESIDENT_DATA}),
    Role.STREET_INSPECTOR: frozenset({Permission.VIEW, Permission.RESIDENT_DATA}),
    Role.DISTRICT_INSPECTOR: frozenset({Permission.VIEW, Permission.RESIDENT_DATA}),
    Role.OPERATOR: frozenset(
        {Permission.VIEW, Permission.CHANGE_THRESHOLDS, Permission.MANAGE_CAMERAS}
    ),
    Role.ADMIN: frozenset(Permission),
}

# The node level each role is bound to; None: the role covers the whole system.
ROLE_NODE_KIND: Mapping[Role, NodeKind | None] = {
    Role.FACILITY_OFFICER: NodeKind.FACILITY,
    Role.STREET_INSPECTOR: NodeKind.STREET,
    Role.DISTRICT_INSPECTOR: NodeKind.DISTRICT,
    Role.OPERATOR: None,
    Role.ADMIN: None,
}


@dataclass(frozen=True, slots=True)
class Scope:
    """What one user may see: role, node, and the facilities and cameras under the node."""

    user_id: int
    role: Role
    node: NodeRef | None  # None: the whole system
    facility_ids: frozenset[str]
    camera_ids: frozenset[str]


def check_role_node(role: Role, node: NodeRef | None) -> None:
    """Raise ValueError (naming `node`) unless `node` is at the level `role` is bound to.

    Inspectors and officers need their node; an operator may be limited to any node or none;
    an administrator covers everything.
    """
    wanted = ROLE_NODE_KIND[role]
    if wanted is not None and (node is None or node.kind is not wanted):
        got = "none" if node is None else f"{node.kind} {node.id!r}"
        raise ValueError(f"node: a {role} needs a {wanted} node, got {got}")
    if role is Role.ADMIN and node is not None:
        raise ValueError(f"node: an admin covers everything, got {node.kind} {node.id!r}")


def has_permission(scope: Scope, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[scope.role]


def can_read_facility(scope: Scope, facility_id: str) -> bool:
    return has_permission(scope, Permission.VIEW) and facility_id in scope.facility_ids


def can_read_camera(scope: Scope, camera_id: str) -> bool:
    """Live view, events, clips and snapshots of the camera."""
    return has_permission(scope, Permission.VIEW) and camera_id in scope.camera_ids


def can_read_resident_data(scope: Scope, facility_id: str | None = None) -> bool:
    """Residents' records (of `facility_id`, or at all when None); never for operators."""
    allowed = has_permission(scope, Permission.RESIDENT_DATA)
    return allowed and (facility_id is None or facility_id in scope.facility_ids)


def can_change_thresholds(scope: Scope, camera_id: str | None = None) -> bool:
    """Thresholds and zones (of `camera_id`, or at all when None); inspectors only read them."""
    allowed = has_permission(scope, Permission.CHANGE_THRESHOLDS)
    return allowed and (camera_id is None or camera_id in scope.camera_ids)


def can_manage_cameras(scope: Scope, facility_id: str | None = None) -> bool:
    """Add or edit cameras and models (in `facility_id`, or at all when None)."""
    allowed = has_permission(scope, Permission.MANAGE_CAMERAS)
    return allowed and (facility_id is None or facility_id in scope.facility_ids)


def can_manage_org(scope: Scope) -> bool:
    """Change the organisation tree and user accounts."""
    return has_permission(scope, Permission.MANAGE_ORG)


def visible_cameras(scope: Scope, camera_ids: Iterable[str]) -> list[str]:
    """`camera_ids` less those outside the scope, order kept: for lists and counts."""
    return [camera_id for camera_id in camera_ids if can_read_camera(scope, camera_id)]


def visible_facilities(scope: Scope, facility_ids: Iterable[str]) -> list[str]:
    return [facility_id for facility_id in facility_ids if can_read_facility(scope, facility_id)]

"""Whether a node of the tree lies at or under a user's node, and its name (for reports)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from supervision.org.scope import Scope
from supervision.org.tree import NodeKind, NodeRef
from supervision.tables import District, Facility, Street

_TABLES: dict[NodeKind, type[District] | type[Street] | type[Facility]] = {
    NodeKind.DISTRICT: District,
    NodeKind.STREET: Street,
    NodeKind.FACILITY: Facility,
}


def node_in_scope(session: Session, scope: Scope, node: NodeRef) -> bool:
    """True when `node` exists and is the scope's node or lies under it (None: everything)."""
    if node.kind is NodeKind.FACILITY:
        return node.id in scope.facility_ids  # the scope holds only facilities that exist
    if node_name(session, node) is None:
        return False
    if scope.node is None or scope.node == node:
        return True
    if node.kind is NodeKind.STREET and scope.node.kind is NodeKind.DISTRICT:
        district = session.scalar(select(Street.district_id).where(Street.id == node.id))
        return district == scope.node.id
    return False


def node_name(session: Session, node: NodeRef) -> str | None:
    """The node's name, or None when there is no such node."""
    table = _TABLES[node.kind]
    return session.scalar(select(table.name).where(table.id == node.id))

"""Nodes running the user's cameras: whether each is online (a silent site shows offline)."""

from __future__ import annotations

from fastapi import APIRouter

from dashboard.auth import PrincipalDep, SessionsDep
from dashboard.schemas.nodes import NodeOut
from supervision.nodes.registry import list_nodes
from supervision.org.scope import Role

router = APIRouter(prefix="/api/nodes", tags=["nodes"])


@router.get("", response_model=list[NodeOut])
def nodes(principal: PrincipalDep, sessions: SessionsDep) -> list[NodeOut]:
    """Nodes with a camera in the user's scope (an administrator: every node)."""
    with sessions() as session:
        views = list_nodes(session)
    scope = principal.scope
    answer = []
    for view in views:
        cameras = [c for c in view.camera_ids if c in scope.camera_ids]
        if cameras or scope.role is Role.ADMIN:
            answer.append(NodeOut.from_view(view, cameras))
    return answer

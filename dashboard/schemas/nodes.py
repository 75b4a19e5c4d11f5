"""API schemas of nodes: the processes sharing the database, online or silent."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from dashboard.schemas.common import Schema
from supervision.nodes.registry import NodeView


class NodeOut(Schema):
    id: str
    online: bool = Field(description="False once the node was silent for node.silent_after_s.")
    started_at: datetime
    last_seen_at: datetime
    version: str
    camera_ids: list[str] = Field(description="The cameras it runs that the user may see.")

    @classmethod
    def from_view(cls, view: NodeView, camera_ids: list[str]) -> NodeOut:
        return cls(
            id=view.id,
            online=view.online,
            started_at=view.started_at,
            last_seen_at=view.last_seen_at,
            version=view.version,
            camera_ids=camera_ids,
        )

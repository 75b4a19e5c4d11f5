"""Heartbeats of the nodes that share the database, and what a silent node's cameras become.

A node that stops beating (killed, powered off, cut off from the database) cannot say that its
cameras stopped: the process watching the nodes marks them offline from the node's last
heartbeat, as state changes, so the overview, the camera list and the online-rate KPI see the
site offline from the moment it went silent, and online again when its cameras report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from supervision.tables import Camera, CameraStateChange, Node, utc_now

OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class NodeView:
    id: str
    started_at: datetime
    last_seen_at: datetime
    version: str
    online: bool
    camera_ids: tuple[str, ...]


def database_now(session: Session) -> datetime:
    """The database server's clock on PostgreSQL, by which every node's heartbeat is written
    and judged (machines' clocks differ); this machine's on SQLite (one machine)."""
    if session.get_bind().dialect.name != "postgresql":
        return utc_now()
    value = session.scalar(select(func.now()))
    assert isinstance(value, datetime)
    return value.astimezone(UTC)


def beat(session: Session, node_id: str, version: str, now: datetime) -> None:
    """Say that `node_id` is alive now (its first beat records when it started)."""
    row = session.get(Node, node_id, with_for_update=True)
    if row is None:
        session.add(Node(id=node_id, started_at=now, last_seen_at=now, version=version))
        return
    if row.silent_since is not None:  # back after a silence: a new run
        row.started_at, row.silent_since = now, None
    row.last_seen_at, row.version = now, version


def mark_silent(session: Session, now: datetime, silent_after_s: float) -> list[str]:
    """Mark each node not heard from for `silent_after_s` silent, once, and its cameras offline
    from its last heartbeat; the ids of the nodes found silent now."""
    limit = now - timedelta(seconds=silent_after_s)
    query = select(Node).where(Node.last_seen_at < limit, Node.silent_since.is_(None))
    found = []
    for node in session.scalars(query.with_for_update()):
        node.silent_since = node.last_seen_at
        for camera in session.scalars(select(Camera).where(Camera.node_id == node.id)):
            _offline(session, camera, node)
        found.append(node.id)
    return found


def list_nodes(session: Session) -> list[NodeView]:
    """Every node with its cameras; online unless it was found silent (`mark_silent`)."""
    cameras: dict[str, list[str]] = {}
    for camera_id, node_id in session.execute(select(Camera.id, Camera.node_id)):
        if node_id is not None:
            cameras.setdefault(node_id, []).append(camera_id)
    return [
        NodeView(
            node.id,
            node.started_at,
            node.last_seen_at,
            node.version,
            node.silent_since is None,
            tuple(sorted(cameras.get(node.id, []))),
        )
        for node in session.scalars(select(Node).order_by(Node.id))
    ]


def _offline(session: Session, camera: Camera, node: Node) -> None:
    if camera.state == OFFLINE:
        return
    at = max(node.last_seen_at, camera.updated_at)  # after any health the node wrote last
    change = CameraStateChange(
        camera_id=camera.id, from_state=camera.state, to_state=OFFLINE, at=at
    )
    session.add(change)
    camera.state = OFFLINE
    camera.last_error = f"node {node.id} silent since {at.isoformat(timespec='seconds')}"
    camera.updated_at = at

"""GET /api/nodes: the nodes running the user's cameras, and which are silent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from supervision.events.store import EventStore
from supervision.nodes.registry import beat, mark_silent
from supervision.tables import Camera, utc_now


def test_each_user_sees_the_nodes_of_their_cameras(
    store: EventStore, client_as: Callable[[str], TestClient]
) -> None:
    now = utc_now()
    with store.sessions.begin() as session:
        beat(session, "site-1", "0.1.0", now - timedelta(minutes=5))  # silent since then
        beat(session, "site-2", "0.1.0", now)
        beat(session, "centre", "0.1.0", now)  # runs no camera
        session.execute(
            update(Camera).where(Camera.facility_id == "fac-1").values(node_id="site-1")
        )
        session.execute(update(Camera).where(Camera.id == "cam-9").values(node_id="site-2"))
        assert mark_silent(session, now, 35.0) == ["site-1"]

    def nodes(name: str) -> dict[str, tuple[bool, list[str]]]:
        answer = client_as(name).get("/api/nodes")
        assert answer.status_code == 200
        return {n["id"]: (n["online"], n["camera_ids"]) for n in answer.json()}

    assert nodes("officer-1") == {"site-1": (False, ["cam-1", "cam-2"])}
    assert nodes("street-2") == {"site-2": (True, ["cam-9"])}
    assert nodes("district") == {"site-1": (False, ["cam-1", "cam-2"]), "site-2": (True, ["cam-9"])}
    assert set(nodes("admin")) == {"centre", "site-1", "site-2"}
    # Stored state: cam-2 runs at the silent site (cam-1's live health here takes precedence).
    cameras = {c["id"]: c["state"] for c in client_as("officer-1").get("/api/cameras").json()}
    assert cameras["cam-2"] == "offline"

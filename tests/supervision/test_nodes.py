"""Nodes beat; a silent node and its cameras go offline from its last heartbeat, and back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from streams.health import CameraHealth, CameraState
from supervision.config import NodeConfig
from supervision.events.reads import get_event, list_camera_health
from supervision.events.store import EventStore
from supervision.nodes import heartbeat
from supervision.nodes.heartbeat import Heartbeat
from supervision.nodes.registry import beat, list_nodes, mark_silent
from supervision.reports.uptime import uptime
from supervision.tables import CameraStateChange
from tests.conftest import CAMERAS, FACILITIES
from tests.store_calls import read

SILENT_AFTER_S = 35.0


@pytest.fixture
def at() -> Callable[[float], datetime]:
    """Times from a minute ahead: after the cameras are added, whose uptime counts from then."""
    t0 = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)
    return lambda seconds: t0 + timedelta(seconds=seconds)


def _online(camera_id: str) -> CameraHealth:
    return CameraHealth(camera_id, CameraState.ONLINE, None, 8.0, 0, 0, 0)


@pytest.fixture
def site(store: EventStore, at: Callable[[float], datetime]) -> EventStore:
    """The store of node `site-a`, running cam-1 and cam-2, both online at `at(0)`."""
    node = EventStore(store.sessions, node_id="site-a")
    node.sync_topology(FACILITIES, CAMERAS)
    for camera in CAMERAS:
        node.update_camera_health(_online(camera.id), at=at(0))
    with store.sessions.begin() as session:
        beat(session, "site-a", "0.1.0", at(0))
        beat(session, "centre", "0.1.0", at(0))
    return node


def test_cameras_and_events_carry_the_node_that_ran_them(site: EventStore, make_event) -> None:  # type: ignore[no-untyped-def]
    event_id = site.record_event(make_event(camera_id="cam-2"))
    assert [view.node_id for view in read(site, list_camera_health)] == ["site-a", "site-a"]
    assert read(site, get_event, event_id).node_id == "site-a"  # type: ignore[union-attr]


def test_a_silent_node_and_its_cameras_go_offline_from_its_last_heartbeat(
    site: EventStore, at: Callable[[float], datetime]
) -> None:
    with site.sessions.begin() as session:
        beat(session, "centre", "0.1.0", at(60))  # the centre keeps beating
        assert mark_silent(session, at(30), SILENT_AFTER_S) == []  # not silent long enough
        assert mark_silent(session, at(60), SILENT_AFTER_S) == ["site-a"]
        assert mark_silent(session, at(90), SILENT_AFTER_S) == []  # marked once
    with site.sessions() as session:
        nodes = {view.id: view for view in list_nodes(session)}
        changes = session.scalars(select(CameraStateChange).order_by(CameraStateChange.id)).all()
        day = uptime(session, ["cam-1"], at(0), at(120))["cam-1"]
    assert (nodes["site-a"].online, nodes["centre"].online) == (False, True)
    assert nodes["site-a"].camera_ids == ("cam-1", "cam-2")
    assert [(c.to_state, c.at) for c in changes][-2:] == [("offline", at(0))] * 2
    assert {view.state for view in read(site, list_camera_health)} == {"offline"}
    assert (day.watched_s, day.online_s) == (120.0, 0.0)  # offline from the last heartbeat

    # The site comes back: it beats, and its cameras report online again.
    with site.sessions.begin() as session:
        beat(session, "site-a", "0.1.0", at(200))
    site.update_camera_health(_online("cam-1"), at=at(201))
    with site.sessions() as session:
        assert {view.id: view.online for view in list_nodes(session)}["site-a"]
        back = uptime(session, ["cam-1"], at(0), at(301))["cam-1"]
    assert back.online_s == 100.0


def test_the_heartbeat_beats_and_only_the_lease_holder_watches(store: EventStore) -> None:
    site = store
    with site.sessions.begin() as session:
        beat(session, "old-site", "0.1.0", datetime.now(UTC) - timedelta(minutes=5))
    config = NodeConfig(id="site-b", heartbeat_s=1.0, silent_after_s=3.0)
    watcher = Heartbeat(site.sessions, config, "0.1.0", watch_lease=lambda: False)
    assert watcher.check() == []  # old-site has long been silent, but this one does not watch
    assert Heartbeat(site.sessions, config, "0.1.0").check() == ["old-site"]
    with site.sessions() as session:
        online = {view.id: view.online for view in list_nodes(session)}
    assert online == {"old-site": False, "site-b": True}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"id": "has space"}, "id"),
        ({"heartbeat_s": 20, "silent_after_s": 30}, "silent_after_s"),
        ({"heartbeat_s": 0.1}, "heartbeat_s"),
    ],
)
def test_node_settings_name_the_wrong_field(values: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        NodeConfig.model_validate(values)


def test_the_default_node_id_is_a_valid_name() -> None:
    assert NodeConfig().id


def test_a_clock_far_off_the_databases_is_said_once(
    store: EventStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    server = datetime.now(UTC) + timedelta(seconds=90)  # this machine runs 90 s slow
    monkeypatch.setattr(heartbeat, "database_now", lambda session: server)
    beating = Heartbeat(store.sessions, NodeConfig(id="site-c"), "0.1.0")
    with caplog.at_level("WARNING", logger="supervision.nodes.heartbeat"):
        beating.check()
        beating.check()
    said = [r.getMessage() for r in caplog.records if "clock" in r.getMessage()]
    assert said == [
        "node site-c: this machine's clock is -90 s off the database server's; event times "
        "will be off by as much (set up NTP)"
    ]
    with store.sessions() as session:
        assert {view.id: view.last_seen_at for view in list_nodes(session)}["site-c"] == server

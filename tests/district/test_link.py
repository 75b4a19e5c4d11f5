"""Sites' changes reach the centre, and the centre's steps the site, over the real brokers:
once each, through a WAN cut."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import nats
import pytest
from sqlalchemy import Engine, func, select

from carewatch.district.servers import start_leaf
from supervision.config import NodeConfig, PublishConfig
from supervision.db import session_factory
from supervision.district.apply import apply_changes
from supervision.district.config import DistrictLinkConfig
from supervision.district.ingest import Intake, centre_intake, site_intake
from supervision.district.subjects import MSG_ID_HEADER, up_subject
from supervision.district.uplink import CentreDownlink, SiteBeat, SiteUplink
from supervision.events.changes import changes_since
from supervision.events.incidents import transition_event
from supervision.events.store import EventStore
from supervision.events.views import FacilityRecord, TransitionAction
from supervision.nodes.heartbeat import Heartbeat
from supervision.publish.messages import build_message
from supervision.publish.publisher import Publisher
from supervision.tables import Camera, Event, IncidentStep, Node, SiteChange
from tests.conftest import T0_EPOCH_S
from tests.district.conftest import CENTRE_PASS_ONLY, SITES, Brokers, site_store
from vision.events import EventType, SafetyEvent, Severity

pytestmark = CENTRE_PASS_ONLY
T = TypeVar("T")
FAST_NODE = {"heartbeat_s": 0.5, "silent_after_s": 2.0}
REJECTED = "centre.rejected.jsonl"


def wait_for(check: Callable[[], T], timeout_s: float, what: str) -> T:
    deadline = time.monotonic() + timeout_s
    while not (value := check()):
        assert time.monotonic() < deadline, f"not within {timeout_s} s: {what}"
        time.sleep(0.1)
    return value


@dataclass
class Site:
    node_id: str
    store: EventStore
    publisher: Publisher
    beat: SiteBeat
    intake: Intake
    falls: int = 0

    def fall(self) -> str:
        self.falls += 1
        event = SafetyEvent(
            type=EventType.FALL,
            severity=Severity.CRITICAL,
            camera_id=f"cam-{self.node_id}",
            start_s=100.0 * self.falls,
            end_s=None,
            started_at=T0_EPOCH_S + 100.0 * self.falls,
            confidence=0.9,
        )
        self.store.record_event(event)
        return event.key


def _site(node_id: str, brokers: Brokers, folder: Path) -> Site:
    store = site_store(folder, node_id, f"home-{node_id}", f"cam-{node_id}")
    link = DistrictLinkConfig(role="site", nats_url=brokers.leaves[node_id].url, timeout_s=2)
    uplink = SiteUplink(link, node_id)
    publisher = Publisher(store, PublishConfig(poll_s=0.1), [uplink])
    camera = {f"cam-{node_id}": ("online", f"home-{node_id}")}
    beat = SiteBeat(uplink, "test", FAST_NODE["heartbeat_s"], lambda: camera)
    node = NodeConfig(id=node_id, **FAST_NODE)
    intake = site_intake(store, link, node, folder / f"{node_id}.rejected.jsonl")
    return Site(node_id, store, publisher, beat, intake)


@pytest.fixture
def district(
    brokers: Brokers, engine: Engine, tmp_path: Path
) -> Iterator[tuple[dict[str, Site], EventStore]]:
    centre = EventStore(session_factory(engine), node_id="centre")
    homes = [FacilityRecord(id=f"home-{site}", name=f"Home {site}") for site in SITES]
    centre.sync_topology(homes, [])
    node = NodeConfig(id="centre", **FAST_NODE)
    link = DistrictLinkConfig(role="centre", nats_url=brokers.hub.url, sites=list(SITES))
    intake = centre_intake(centre, link, node, tmp_path / REJECTED, lambda: True)
    downlink = Publisher(centre, PublishConfig(poll_s=0.1), [CentreDownlink(link, "centre")])
    watch = Heartbeat(centre.sessions, node, "test")
    sites = {site: _site(site, brokers, tmp_path) for site in SITES}
    parts: list[Intake | Publisher | Heartbeat | SiteBeat] = [intake, downlink, watch]
    parts += [part for s in sites.values() for part in (s.publisher, s.beat, s.intake)]
    for part in parts:
        part.start()
    try:
        yield sites, centre
    finally:
        for part in reversed(parts):
            part.stop()


def _count(store: EventStore, query: object) -> int:
    with store.sessions() as session:
        return int(session.scalar(query) or 0)  # type: ignore[call-overload]


def _keys(store: EventStore) -> list[str]:
    with store.sessions() as session:
        return list(session.scalars(select(Event.key).order_by(Event.key)))


def _node(store: EventStore, node_id: str) -> tuple[bool, str] | None:
    with store.sessions() as session:
        node = session.get(Node, node_id)
        camera = session.get(Camera, f"cam-{node_id}")
        if node is None or camera is None:
            return None
        return node.silent_since is not None, camera.state


def test_a_cut_site_catches_up_with_nothing_lost_or_doubled(
    district: tuple[dict[str, Site], EventStore], brokers: Brokers
) -> None:
    sites, centre = district
    before = {name: [site.fall(), site.fall()] for name, site in sites.items()}
    wait_for(lambda: len(_keys(centre)) == 6, 20, "the first falls at the centre")
    wait_for(lambda: _node(centre, "site-a") == (False, "online"), 10, "site-a online")

    brokers.wans["site-a"].cut()
    cut_at = time.monotonic()
    during = [sites["site-a"].fall() for _ in range(5)]
    sites["site-b"].fall()
    _step(sites["site-a"].store, during[0], "acknowledge", "officer-a")
    # Both sides work on one fall during the cut: both steps are kept, the furthest wins.
    both = before["site-a"][0]
    _step(sites["site-a"].store, both, "acknowledge", "officer-a")
    _step(centre, both, "false_alarm", "inspector")
    wait_for(lambda: _node(centre, "site-a") == (True, "offline"), 10, "site-a offline")
    assert len(_keys(centre)) == 7  # site-b's, not site-a's
    time.sleep(max(0.0, 3.0 - (time.monotonic() - cut_at)))

    brokers.wans["site-a"].restore()
    expected = sorted(key for site in sites.values() for key in _keys(site.store))
    wait_for(lambda: _keys(centre) == expected, 30, "every site's falls at the centre")
    wait_for(lambda: _node(centre, "site-a") == (False, "online"), 10, "site-a online again")
    wait_for(lambda: _steps(centre, during[0])[0] == "acknowledged", 10, "the site's step")
    assert _steps(centre, during[0])[1] == [("officer-a", "acknowledged")]
    assert _count(centre, select(func.count()).select_from(IncidentStep)) >= 2
    wait_for(lambda: _steps(sites["site-a"].store, both)[0] == "false_alarm", 60, "down")
    for store in (centre, sites["site-a"].store):
        status, steps = _steps(store, both)
        assert (status, steps) == (
            "false_alarm",
            [("inspector", "false_alarm"), ("officer-a", "acknowledged")],
        )
    journal = sum(_count(s.store, select(func.count()).select_from(Event)) for s in sites.values())
    assert journal == len(expected) == 12
    applied = _count(centre, select(func.count()).select_from(SiteChange))
    assert applied == 12 + 2  # every change once: 12 new events and two steps
    assert _count(sites["site-a"].store, select(func.count()).select_from(SiteChange)) == 1


def test_a_redelivered_change_is_applied_once(store: EventStore, tmp_path: Path) -> None:
    site = site_store(tmp_path, "site-a", "fac-1", "cam-x")
    site.record_event(
        SafetyEvent(EventType.FALL, Severity.CRITICAL, "cam-x", 1.0, None, T0_EPOCH_S, 0.9)
    )
    (change,) = changes_since(site.sessions, 0, 10)
    body = build_message(change).body
    with store.write_session() as session:
        assert apply_changes(store, session, [("site-a", body), ("site-a", body)]) == 1
    with store.write_session() as session:
        assert apply_changes(store, session, [("site-a", body)]) == 0
    with store.sessions() as session:
        (row,) = session.scalars(select(Event)).all()
        assert (row.node_id, row.camera_id) == ("site-a", "cam-x")
        assert session.get_one(Camera, "cam-x").node_id == "site-a"


def _step(store: EventStore, key: str, action: TransitionAction, actor: str) -> None:
    with store.write_session() as session:
        event_id = session.scalar(select(Event.id).where(Event.key == key))
        assert event_id is not None
        transition_event(session, event_id, action, actor, f"{actor} saw it")


def _steps(store: EventStore, key: str) -> tuple[str, list[tuple[str, str]]]:
    with store.sessions() as session:
        row = session.scalars(select(Event).where(Event.key == key)).one()
        steps = sorted((step.actor, step.to_status) for step in row.transitions)
        return row.status, steps


def test_a_leaf_node_with_another_sites_password_is_refused(
    brokers: Brokers, tmp_path: Path
) -> None:
    assert brokers.hub.leaf_port is not None
    hub_leaf = f"127.0.0.1:{brokers.hub.leaf_port}"
    impostor = start_leaf(tmp_path / "impostor", "site-a", "site-b-secret", hub_leaf)
    try:
        hub_log, own_log = brokers.hub.folder / "hub.log", impostor.folder / "site-a.log"
        wait_for(lambda: "Authorization Violation" in own_log.read_text(), 10, "told")
        assert 'authentication error - User "site-a"' in hub_log.read_text()
        leaves = httpx.get(f"http://127.0.0.1:{brokers.hub.monitor_port}/leafz").json()
        assert sorted(leaf["name"] for leaf in leaves["leafs"]) == sorted(SITES)
    finally:
        impostor.stop()


def test_a_change_that_can_never_apply_is_set_aside(
    district: tuple[dict[str, Site], EventStore], brokers: Brokers, tmp_path: Path
) -> None:
    sites, centre = district
    first = sites["site-a"].fall()
    wait_for(lambda: first in _keys(centre), 20, "site-a's first fall at the centre")
    bad = json.dumps({"revision": 10**6, "kind": "event.new"}).encode()  # no event in it
    asyncio.run(_publish(brokers.leaves["site-a"].url, "site-a", bad))
    later = [sites["site-a"].fall() for _ in range(3)]
    wait_for(lambda: set(later) <= set(_keys(centre)), 20, "the falls after it at the centre")
    (line,) = (tmp_path / REJECTED).read_text().splitlines()
    kept = json.loads(line)
    assert (kept["node"], json.loads(kept["body"])) == ("site-a", json.loads(bad))
    assert kept["error"].startswith("KeyError")


async def _publish(url: str, site: str, body: bytes) -> None:
    """Into the site's stream, as its uplink would, a body of our own."""
    client = await nats.connect(url)
    try:
        headers = {MSG_ID_HEADER: f"{site}:malformed"}
        await client.jetstream(domain=site).publish(up_subject(site), body, headers=headers)
    finally:
        await client.close()

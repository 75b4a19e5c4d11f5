"""Sites' changes reach the centre over the real brokers: once each, through a WAN cut."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Engine, func, select

from supervision.config import DatabaseConfig, NodeConfig, PublishConfig
from supervision.db import create_engine_for, migrate, session_factory
from supervision.district.apply import apply_change
from supervision.district.config import DistrictLinkConfig
from supervision.district.ingest import CentreIngest
from supervision.district.uplink import SiteBeat, SiteUplink
from supervision.events.changes import changes_since
from supervision.events.incidents import transition_event
from supervision.events.store import EventStore
from supervision.events.views import CameraRecord, FacilityRecord
from supervision.nodes.heartbeat import Heartbeat
from supervision.publish.messages import build_message
from supervision.publish.publisher import Publisher
from supervision.tables import Camera, Event, EventTransition, IncidentStep, Node, SiteChange
from tests.conftest import T0_EPOCH_S
from tests.district.conftest import CENTRE_PASS_ONLY, SITES, Brokers
from vision.events import EventType, SafetyEvent, Severity

pytestmark = CENTRE_PASS_ONLY
T = TypeVar("T")
FAST_NODE = {"heartbeat_s": 0.5, "silent_after_s": 2.0}


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
    engine = create_engine_for(DatabaseConfig(url=f"sqlite:///{folder / node_id}.db"))
    migrate(engine)
    store = EventStore(session_factory(engine), node_id=node_id)
    facility = FacilityRecord(id=f"home-{node_id}", name=f"Home {node_id}")
    store.sync_topology([facility], [CameraRecord(f"cam-{node_id}", facility.id, "Room", "file")])
    link = DistrictLinkConfig(role="site", nats_url=brokers.leaves[node_id].url, timeout_s=2)
    uplink = SiteUplink(link, node_id)
    publisher = Publisher(store, PublishConfig(poll_s=0.1), [uplink])
    camera = {f"cam-{node_id}": ("online", facility.id)}
    beat = SiteBeat(uplink, "test", FAST_NODE["heartbeat_s"], lambda: camera)
    return Site(node_id, store, publisher, beat)


@pytest.fixture
def district(
    brokers: Brokers, engine: Engine, tmp_path: Path
) -> Iterator[tuple[dict[str, Site], EventStore]]:
    centre = EventStore(session_factory(engine), node_id="centre")
    homes = [FacilityRecord(id=f"home-{site}", name=f"Home {site}") for site in SITES]
    centre.sync_topology(homes, [])
    node = NodeConfig(id="centre", **FAST_NODE)
    link = DistrictLinkConfig(role="centre", nats_url=brokers.hub.url, sites=list(SITES))
    ingest = CentreIngest(centre, link, node)
    watch = Heartbeat(centre.sessions, node, "test")
    sites = {site: _site(site, brokers, tmp_path) for site in SITES}
    parts = [
        ingest,
        watch,
        *(s.publisher for s in sites.values()),
        *(s.beat for s in sites.values()),
    ]
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
    for site in sites.values():
        site.fall(), site.fall()
    wait_for(lambda: len(_keys(centre)) == 6, 20, "the first falls at the centre")
    wait_for(lambda: _node(centre, "site-a") == (False, "online"), 10, "site-a online")

    brokers.wans["site-a"].cut()
    cut_at = time.monotonic()
    during = [sites["site-a"].fall() for _ in range(5)]
    sites["site-b"].fall()
    with sites["site-a"].store.write_session() as session:
        first = session.scalar(select(Event.id).where(Event.key == during[0]))
        assert first is not None
        transition_event(session, first, "acknowledge", "officer-a", "on my way")
    wait_for(lambda: _node(centre, "site-a") == (True, "offline"), 10, "site-a offline")
    assert len(_keys(centre)) == 7  # site-b's, not site-a's
    time.sleep(max(0.0, 3.0 - (time.monotonic() - cut_at)))

    brokers.wans["site-a"].restore()
    expected = sorted(key for site in sites.values() for key in _keys(site.store))
    wait_for(lambda: _keys(centre) == expected, 30, "every site's falls at the centre")
    wait_for(lambda: _node(centre, "site-a") == (False, "online"), 10, "site-a online again")
    with centre.sessions() as session:
        row = session.scalars(select(Event).where(Event.key == during[0])).one()
        wait_for(lambda: session.refresh(row) or row.status == "acknowledged", 10, "the step")
        steps = session.scalars(select(EventTransition).where(EventTransition.event_id == row.id))
        assert [(s.actor, s.to_status) for s in steps] == [("officer-a", "acknowledged")]
        assert session.scalar(select(func.count()).select_from(IncidentStep)) >= 1
    journal = sum(_count(s.store, select(func.count()).select_from(Event)) for s in sites.values())
    assert journal == len(expected) == 12
    applied = _count(centre, select(func.count()).select_from(SiteChange))
    assert applied == 12 + 1  # every change once: 12 new events and one step


def test_a_redelivered_change_is_applied_once(store: EventStore, tmp_path: Path) -> None:
    site = EventStore(session_factory(_sqlite(tmp_path)), node_id="site-a")
    site.sync_topology(
        [FacilityRecord(id="fac-1", name="Home")], [CameraRecord("cam-x", "fac-1", "Room", "file")]
    )
    site.record_event(
        SafetyEvent(EventType.FALL, Severity.CRITICAL, "cam-x", 1.0, None, T0_EPOCH_S, 0.9)
    )
    (change,) = changes_since(site.sessions, 0, 10)
    body = build_message(change).body
    with store.write_session() as session:
        assert apply_change(store, session, "site-a", body) is True
    with store.write_session() as session:
        assert apply_change(store, session, "site-a", body) is False
    with store.sessions() as session:
        (row,) = session.scalars(select(Event)).all()
        assert (row.node_id, row.camera_id) == ("site-a", "cam-x")
        assert session.get_one(Camera, "cam-x").node_id == "site-a"


def _sqlite(folder: Path) -> Engine:
    engine = create_engine_for(DatabaseConfig(url=f"sqlite:///{folder / 'site'}.db"))
    migrate(engine)
    return engine

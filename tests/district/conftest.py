"""District fixtures: the real NATS servers (a hub, a leaf per site behind a WAN link that can
be cut), and the PostgreSQL-only mark (the centre needs PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from carewatch.district.servers import NatsServer, start_hub, start_leaf
from supervision.config import DatabaseConfig
from supervision.db import create_engine_for, migrate, session_factory
from supervision.events.store import EventStore
from supervision.events.views import CameraRecord, FacilityRecord
from tests.conftest import EXTERNAL_URL
from tests.district.wan import WanLink
from tests.faults.conftest import _no_service_left

CENTRE_PASS_ONLY = pytest.mark.skipif(
    EXTERNAL_URL is None, reason="a district centre runs on PostgreSQL: the PostgreSQL pass"
)
SITES = ("site-a", "site-b", "site-c")
__all__ = ["_no_service_left"]  # autouse: a failed test leaves no `carewatch run` behind


def site_store(folder: Path, node_id: str, facility_id: str, camera_id: str) -> EventStore:
    """A site's own SQLite database, migrated, with one facility and one camera."""
    engine = create_engine_for(DatabaseConfig(url=f"sqlite:///{folder / node_id}.db"))
    migrate(engine)
    store = EventStore(session_factory(engine), node_id=node_id)
    facility = FacilityRecord(id=facility_id, name=f"Home of {node_id}")
    store.sync_topology([facility], [CameraRecord(camera_id, facility_id, "Room", "file")])
    return store


@dataclass
class Brokers:
    hub: NatsServer
    leaves: dict[str, NatsServer]
    wans: dict[str, WanLink]


@pytest.fixture
def brokers(tmp_path: Path) -> Iterator[Brokers]:
    passwords = {site: f"{site}-secret" for site in SITES}
    hub = start_hub(tmp_path / "nats", passwords)
    assert hub.leaf_port is not None
    leaves: dict[str, NatsServer] = {}
    wans = {site: WanLink(hub.leaf_port) for site in SITES}
    try:
        for site in SITES:
            leaves[site] = start_leaf(tmp_path / "nats", site, passwords[site], wans[site].address)
        yield Brokers(hub, leaves, wans)
    finally:
        for server in [*leaves.values(), hub]:
            server.stop()
        for wan in wans.values():
            wan.cut()

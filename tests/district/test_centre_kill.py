"""The centre's `carewatch run` killed (-9) while it takes a site's backlog in: after a restart
every change is applied exactly once."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import create_engine, text

from supervision.config import PublishConfig
from supervision.district.config import DistrictLinkConfig
from supervision.district.uplink import SiteUplink
from supervision.publish.publisher import Publisher
from tests.conftest import T0_EPOCH_S
from tests.district.conftest import CENTRE_PASS_ONLY, Brokers, site_store
from tests.faults.report import record
from tests.faults.service import ServiceProcess, stored_events, wait_for
from vision.events import EventType, SafetyEvent, Severity

pytestmark = CENTRE_PASS_ONLY
BACKLOG = 1500


def _counts(url: str) -> tuple[int, int, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            events, keys = connection.execute(
                text("SELECT count(*), count(DISTINCT key) FROM events")
            ).one()
            applied = connection.execute(text("SELECT count(*) FROM site_changes")).scalar_one()
            return int(events), int(keys), int(applied)
    except Exception:  # the centre has not made its tables yet
        return 0, 0, 0
    finally:
        engine.dispose()


def _site_backlog(brokers: Brokers, folder: Path) -> None:
    """site-a's BACKLOG falls, all in its stream on its leaf node."""
    store = site_store(folder, "site-a", "home-site-a", "room-site-a")
    link = DistrictLinkConfig(role="site", nats_url=brokers.leaves["site-a"].url)
    uplink = SiteUplink(link, "site-a")
    publisher = Publisher(store, PublishConfig(poll_s=0.1, batch=1000), [uplink])
    publisher.start()
    for n in range(BACKLOG):
        event = SafetyEvent(
            EventType.FALL,
            Severity.CRITICAL,
            "room-site-a",
            10.0 * n,
            None,
            T0_EPOCH_S + 10.0 * n,
            0.9,
        )
        store.record_event(event)
    wait_for(lambda: publisher.status()[0].revision == BACKLOG, 120, "the backlog published")
    publisher.stop()


def test_the_centre_killed_mid_batch_applies_each_change_once(
    brokers: Brokers, database_url: str, tmp_path: Path
) -> None:
    _site_backlog(brokers, tmp_path)
    config = {
        "facilities": [{"id": "home-site-a", "name": "Home"}],
        "cameras": [],
        "storage": {"data_dir": str(tmp_path / "centre")},
        "database": {"url": database_url},
        "node": {"id": "centre"},
        "district_link": {
            "role": "centre",
            "nats_url": brokers.hub.url,
            "sites": ["site-a"],
            "batch": 100,
        },
    }
    centre = ServiceProcess(tmp_path, config)
    centre.start()
    wait_for(lambda: _counts(database_url)[0] > 0, 60, "the centre taking the backlog in")
    centre.kill()
    killed_at = _counts(database_url)
    assert killed_at[0] < BACKLOG, "the backlog was taken before the kill"
    centre.start()
    started = time.monotonic()
    wait_for(lambda: _counts(database_url)[0] == BACKLOG, 120, "the whole backlog")
    time.sleep(2.0)  # a redelivered batch would show now
    assert _counts(database_url) == (BACKLOG, BACKLOG, BACKLOG)
    assert centre.stop() == 0
    record(
        "district centre kill -9",
        produced=BACKLOG,
        stored=stored_events(database_url),
        applied_before_kill=killed_at[0],
        catch_up_s=round(time.monotonic() - started, 1),
    )

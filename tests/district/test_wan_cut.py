"""A centre and three sites as real `carewatch run` processes over the real brokers and object
store; one site's WAN link is cut for two minutes while its camera keeps seeing falls; then an
inspector at the centre plays a site's clip and resolves the fall in Chromium."""

from __future__ import annotations

import time
from pathlib import Path

from playwright.sync_api import Browser

from carewatch.district.servers import ObjectStoreServer
from tests.dashboard.conftest import browser
from tests.district.conftest import CENTRE_PASS_ONLY, SITES, Brokers
from tests.district.nodes import (
    audit_verify,
    centre_config,
    event_state,
    fall_keys,
    looping_fall,
    object_store,
    resolve_at_the_centre,
    rows,
    silent,
    site_config,
    site_url,
)
from tests.faults.report import record
from tests.faults.service import ServiceProcess, wait_for

pytestmark = CENTRE_PASS_ONLY
# Fixtures: the module-scoped Chromium of tests/dashboard/conftest.py, the district's video
# and object store.
__all__ = ["browser", "looping_fall", "object_store"]
CUT_S = 120.0
SITE_P95_S = 1.5


def test_a_site_cut_off_for_two_minutes(
    brokers: Brokers,
    object_store: ObjectStoreServer,
    database_url: str,
    looping_fall: Path,
    tmp_path: Path,
    browser: Browser,
) -> None:
    folders = {name: tmp_path / name for name in ("centre", *SITES)}
    for folder in folders.values():
        folder.mkdir()
    config = centre_config(database_url, brokers, object_store, folders["centre"])
    centre = ServiceProcess(folders["centre"], config)
    centre.add_admin()
    centre.start()
    configs = {
        name: site_config(name, brokers, object_store, looping_fall, folders[name])
        for name in SITES
    }
    sites = {name: ServiceProcess(folders[name], configs[name]) for name in SITES}
    site_urls = {name: site_url(folders[name]) for name in SITES}
    for site in sites.values():
        site.start()
    wait_for(lambda: all(fall_keys(url) for url in site_urls.values()), 120, "falls at each site")
    wait_for(
        lambda: fall_keys(site_urls["site-a"]) <= fall_keys(database_url),
        30,
        "site-a's falls at the centre",
    )
    first = sorted(fall_keys(site_urls["site-a"]))[0]
    (event_id,) = rows(database_url, "SELECT id FROM events WHERE key = :key", key=first)[0]

    brokers.wans["site-a"].cut()
    cut_at = time.monotonic()
    before_cut = fall_keys(site_urls["site-a"])
    wait_for(lambda: silent(database_url, "site-a"), 30, "site-a offline at the centre")
    offline = rows(database_url, "SELECT state FROM cameras WHERE id = 'room-site-a'")
    assert offline == [("offline",)]
    with centre.signed_in() as client:
        step = {"note": "seen from the district centre"}
        client.post(f"/api/events/{event_id}/acknowledge", json=step).raise_for_status()
    time.sleep(max(0.0, CUT_S - (time.monotonic() - cut_at)))
    during = fall_keys(site_urls["site-a"]) - before_cut
    assert during, "site-a saw no fall during the cut"
    assert not during & fall_keys(database_url)
    p95 = sites["site-a"].metric(
        'carewatch_camera_event_latency_seconds{camera="room-site-a",quantile="0.95"}'
    )
    assert p95 is not None and p95 <= SITE_P95_S, p95

    brokers.wans["site-a"].restore()
    wait_for(lambda: silent(database_url, "site-a") is False, 30, "site-a online again")
    resolve_at_the_centre(centre, browser, database_url, event_id, first)
    wait_for(
        lambda: event_state(site_urls["site-a"], first)[0] == "resolved", 60, "resolved at site"
    )
    for site in sites.values():
        assert site.stop() == 0
    union = set().union(*(fall_keys(url) for url in site_urls.values()))
    wait_for(lambda: fall_keys(database_url) == union, 60, "every site's falls at the centre")
    site_steps = rows(
        site_urls["site-a"],
        "SELECT e.status, t.actor FROM events e JOIN event_transitions t ON t.event_id = e.id "
        "WHERE e.key = :key",
        key=first,
    )
    assert sorted(site_steps) == [("resolved", "root"), ("resolved", "root")]
    counts = rows(database_url, "SELECT count(*), count(DISTINCT key) FROM events")
    assert counts[0][0] == counts[0][1] >= len(union)
    assert centre.stop() == 0
    for service in [centre, *sites.values()]:
        audit_verify(service)
    centre_keys = [
        key for (key,) in rows(database_url, "SELECT key FROM events WHERE type = 'fall'")
    ]
    record(
        "district WAN cut",
        produced=len(union),
        stored=[("centre", key) for key in centre_keys],
        cut_s=CUT_S,
        falls_during_cut=len(during),
        site_event_p95_s=round(p95, 3),
    )

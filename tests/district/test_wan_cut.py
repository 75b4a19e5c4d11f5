"""A centre and three sites as real `carewatch run` processes over the real brokers and object
store; one site's WAN link is cut for two minutes while its camera keeps seeing falls; then an
inspector at the centre plays a site's clip and resolves the fall in Chromium."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from carewatch.district.servers import ObjectStoreServer, centre_identity, site_identity
from tests.conftest import EVAL_DIR
from tests.dashboard.browser import TIMEOUT_MS, screenshot, sign_in
from tests.dashboard.conftest import browser
from tests.district.conftest import CENTRE_PASS_ONLY, SITES, Brokers
from tests.faults.clips import FALL_CLIP, lead_in_fall
from tests.faults.report import record
from tests.faults.service import ADMIN, ServiceProcess, wait_for

pytestmark = CENTRE_PASS_ONLY
__all__ = ["browser"]  # the module-scoped Chromium of tests/dashboard/conftest.py
SECRETS = {name: f"{name}-object-secret" for name in (*SITES, "centre")}
CUT_S = 120.0
FAST_NODE = {"heartbeat_s": 2.0, "silent_after_s": 6.0}
SITE_P95_S = 1.5


@pytest.fixture(scope="module")
def looping_fall(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = EVAL_DIR / FALL_CLIP
    if not source.is_file():
        pytest.skip(f"evaluation clip not found: {source}")
    folder = tmp_path_factory.mktemp("district-video")
    return lead_in_fall(source, folder / "fall.mp4", 3.0, 4.0)  # a fall every ~12 s, looped


def _objects(store: ObjectStoreServer, name: str) -> dict[str, str]:
    return {"endpoint_url": store.endpoint_url, "access_key": name, "secret_key": SECRETS[name]}


def _site_config(
    site: str, brokers: Brokers, store: ObjectStoreServer, video: Path, folder: Path
) -> dict[str, Any]:
    return {
        "facilities": [{"id": f"home-{site}", "name": f"Home {site}"}],
        "cameras": [
            {
                "id": f"room-{site}",
                "name": "Room",
                "facility": f"home-{site}",
                "source": {"type": "file", "path": str(video), "loop": True, "realtime": True},
            }
        ],
        "storage": {"data_dir": str(folder / "data")},
        "database": {"url": _site_url(folder)},
        "node": {"id": site, **FAST_NODE},
        "district_link": {
            "role": "site",
            "nats_url": brokers.leaves[site].url,
            "object_store": _objects(store, site),
        },
    }


def _site_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'data' / 'carewatch.db'}"


def _centre_config(
    database_url: str, brokers: Brokers, store: ObjectStoreServer, folder: Path
) -> dict[str, Any]:
    return {
        "facilities": [{"id": f"home-{site}", "name": f"Home {site}"} for site in SITES],
        "cameras": [],
        "storage": {"data_dir": str(folder / "data")},
        "database": {"url": database_url},
        "node": {"id": "centre", **FAST_NODE},
        "district_link": {
            "role": "centre",
            "nats_url": brokers.hub.url,
            "sites": list(SITES),
            "object_store": _objects(store, "centre"),
        },
    }


def _rows(url: str, query: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query), params)]
    finally:
        engine.dispose()


def _fall_keys(url: str) -> set[str]:
    """The falls stored (none while the database is still being made)."""
    try:
        return {key for (key,) in _rows(url, "SELECT key FROM events WHERE type = 'fall'")}
    except OperationalError:
        return set()


def _silent(url: str, node: str) -> bool | None:
    rows = _rows(url, "SELECT silent_since FROM nodes WHERE id = :node", node=node)
    return None if not rows else rows[0][0] is not None


def _event(url: str, key: str) -> tuple[str, str | None]:
    """An event's status and clip path in one database."""
    ((status, clip),) = _rows(url, "SELECT status, clip_path FROM events WHERE key = :k", k=key)
    return status, clip


def _audit_verify(service: ServiceProcess) -> None:
    command = [sys.executable, "-m", "carewatch.cli", "audit", "verify"]
    done = subprocess.run(
        [*command, "--config", str(service.config_path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def object_store(tmp_path: Path) -> Iterator[ObjectStoreServer]:
    server = ObjectStoreServer(tmp_path / "seaweedfs")
    identities = [site_identity(site, SECRETS[site]) for site in SITES]
    server.start([*identities, centre_identity(SECRETS["centre"])])
    try:
        yield server
    finally:
        server.stop()


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
    centre_config = _centre_config(database_url, brokers, object_store, folders["centre"])
    centre = ServiceProcess(folders["centre"], centre_config)
    centre.add_admin()
    centre.start()
    configs = {
        name: _site_config(name, brokers, object_store, looping_fall, folders[name])
        for name in SITES
    }
    sites = {name: ServiceProcess(folders[name], configs[name]) for name in SITES}
    site_urls = {name: _site_url(folders[name]) for name in SITES}
    for site in sites.values():
        site.start()
    wait_for(lambda: all(_fall_keys(url) for url in site_urls.values()), 120, "falls at each site")
    wait_for(
        lambda: _fall_keys(site_urls["site-a"]) <= _fall_keys(database_url),
        30,
        "site-a's falls at the centre",
    )
    first = sorted(_fall_keys(site_urls["site-a"]))[0]
    (event_id,) = _rows(database_url, "SELECT id FROM events WHERE key = :key", key=first)[0]

    brokers.wans["site-a"].cut()
    cut_at = time.monotonic()
    before_cut = _fall_keys(site_urls["site-a"])
    wait_for(lambda: _silent(database_url, "site-a"), 30, "site-a offline at the centre")
    offline = _rows(database_url, "SELECT state FROM cameras WHERE id = 'room-site-a'")
    assert offline == [("offline",)]
    with centre.signed_in() as client:
        step = {"note": "seen from the district centre"}
        client.post(f"/api/events/{event_id}/acknowledge", json=step).raise_for_status()
    time.sleep(max(0.0, CUT_S - (time.monotonic() - cut_at)))
    during = _fall_keys(site_urls["site-a"]) - before_cut
    assert during, "site-a saw no fall during the cut"
    assert not during & _fall_keys(database_url)
    p95 = sites["site-a"].metric(
        'carewatch_camera_event_latency_seconds{camera="room-site-a",quantile="0.95"}'
    )
    assert p95 is not None and p95 <= SITE_P95_S, p95

    brokers.wans["site-a"].restore()
    wait_for(lambda: _silent(database_url, "site-a") is False, 30, "site-a online again")
    _resolve_at_the_centre(centre, browser, database_url, event_id, first)
    wait_for(lambda: _event(site_urls["site-a"], first)[0] == "resolved", 30, "resolved at site")
    for site in sites.values():
        assert site.stop() == 0
    union = set().union(*(_fall_keys(url) for url in site_urls.values()))
    wait_for(lambda: _fall_keys(database_url) == union, 60, "every site's falls at the centre")
    site_steps = _rows(
        site_urls["site-a"],
        "SELECT e.status, t.actor FROM events e JOIN event_transitions t ON t.event_id = e.id "
        "WHERE e.key = :key",
        key=first,
    )
    assert sorted(site_steps) == [("resolved", "root"), ("resolved", "root")]
    counts = _rows(database_url, "SELECT count(*), count(DISTINCT key) FROM events")
    assert counts[0][0] == counts[0][1] >= len(union)
    assert centre.stop() == 0
    for service in [centre, *sites.values()]:
        _audit_verify(service)
    centre_keys = [
        key for (key,) in _rows(database_url, "SELECT key FROM events WHERE type = 'fall'")
    ]
    record(
        "district WAN cut",
        produced=len(union),
        stored=[("centre", key) for key in centre_keys],
        cut_s=CUT_S,
        falls_during_cut=len(during),
        site_event_p95_s=round(p95, 3),
    )


def _resolve_at_the_centre(
    centre: ServiceProcess, browser: Browser, database_url: str, event_id: int, key: str
) -> None:
    """The clip site-a recorded plays from the centre (206 from the object store), and the
    inspector resolves the fall there, with the family notice."""
    clip = wait_for(lambda: _event(database_url, key)[1], 90, "site-a's clip at the centre")
    with centre.signed_in() as client:
        part = client.get(f"/media/{clip}", headers={"Range": "bytes=0-99"})
        assert part.status_code == 206 and len(part.content) == 100, part.status_code
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT_MS)
    sign_in(page, centre.url, *ADMIN)
    page.evaluate("hash => { location.hash = hash; }", f"#/events/{event_id}")
    expect(page.get_by_test_id("detail-clip")).to_be_visible()
    video = page.get_by_test_id("detail-clip").element_handle()
    page.wait_for_function("v => v.readyState >= 2 && v.duration > 0", arg=video)
    page.get_by_label("When").fill("2026-12-07T10:15")
    page.get_by_label("How").select_option("phone")
    page.get_by_label("By whom").fill("inspector Li")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_test_id("detail-status")).to_have_text("Resolved")
    screenshot(page, "district-centre-resolves-a-site-clip")
    page.close()

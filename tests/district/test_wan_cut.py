"""A centre and three sites as real `carewatch run` processes over the real brokers; one
site's WAN link is cut for two minutes while its camera keeps seeing falls."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from tests.conftest import EVAL_DIR
from tests.district.conftest import CENTRE_PASS_ONLY, SITES, Brokers
from tests.faults.clips import FALL_CLIP, lead_in_fall
from tests.faults.report import record
from tests.faults.service import ServiceProcess, wait_for

pytestmark = CENTRE_PASS_ONLY
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


def _site_config(site: str, brokers: Brokers, video: Path, folder: Path) -> dict[str, Any]:
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
        "district_link": {"role": "site", "nats_url": brokers.leaves[site].url},
    }


def _site_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'data' / 'carewatch.db'}"


def _centre_config(database_url: str, brokers: Brokers, folder: Path) -> dict[str, Any]:
    return {
        "facilities": [{"id": f"home-{site}", "name": f"Home {site}"} for site in SITES],
        "cameras": [],
        "storage": {"data_dir": str(folder / "data")},
        "database": {"url": database_url},
        "node": {"id": "centre", **FAST_NODE},
        "district_link": {"role": "centre", "nats_url": brokers.hub.url, "sites": list(SITES)},
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


def _audit_verify(service: ServiceProcess) -> None:
    command = [sys.executable, "-m", "carewatch.cli", "audit", "verify"]
    done = subprocess.run(
        [*command, "--config", str(service.config_path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_site_cut_off_for_two_minutes(
    brokers: Brokers, database_url: str, looping_fall: Path, tmp_path: Path
) -> None:
    folders = {name: tmp_path / name for name in ("centre", *SITES)}
    for folder in folders.values():
        folder.mkdir()
    centre_config = _centre_config(database_url, brokers, folders["centre"])
    centre = ServiceProcess(folders["centre"], centre_config)
    centre.add_admin()
    centre.start()
    configs = {name: _site_config(name, brokers, looping_fall, folders[name]) for name in SITES}
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
    assert site_steps == [("acknowledged", "root")]
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

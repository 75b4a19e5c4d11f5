"""The district's nodes as real `carewatch run` processes: their configurations, the object
store they share, and what a test reads of their databases."""

from __future__ import annotations

import subprocess
import sys
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
from tests.district.conftest import SITES, Brokers
from tests.faults.clips import FALL_CLIP, lead_in_fall
from tests.faults.service import ADMIN, ServiceProcess, wait_for

SECRETS = {name: f"{name}-object-secret" for name in (*SITES, "centre")}
FAST_NODE = {"heartbeat_s": 2.0, "silent_after_s": 6.0}


@pytest.fixture(scope="module")
def looping_fall(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = EVAL_DIR / FALL_CLIP
    if not source.is_file():
        pytest.skip(f"evaluation clip not found: {source}")
    folder = tmp_path_factory.mktemp("district-video")
    return lead_in_fall(source, folder / "fall.mp4", 3.0, 4.0)  # a fall every ~12 s, looped


def objects(store: ObjectStoreServer, name: str) -> dict[str, str]:
    return {"endpoint_url": store.endpoint_url, "access_key": name, "secret_key": SECRETS[name]}


def site_config(
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
        "database": {"url": site_url(folder)},
        "node": {"id": site, **FAST_NODE},
        "district_link": {
            "role": "site",
            "nats_url": brokers.leaves[site].url,
            "object_store": objects(store, site),
        },
    }


def site_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'data' / 'carewatch.db'}"


def centre_config(
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
            "object_store": objects(store, "centre"),
        },
    }


def rows(url: str, query: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query), params)]
    finally:
        engine.dispose()


def fall_keys(url: str) -> set[str]:
    """The falls stored (none while the database is still being made)."""
    try:
        return {key for (key,) in rows(url, "SELECT key FROM events WHERE type = 'fall'")}
    except OperationalError:
        return set()


def silent(url: str, node: str) -> bool | None:
    found = rows(url, "SELECT silent_since FROM nodes WHERE id = :node", node=node)
    return None if not found else found[0][0] is not None


def event_state(url: str, key: str) -> tuple[str, str | None]:
    """An event's status and clip path in one database."""
    ((status, clip),) = rows(url, "SELECT status, clip_path FROM events WHERE key = :k", k=key)
    return status, clip


def audit_verify(service: ServiceProcess) -> None:
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


def resolve_at_the_centre(
    centre: ServiceProcess, browser: Browser, database_url: str, event_id: int, key: str
) -> None:
    """The clip site-a recorded plays from the centre (206 from the object store), and the
    inspector resolves the fall there, with the family notice."""
    clip = wait_for(lambda: event_state(database_url, key)[1], 90, "site-a's clip at the centre")
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

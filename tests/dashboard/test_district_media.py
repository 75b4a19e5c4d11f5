"""A site's snapshot and clip go to the real object store (SeaweedFS) and the centre serves
them, with Range requests, to whoever may see that camera; a site writes only its own keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from carewatch.district.servers import ObjectStoreServer, centre_identity, site_identity
from dashboard.app import create_app
from dashboard.config import DashboardConfig
from dashboard.live import StaticLiveFeed
from supervision.district.apply import apply_changes
from supervision.district.config import ObjectStoreConfig
from supervision.district.media import MediaUpload
from supervision.district.objects import ObjectStore, ObjectStoreError
from supervision.events.changes import changes_since
from supervision.events.reads import list_events
from supervision.events.store import EventStore
from supervision.publish.messages import build_message
from tests.dashboard.browser import open_page, screenshot
from tests.dashboard.conftest import LiveServer
from tests.dashboard.media_helpers import draw_picture, write_h264_clip, write_jpeg
from tests.district.conftest import CENTRE_PASS_ONLY, site_store
from tests.store_calls import read
from vision.events import SafetyEvent

pytestmark = CENTRE_PASS_ONLY
SECRETS = {"site-a": "site-a-secret", "site-b": "site-b-secret", "centre": "centre-secret"}


@pytest.fixture(scope="module")
def object_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ObjectStoreServer]:
    server = ObjectStoreServer(tmp_path_factory.mktemp("seaweedfs"))
    identities = [site_identity(site, SECRETS[site]) for site in ("site-a", "site-b")]
    server.start([*identities, centre_identity(SECRETS["centre"])])
    try:
        yield server
    finally:
        server.stop()


def _objects(server: ObjectStoreServer, name: str) -> ObjectStore:
    config = ObjectStoreConfig(
        endpoint_url=server.endpoint_url, access_key=name, secret_key=SECRETS[name], timeout_s=10
    )
    return ObjectStore(config)


@pytest.fixture
def centre_objects(object_store: ObjectStoreServer) -> ObjectStore:
    objects = _objects(object_store, "centre")
    objects.ensure_bucket()
    return objects


@pytest.fixture
def app(
    config: DashboardConfig,
    store: EventStore,
    live_feed: StaticLiveFeed,
    media_root: Path,
    centre_objects: ObjectStore,
) -> FastAPI:
    """The centre's dashboard: `store` is the centre's database, media comes from the store."""
    return create_app(config, store, live_feed, media_root, objects=centre_objects)


def _site_event(folder: Path, make_event: Callable[..., SafetyEvent]) -> tuple[EventStore, Path]:
    """site-a's database with one fall on cam-1, its snapshot and H.264 clip on its disk."""
    site = site_store(folder, "site-a", "fac-1", "cam-1")
    media = folder / "site-media"
    event = make_event(camera_id="cam-1")
    site.record_event(event)
    snapshot = write_jpeg(media / "cam-1" / f"{event.key}.jpg", draw_picture())
    clip = write_h264_clip(media / "cam-1" / f"{event.key}.mp4")
    site.attach_media(
        event.key, snapshot.relative_to(media), clip.relative_to(media), event.start_s - 1.0
    )
    return site, media


@pytest.fixture
def site_media(
    object_store: ObjectStoreServer,
    centre_objects: ObjectStore,  # the centre made the bucket
    store: EventStore,
    tokens: dict[str, str],
    make_event: Callable[..., SafetyEvent],
    tmp_path: Path,
) -> Path:
    """site-a's fall with its media uploaded, and its changes taken in at the centre."""
    site, site_media = _site_event(tmp_path, make_event)
    upload = MediaUpload(site, _objects(object_store, "site-a"), site_media)
    assert upload.run_once() == 2
    assert upload.run_once() == 0  # each file once
    changes = changes_since(site.sessions, 0, 100)  # what the link carries up
    with store.write_session() as session:
        apply_changes(store, session, [("site-a", build_message(c).body) for c in changes])
    return site_media


def test_a_sites_clip_plays_from_the_centre_with_ranges(
    site_media: Path, client_as: Callable[[str], TestClient]
) -> None:
    (event,) = client_as("district").get("/api/events").json()
    assert event["clip_url"].startswith("/media/site-a/cam-1/")
    original = (site_media / event["clip_url"].removeprefix("/media/site-a/")).read_bytes()
    district = client_as("district")
    part = district.get(event["clip_url"], headers={"Range": "bytes=0-99"})
    assert part.status_code == 206, part.text
    assert part.content == original[:100]
    assert part.headers["content-type"] == "video/mp4"
    whole = district.get(event["clip_url"])
    assert whole.status_code == 200 and whole.content == original
    assert district.get(event["snapshot_url"]).headers["content-type"] == "image/jpeg"
    assert client_as("officer-2").get(event["clip_url"]).status_code == 404  # another facility


def test_a_site_cannot_write_under_another_sites_name(
    object_store: ObjectStoreServer, centre_objects: ObjectStore, tmp_path: Path
) -> None:
    clip = write_h264_clip(tmp_path / "clip.mp4")
    site_b = _objects(object_store, "site-b")
    site_b.put_file("site-b/cam-9/clip.mp4", clip)
    with pytest.raises(ObjectStoreError, match="AccessDenied"):
        site_b.put_file("site-a/cam-1/clip.mp4", clip)
    config = site_b.config.model_dump() | {"secret_key": "guess"}
    wrong = ObjectStore(ObjectStoreConfig(**config))
    with pytest.raises(ObjectStoreError, match="SignatureDoesNotMatch"):
        wrong.put_file("site-b/cam-9/other.mp4", clip)


def test_the_centre_plays_a_sites_clip_in_chromium(
    site_media: Path, browser: Browser, live_server: LiveServer, store: EventStore
) -> None:
    errors: list[str] = []
    (event,) = read(store, list_events)
    page = open_page(browser, f"{live_server.url}/#/events/{event.id}", errors, user="district")
    video = page.get_by_test_id("detail-clip").element_handle()
    page.wait_for_function("v => v.readyState >= 2 && v.duration > 0", arg=video)
    screenshot(page, "district-centre-site-clip")
    page.close()
    assert errors == []

"""A site's `carewatch run` killed (-9) halfway through a clip upload over a slow link: after
its restart the clip goes up whole, the centre holds each of the site's events once, and an
inspector there plays the clip in Chromium."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import boto3
from botocore.exceptions import ClientError
from playwright.sync_api import Browser

from carewatch.district.servers import ObjectStoreServer
from tests.dashboard.conftest import browser
from tests.district.conftest import CENTRE_PASS_ONLY, Brokers
from tests.district.nodes import (
    SECRETS,
    centre_config,
    looping_fall,
    object_store,
    resolve_at_the_centre,
    rows,
    site_config,
    site_url,
)
from tests.district.wan import WanLink
from tests.faults.report import record
from tests.faults.service import ServiceProcess, wait_for

pytestmark = CENTRE_PASS_ONLY
__all__ = ["browser", "looping_fall", "object_store"]  # fixtures
UP_BYTES_PER_S = 40_000  # a clip takes seconds to go up
SENT_BEFORE_KILL = 16_000  # bytes of the clip's request sent when the site is killed
BUCKET = "carewatch"


def _clip_upload(link: WanLink) -> tuple[str, int] | None:
    """The object key of the first clip upload the link carried, and where it began."""
    for line, offset in link.requests:
        method, target, *_ = line.split()
        path = unquote(urlsplit(target).path)
        if method == "PUT" and path.endswith(".mp4"):
            return path.removeprefix(f"/{BUCKET}/"), offset
    return None


def _stored(store: ObjectStoreServer, key: str) -> int | None:
    """The object's size; None when the store does not hold it."""
    client = boto3.client(
        "s3",
        endpoint_url=store.endpoint_url,
        aws_access_key_id="centre",
        aws_secret_access_key=SECRETS["centre"],
        region_name="us-east-1",
    )
    try:
        return int(client.head_object(Bucket=BUCKET, Key=key)["ContentLength"])
    except ClientError:
        return None


def _keys(url: str) -> list[str]:
    return [key for (key,) in rows(url, "SELECT key FROM events")]


def test_a_site_killed_mid_clip_upload(
    brokers: Brokers,
    object_store: ObjectStoreServer,
    database_url: str,
    looping_fall: Path,
    tmp_path: Path,
    browser: Browser,
) -> None:
    folders = {name: tmp_path / name for name in ("centre", "site-a")}
    for folder in folders.values():
        folder.mkdir()
    centre = ServiceProcess(
        folders["centre"], centre_config(database_url, brokers, object_store, folders["centre"])
    )
    centre.add_admin()
    centre.start()
    slow_link = WanLink(object_store.s3_port, up_bytes_per_s=UP_BYTES_PER_S)
    config = site_config("site-a", brokers, object_store, looping_fall, folders["site-a"])
    config["district_link"]["object_store"]["endpoint_url"] = f"http://{slow_link.address}"
    site = ServiceProcess(folders["site-a"], config)
    site.start()

    upload = wait_for(lambda: _clip_upload(slow_link), 120, "a clip upload under way")
    assert upload is not None
    key, began_at = upload
    wait_for(lambda: slow_link.sent_up > began_at + SENT_BEFORE_KILL, 30, "part of the clip up")
    site.kill()
    sent_before_kill = slow_link.sent_up - began_at
    assert _stored(object_store, key) is None, "the clip was whole in the store before the kill"

    slow_link.up_bytes_per_s = None
    site.start()
    clip_bytes = wait_for(lambda: _stored(object_store, key), 60, "the clip up after the restart")
    ((event_id, event_key),) = wait_for(
        lambda: rows(database_url, "SELECT id, key FROM events WHERE clip_object = :k", k=key),
        60,
        "the clip's event at the centre",
    )
    wait_for(lambda: len(_keys(site_url(folders["site-a"]))) >= 4, 90, "more events after it")
    assert site.stop() == 0
    site_keys = _keys(site_url(folders["site-a"]))
    wait_for(lambda: set(_keys(database_url)) == set(site_keys), 60, "the site's events")
    centre_keys = _keys(database_url)
    assert sorted(centre_keys) == sorted(site_keys), "an event lost or doubled at the centre"
    resolve_at_the_centre(centre, browser, database_url, event_id, event_key)
    assert centre.stop() == 0
    record(
        "district site kill -9 mid-upload",
        produced=len(site_keys),
        stored=[("centre", key) for key in centre_keys],
        clip_bytes=clip_bytes,
        clip_request_bytes_sent_before_kill=sent_before_kill,
    )

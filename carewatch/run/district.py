"""This process's part in a district: a site's uplink, beat, media upload and intake of the
centre's steps, or the centre's intake of every site, its downlink and the media it serves."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Protocol

from carewatch.config import Settings
from supervision.district.ingest import centre_intake, site_intake
from supervision.district.media import MediaUpload
from supervision.district.objects import ObjectStore, ObjectStoreError
from supervision.district.uplink import CentreDownlink, SiteBeat, SiteUplink
from supervision.events.store import EventStore
from supervision.lease import JobLeases
from supervision.publish.targets import Target

log = logging.getLogger(__name__)


class Job(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class DistrictParts:
    targets: list[Target] = field(default_factory=list)  # more for the publisher
    jobs: list[Job] = field(default_factory=list)
    objects: ObjectStore | None = None  # the media store, for the dashboard


def is_centre(settings: Settings) -> bool:
    return settings.district_link is not None and settings.district_link.role == "centre"


def district_parts(
    settings: Settings,
    store: EventStore,
    leases: JobLeases,
    camera_states: Callable[[], dict[str, tuple[str, str]]],
) -> DistrictParts:
    link, node = settings.district_link, settings.node
    if link is None:
        return DistrictParts()
    objects = None if link.object_store is None else ObjectStore(link.object_store)
    if is_centre(settings):
        if objects is not None:
            _ensure_bucket(objects)
        lease = leases.for_job("district-intake")
        intake = centre_intake(store, link, node, _rejected(settings), lease)
        return DistrictParts([CentreDownlink(link, node.id)], [intake], objects)
    uplink = SiteUplink(link, node.id)
    beat = SiteBeat(uplink, package_version("carewatch"), node.heartbeat_s, camera_states)
    jobs: list[Job] = [beat, site_intake(store, link, node, _rejected(settings))]
    if objects is not None:
        jobs.append(MediaUpload(store, objects, settings.storage.media_dir))
    return DistrictParts([uplink], jobs, objects)


def _rejected(settings: Settings) -> Path:
    """Where the district intake keeps a change that can never apply, beside the spool's."""
    return settings.storage.data_dir / "district.rejected.jsonl"


def _ensure_bucket(objects: ObjectStore) -> None:
    """The centre makes the bucket; a store that is away now is said once, not fatal."""
    try:
        objects.ensure_bucket()
    except ObjectStoreError as error:
        log.warning("object store: %s (site media cannot be served until it answers)", error)

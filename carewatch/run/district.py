"""This process's part in a district: a site's uplink, beat and intake of the centre's steps,
or the centre's intake of every site and its downlink."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version as package_version
from typing import Protocol

from carewatch.config import Settings
from supervision.district.ingest import centre_intake, site_intake
from supervision.district.uplink import CentreDownlink, SiteBeat, SiteUplink
from supervision.events.store import EventStore
from supervision.lease import JobLeases
from supervision.publish.targets import Target


class Job(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


def is_centre(settings: Settings) -> bool:
    return settings.district_link is not None and settings.district_link.role == "centre"


def district_parts(
    settings: Settings,
    store: EventStore,
    leases: JobLeases,
    camera_states: Callable[[], dict[str, tuple[str, str]]],
) -> tuple[list[Target], list[Job]]:
    """The publish targets (one more for the publisher) and the jobs of this node's part."""
    link, node = settings.district_link, settings.node
    if link is None:
        return [], []
    if is_centre(settings):
        intake = centre_intake(store, link, node, leases.for_job("district-intake"))
        return [CentreDownlink(link, node.id)], [intake]
    uplink = SiteUplink(link, node.id)
    beat = SiteBeat(uplink, package_version("carewatch"), node.heartbeat_s, camera_states)
    return [uplink], [beat, site_intake(store, link, node)]

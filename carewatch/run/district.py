"""This process's part in a district: a site's uplink and beat, or the centre's ingest."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version as package_version

from carewatch.config import Settings
from supervision.district.ingest import CentreIngest
from supervision.district.uplink import SiteBeat, SiteUplink
from supervision.events.store import EventStore
from supervision.lease import JobLeases


def is_centre(settings: Settings) -> bool:
    return settings.district_link is not None and settings.district_link.role == "centre"


def district_parts(
    settings: Settings,
    store: EventStore,
    leases: JobLeases,
    camera_states: Callable[[], dict[str, tuple[str, str]]],
) -> tuple[SiteUplink | None, list[SiteBeat | CentreIngest]]:
    """A site's uplink (one more publish target) and beat, or the centre's ingest."""
    link = settings.district_link
    if link is None:
        return None, []
    if is_centre(settings):
        lease = leases.for_job("district-ingest")
        return None, [CentreIngest(store, link, settings.node, lease=lease)]
    uplink = SiteUplink(link, settings.node.id)
    version = package_version("carewatch")
    return uplink, [SiteBeat(uplink, version, settings.node.heartbeat_s, camera_states)]

"""`carewatch district-demo` writes configurations that `carewatch run` accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from carewatch.config import parse_settings
from carewatch.district.demo import centre_config, site_config, site_ids


def test_the_demo_centre_and_sites_parse(tmp_path: Path) -> None:
    sites = site_ids(3)
    centre = parse_settings(
        centre_config(tmp_path, 8000, sites, "nats://127.0.0.1:4222", "sqlite://")
    )
    assert centre.district_link is not None and centre.district_link.sites == sites
    assert [f.id for f in centre.facilities] == [f"home-{site}" for site in sites]
    for port, site in enumerate(sites, start=8001):
        settings = parse_settings(site_config(tmp_path, port, site, "nats://127.0.0.1:4223"))
        assert (settings.node.id, settings.dashboard.port) == (site, port)
        assert [c.facility for c in settings.cameras] == [f"home-{site}"]


def test_a_district_node_id_must_name_a_subject(tmp_path: Path) -> None:
    config = site_config(tmp_path, 8001, "site-1", "nats://127.0.0.1:4223")
    config["node"]["id"] = "site.one"
    with pytest.raises(ValueError, match=r"node\.id: 'site\.one' cannot name a district node"):
        parse_settings(config)

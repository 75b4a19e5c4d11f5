"""`carewatch district-demo`: a centre and three sites on this machine, real servers between."""

from __future__ import annotations

import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from carewatch.demo import DEMO_PASSWORD
from carewatch.district.servers import (
    NatsServer,
    ObjectStoreServer,
    centre_identity,
    site_identity,
    start_hub,
    start_leaf,
)

log = logging.getLogger(__name__)
DISTRICT = {"id": "demo-district", "name": "Demo District (演示区)"}
STREET = {"id": "demo-street", "name": "Demo Street (演示街道)"}


def site_ids(count: int) -> list[str]:
    return [f"site-{n}" for n in range(1, count + 1)]


def _facility(site: str) -> dict[str, str]:
    return {
        "id": f"home-{site}",
        "name": f"Care home {site} (养老院 {site})",
        "street": STREET["id"],
    }


def centre_config(
    folder: Path,
    port: int,
    sites: list[str],
    hub_url: str,
    database_url: str,
    object_store: dict[str, str] | None = None,
) -> dict[str, Any]:
    """No cameras: the centre takes every site's changes in and serves the district."""
    return {
        "districts": [{**DISTRICT, "streets": [STREET]}],
        "facilities": [_facility(site) for site in sites],
        "cameras": [],
        "storage": {"data_dir": str(folder / "centre")},
        "database": {"url": database_url},
        "node": {"id": "centre"},
        "dashboard": {"port": port},
        "district_link": {
            "role": "centre",
            "nats_url": hub_url,
            "sites": sites,
            "object_store": object_store,
        },
    }


def site_config(
    folder: Path, port: int, site: str, leaf_url: str, object_store: dict[str, str] | None = None
) -> dict[str, Any]:
    """One demo camera, its own SQLite database and dashboard; changes go up through its leaf."""
    data_dir = folder / site
    return {
        "districts": [{**DISTRICT, "streets": [STREET]}],
        "facilities": [_facility(site)],
        "cameras": [
            {
                "id": f"room-{site}",
                "name": f"Room ({site})",
                "facility": f"home-{site}",
                "source": {"type": "demo"},
                "fall": {"long_lie_s": 10},
            }
        ],
        "storage": {"data_dir": str(data_dir)},
        "database": {"url": f"sqlite:///{data_dir / 'carewatch.db'}"},
        "node": {"id": site},
        "dashboard": {"port": port},
        "district_link": {"role": "site", "nats_url": leaf_url, "object_store": object_store},
    }


def run_district_demo(folder: Path, port: int, count: int, database_url: str | None) -> int:
    """Start the hub, a leaf per site, the centre and the sites; stop them all on Ctrl-C."""
    sites = site_ids(count)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops everything too, like Ctrl-C
    passwords = {site: secrets.token_urlsafe(16) for site in sites}
    keys = {name: secrets.token_urlsafe(16) for name in [*sites, "centre"]}
    servers: list[NatsServer | ObjectStoreServer] = []
    processes: list[subprocess.Popen[bytes]] = []
    try:
        hub = start_hub(folder / "nats", passwords)
        servers.append(hub)
        leaves = {}
        for site in sites:
            leaves[site] = start_leaf(
                folder / "nats", site, passwords[site], f"127.0.0.1:{hub.leaf_port}"
            )
            servers.append(leaves[site])
        store = ObjectStoreServer(folder / "objects")
        store.start([*(site_identity(s, keys[s]) for s in sites), centre_identity(keys["centre"])])
        servers.append(store)

        def media(name: str) -> dict[str, str]:
            return {
                "endpoint_url": store.endpoint_url,
                "access_key": name,
                "secret_key": keys[name],
            }

        centre_url = database_url or f"sqlite:///{folder / 'centre' / 'carewatch.db'}"
        configs = {
            "centre": centre_config(folder, port, sites, hub.url, centre_url, media("centre"))
        }
        for number, site in enumerate(sites, start=1):
            configs[site] = site_config(folder, port + number, site, leaves[site].url, media(site))
        for name, config in configs.items():
            processes.append(_start(folder, name, config))
        _say(port, sites)
        while all(process.poll() is None for process in processes):
            time.sleep(1.0)
        log.error("a district process ended; see %s/*.log", folder)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            process.wait(60)
        for server in reversed(servers):
            server.stop()


def _interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _start(folder: Path, name: str, config: dict[str, Any]) -> subprocess.Popen[bytes]:
    """`carewatch run` over `config`, with the demo administrator added first."""
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    Path(config["storage"]["data_dir"]).mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "carewatch.cli"]
    env = {**os.environ, "CAREWATCH_PASSWORD": DEMO_PASSWORD}
    subprocess.run(
        [*command, "user", "add", "admin", "--role", "admin", "--config", str(path)],
        env=env,
        capture_output=True,
        check=False,  # already there from an earlier run
    )
    log_file = (folder / f"{name}.log").open("ab")
    process = subprocess.Popen(
        [*command, "run", "--config", str(path)], stdout=log_file, stderr=log_file
    )
    log_file.close()
    return process


def _say(port: int, sites: list[str]) -> None:
    lines = [f"district centre: http://127.0.0.1:{port}"]
    lines += [f"{site}: http://127.0.0.1:{port + n}" for n, site in enumerate(sites, start=1)]
    lines.append(f"sign in as admin / {DEMO_PASSWORD!r}; Ctrl-C stops everything")
    log.warning("\n".join(lines))

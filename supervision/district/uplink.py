"""Publish targets of the link: a site's changes up, the centre's steps down; the site's beat."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from nats.aio.client import Client
from nats.js.api import StorageType, StreamConfig

from supervision.district.config import DistrictLinkConfig
from supervision.district.link import LinkError, NatsLink
from supervision.district.subjects import (
    DOWN_PREFIX,
    DOWN_STREAM,
    MSG_ID_HEADER,
    beat_subject,
    down_subject,
    message_id,
    site_stream,
    up_subject,
)
from supervision.publish.messages import Message
from supervision.publish.targets import PublishError

log = logging.getLogger(__name__)
# How long the site's stream keeps what the centre has not taken yet (a long WAN cut).
KEEP_FOR = timedelta(days=30)
# The broker drops a message id seen again within this window (a resend after a crash).
DEDUPE_WINDOW = timedelta(hours=2)


class _StreamTarget:
    """A publish target that puts messages into a JetStream stream it creates on first use;
    only the changes made here (what a node took in from another is never sent on)."""

    local_only = True

    def __init__(self, link: NatsLink, domain: str, stream: StreamConfig) -> None:
        self._link = link
        self._jetstream = link.jetstream(domain)
        self._stream = stream
        self._timeout_s = link.config.timeout_s
        self._stream_ready = False

    def close(self) -> None:
        self._link.close()

    def _publish(self, subject: str, msg_id: str, body: bytes) -> None:
        async def add_stream(client: Client) -> None:
            await self._jetstream(client).add_stream(self._stream)

        async def publish(client: Client) -> None:
            headers = {MSG_ID_HEADER: msg_id}
            await self._jetstream(client).publish(
                subject, body, timeout=self._timeout_s, headers=headers
            )

        try:
            if not self._stream_ready:
                self._link.call(add_stream)
                self._stream_ready = True
            self._link.call(publish)
        except LinkError as error:
            raise PublishError(str(error)) from error


def _stream(name: str, subject: str) -> StreamConfig:
    return StreamConfig(
        name=name,
        subjects=[subject],
        storage=StorageType.FILE,
        max_age=KEEP_FOR.total_seconds(),
        duplicate_window=DEDUPE_WINDOW.total_seconds(),
    )


class SiteUplink(_StreamTarget):
    """A site's publish target: every change made here into the site's stream on its own leaf
    node. The leaf node is in the building, so a WAN cut never holds a publish up; the
    centre's stream sources this one and catches up when the link is back. The message id
    (node and revision) lets the broker drop a resend."""

    name = "district"

    def __init__(self, config: DistrictLinkConfig, node_id: str) -> None:
        link = NatsLink(config, f"district-up-{node_id}")
        super().__init__(link, node_id, _stream(site_stream(node_id), up_subject(node_id)))
        self._node_id = node_id

    def send(self, message: Message) -> None:
        msg_id = message_id(self._node_id, message.revision)
        self._publish(up_subject(self._node_id), msg_id, message.body)

    def beat(self, version: str, cameras: dict[str, tuple[str, str]]) -> None:
        """Tell the centre this site is alive and its cameras' (state, facility); plain NATS:
        a beat that cannot go now is moot."""
        states = {camera: {"state": s, "facility": f} for camera, (s, f) in cameras.items()}
        body = json.dumps({"node": self._node_id, "version": version, "cameras": states}).encode()

        async def publish(client: Client) -> None:
            await client.publish(beat_subject(self._node_id), body)
            await client.flush(timeout=max(1, round(self._timeout_s)))

        self._link.call(publish)


class CentreDownlink(_StreamTarget):
    """The centre's publish target: each step a person took here on a site's event, into the
    hub's DOWN stream, which each site's stream sources its own part of."""

    name = "district-down"

    def __init__(self, config: DistrictLinkConfig, node_id: str) -> None:
        link = NatsLink(config, f"district-down-{node_id}")
        super().__init__(link, config.hub_domain, _stream(DOWN_STREAM, f"{DOWN_PREFIX}.>"))
        self._node_id = node_id

    def send(self, message: Message) -> None:
        site = message.node_id
        if site is not None and site != self._node_id:  # a step on a site's event
            msg_id = message_id(self._node_id, message.revision)
            self._publish(down_subject(site), msg_id, message.body)


class SiteBeat:
    """Beats up every `every_s` on a thread of its own; a failure is logged once per outage."""

    def __init__(
        self,
        uplink: SiteUplink,
        version: str,
        every_s: float,
        cameras: Callable[[], dict[str, tuple[str, str]]],
    ) -> None:
        self._uplink = uplink
        self._cameras = cameras
        self._version = version
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="district-beat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while True:
            try:
                self._uplink.beat(self._version, self._cameras())
                if self._failing:
                    log.info("district beat: reaching the broker again")
                self._failing = False
            except LinkError as error:
                if not self._failing:
                    log.warning("district beat: %s (the site keeps working)", error)
                self._failing = True
            if self._stop.wait(self._every_s):
                return

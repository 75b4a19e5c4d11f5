"""A site's side of the link: its changes into its own stream, its heartbeat to the centre."""

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
    MSG_ID_HEADER,
    beat_subject,
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


class SiteUplink:
    """A publish target: every change into this site's stream on its own leaf node.

    The leaf node is in the building, so a WAN cut never holds a publish up; the centre's
    stream sources this one and catches up when the link is back. The message id (node and
    revision) lets the broker drop a resend.
    """

    name = "district"

    def __init__(self, config: DistrictLinkConfig, node_id: str) -> None:
        self._node_id = node_id
        self._link = NatsLink(config, f"district-up-{node_id}")
        self._jetstream = self._link.jetstream(domain=node_id)
        self._timeout_s = config.timeout_s
        self._stream_ready = False

    def send(self, message: Message) -> None:
        headers = {MSG_ID_HEADER: message_id(self._node_id, message.revision)}
        subject = up_subject(self._node_id)

        async def publish(client: Client) -> None:
            await self._jetstream(client).publish(
                subject, message.body, timeout=self._timeout_s, headers=headers
            )

        try:
            if not self._stream_ready:
                self._link.call(self._add_stream)
                self._stream_ready = True
            self._link.call(publish)
        except LinkError as error:
            raise PublishError(str(error)) from error

    def beat(self, version: str, cameras: dict[str, tuple[str, str]]) -> None:
        """Tell the centre this site is alive and its cameras' (state, facility); plain NATS:
        a beat that cannot go now is moot."""
        states = {camera: {"state": s, "facility": f} for camera, (s, f) in cameras.items()}
        body = json.dumps({"node": self._node_id, "version": version, "cameras": states}).encode()

        async def publish(client: Client) -> None:
            await client.publish(beat_subject(self._node_id), body)
            await client.flush(timeout=max(1, round(self._timeout_s)))

        self._link.call(publish)

    def close(self) -> None:
        self._link.close()

    async def _add_stream(self, client: Client) -> None:
        config = StreamConfig(
            name=site_stream(self._node_id),
            subjects=[f"{up_subject(self._node_id)}"],
            storage=StorageType.FILE,
            max_age=KEEP_FOR.total_seconds(),
            duplicate_window=DEDUPE_WINDOW.total_seconds(),
        )
        await self._jetstream(client).add_stream(config)


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

"""The centre's side of the link: one durable consumer over every site's stream, and beats."""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    ExternalStream,
    StorageType,
    StreamConfig,
    StreamSource,
)
from nats.js.errors import NotFoundError

from supervision.config import NodeConfig
from supervision.district.apply import apply_change, ensure_camera, set_camera_state
from supervision.district.config import DistrictLinkConfig
from supervision.district.link import NatsLink
from supervision.district.subjects import (
    BEAT_PREFIX,
    CENTRE_CONSUMER,
    CENTRE_STREAM,
    node_of,
    site_stream,
)
from supervision.events.store import EventStore
from supervision.nodes.registry import beat, database_now
from supervision.trouble import TroubleLog

log = logging.getLogger(__name__)
IDLE_WAIT_S = 1.0  # a fetch waits this long for the next change


class CentreIngest:
    """Takes every site's changes, in order per site, into the centre's database, each once.

    The centre's stream sources each site's stream across the leaf connections (the hub
    catches up after a WAN cut); one durable pull consumer applies them in batches, one
    transaction per batch, and acknowledges only after the commit: a crash redelivers, and
    `apply_change` skips what was applied. Runs only while `lease()` holds.
    """

    def __init__(
        self,
        store: EventStore,
        config: DistrictLinkConfig,
        node: NodeConfig,
        lease: Callable[[], bool] = lambda: True,
    ) -> None:
        self._store = store
        self._config = config
        self._node = node
        self._lease = lease
        self._link = NatsLink(config, f"district-ingest-{node.id}")
        self._jetstream = self._link.jetstream(domain=config.hub_domain)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._trouble = TroubleLog(log, "district ingest")
        self._ready = False
        self._subscription: JetStreamContext.PullSubscription | None = None
        self._beats: queue.SimpleQueue[tuple[str, bytes]] = queue.SimpleQueue()
        self.applied = 0  # changes applied since start

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="district-ingest", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._link.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._lease():
                self._ready = False
                self._stop.wait(self._node.heartbeat_s)
                continue
            try:
                if not self._ready:
                    self._link.call(self._set_up)
                    self._link.subscribe(f"{BEAT_PREFIX}.*", self._on_beat)
                    self._ready = True
                self._take_beats()
                taken = self._link.call(self._fetch)
                if taken:
                    self._apply(taken)
            except Exception as error:  # the broker or the database is away: try again
                self._trouble.failed(error)
                self._stop.wait(IDLE_WAIT_S)
                continue
            self._trouble.worked()

    async def _set_up(self, client: Client) -> None:
        """The centre stream sourcing every configured site, and the ingest consumer."""
        jetstream = self._jetstream(client)
        sources = [
            StreamSource(name=site_stream(site), external=ExternalStream(api=f"$JS.{site}.API"))
            for site in self._config.sites
        ]
        config = StreamConfig(name=CENTRE_STREAM, sources=sources, storage=StorageType.FILE)
        try:
            await jetstream.stream_info(CENTRE_STREAM)
            await jetstream.update_stream(config)
        except NotFoundError:
            await jetstream.add_stream(config)
        consumer = ConsumerConfig(durable_name=CENTRE_CONSUMER, ack_policy=AckPolicy.EXPLICIT)
        await jetstream.add_consumer(CENTRE_STREAM, consumer)
        self._subscription = await jetstream.pull_subscribe_bind(CENTRE_CONSUMER, CENTRE_STREAM)

    async def _fetch(self, _client: Client) -> list[tuple[str, bytes, Msg]]:
        assert self._subscription is not None
        try:
            messages = await self._subscription.fetch(self._config.batch, timeout=IDLE_WAIT_S)
        except NatsTimeout:
            return []
        return [(node_of(msg.subject), msg.data, msg) for msg in messages]

    def _apply(self, taken: list[tuple[str, bytes, Msg]]) -> None:
        with self._store.write_session() as session:
            applied = sum(apply_change(self._store, session, node, body) for node, body, _ in taken)
        self.applied += applied

        async def ack(_client: Client) -> None:
            for *_, msg in taken:
                await msg.ack()

        self._link.call(ack)

    def _on_beat(self, msg: Msg) -> None:
        """On the link's loop: kept for the ingest thread (the database never blocks the loop)."""
        self._beats.put((node_of(msg.subject), msg.data))

    def _take_beats(self) -> None:
        while True:
            try:
                node_id, data = self._beats.get_nowait()
            except queue.Empty:
                return
            self._take_beat(node_id, data)

    def _take_beat(self, node_id: str, data: bytes) -> None:
        """A site's beat: the site is alive, and its cameras are in the states it says."""
        try:
            body = json.loads(data)
            with self._store.sessions.begin() as session:
                now = database_now(session)
                beat(session, node_id, str(body.get("version", "")), now)
                for camera_id, camera in dict(body.get("cameras", {})).items():
                    ensure_camera(session, node_id, camera_id, camera["facility"])
                    set_camera_state(session, camera_id, camera["state"], now)
        except Exception as error:  # a bad beat or a busy database: the next beat comes soon
            log.warning("district beat from %s not taken: %s", node_id, error)

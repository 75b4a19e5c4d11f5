"""Taking in what another node changed: the centre every site's changes, a site the centre's
steps on its events; each from a durable consumer, applied once."""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path

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
from sqlalchemy import select

from supervision.config import NodeConfig
from supervision.district.apply import apply_changes, ensure_camera, set_camera_state
from supervision.district.config import DistrictLinkConfig
from supervision.district.link import NatsLink
from supervision.district.subjects import (
    BEAT_PREFIX,
    CENTRE_CONSUMER,
    CENTRE_STREAM,
    DOWN_STREAM,
    FROM_CENTRE_STREAM,
    SITE_CONSUMER,
    down_subject,
    node_of,
    site_stream,
)
from supervision.events.store import EventStore
from supervision.nodes.registry import beat, database_now
from supervision.tables import Camera
from supervision.trouble import TroubleLog
from supervision.writer.spool import JsonlSpool

log = logging.getLogger(__name__)
IDLE_WAIT_S = 1.0  # a fetch waits this long for the next change
# A change these are raised for can never apply (its body is not what the link sends): it is
# set aside in the rejected file, not retried for ever, and holds no other change up.
REJECTED = (ValueError, KeyError, TypeError)
Taken = list[tuple[str, bytes, Msg]]  # (the node that made the change, its body, the message)


class Intake:
    """Applies the changes of `stream` (which sources other nodes' streams, so it catches up
    after a WAN cut by itself) in batches, one transaction per batch, and acknowledges only
    after the commit: a crash redelivers, and `apply_changes` skips what was applied. Runs
    while `lease()` holds; with `beats`, also takes the sites' heartbeats (the centre)."""

    def __init__(
        self,
        store: EventStore,
        link: NatsLink,
        domain: str,
        stream: StreamConfig,
        consumer: str,
        origin_of: Callable[[str], str],
        rejected: Path,
        lease: Callable[[], bool] = lambda: True,
        beats: bool = False,
    ) -> None:
        self._store = store
        self._link = link
        self._jetstream = link.jetstream(domain)
        self._stream = stream
        self._consumer = consumer
        self._batch = link.config.batch
        self._origin_of = origin_of  # a message's subject -> the node that made the change
        self._lease = lease
        self._rejected = JsonlSpool(rejected)
        self._beats: queue.SimpleQueue[tuple[str, bytes]] | None = (
            queue.SimpleQueue() if beats else None
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._trouble = TroubleLog(log, f"district intake from {stream.name}")
        self._subscription: JetStreamContext.PullSubscription | None = None
        self.applied = 0  # changes applied since start

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="district-intake", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._link.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._lease():
                self._subscription = None
                self._stop.wait(IDLE_WAIT_S)
                continue
            try:
                if self._subscription is None:
                    self._link.call(self._set_up)
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
        jetstream = self._jetstream(client)
        try:
            await jetstream.stream_info(self._stream.name or "")
            await jetstream.update_stream(self._stream)
        except NotFoundError:
            await jetstream.add_stream(self._stream)
        consumer = ConsumerConfig(durable_name=self._consumer, ack_policy=AckPolicy.EXPLICIT)
        await jetstream.add_consumer(self._stream.name or "", consumer)
        if self._beats is not None:
            beats = self._beats

            async def on_beat(msg: Msg) -> None:  # the database is never touched on the loop
                beats.put((node_of(msg.subject), msg.data))

            await client.subscribe(f"{BEAT_PREFIX}.*", cb=on_beat)
        self._subscription = await jetstream.pull_subscribe_bind(self._consumer, self._stream.name)

    async def _fetch(self, _client: Client) -> Taken:
        assert self._subscription is not None
        try:
            messages = await self._subscription.fetch(self._batch, timeout=IDLE_WAIT_S)
        except NatsTimeout:
            return []
        return [(self._origin_of(msg.subject), msg.data, msg) for msg in messages]

    def _apply(self, taken: Taken) -> None:
        """The batch in one transaction; when a change in it can never apply, each change in
        its own, so that one is set aside and the rest go in (any other failure, such as the
        database away, is the caller's: the batch is tried again)."""
        try:
            self._apply_batch(taken)
        except REJECTED as error:
            log.warning("%d change(s) failed together (%r); one by one", len(taken), error)
            for one in taken:
                self._apply_one(one)

    def _apply_one(self, one: tuple[str, bytes, Msg]) -> None:
        node, body, msg = one
        try:
            self._apply_batch([one])
        except REJECTED as error:
            log.error("a change from %s can never apply, set aside: %r", node, error)
            record = {"node": node, "body": body.decode(errors="replace"), "error": repr(error)}
            self._rejected.append([record])

            async def term(_client: Client) -> None:
                await msg.term()  # never delivered again

            self._link.call(term)

    def _apply_batch(self, taken: Taken) -> None:
        with self._store.write_session() as session:
            changes = [(node, body) for node, body, _ in taken]
            self.applied += apply_changes(self._store, session, changes)

        async def ack(_client: Client) -> None:
            for *_, msg in taken:
                await msg.ack()

        self._link.call(ack)

    def _take_beats(self) -> None:
        beats: dict[str, bytes] = {}  # the newest of each node's queued beats
        while self._beats is not None and not self._beats.empty():
            node_id, data = self._beats.get_nowait()
            beats[node_id] = data
        if beats:
            take_beats(self._store, beats)


def take_beats(store: EventStore, beats: dict[str, bytes]) -> None:
    """Sites' beats at the centre, in one transaction: each site is alive, its cameras in the
    states it says (`beats`: node id -> the beat's body; a malformed one is left out)."""
    said: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {}
    for node_id, data in beats.items():
        try:
            body = json.loads(data)
            cameras = dict(body.get("cameras", {}))
            states = {key: (str(c["state"]), str(c["facility"])) for key, c in cameras.items()}
            said[node_id] = (str(body.get("version", "")), states)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            log.warning("district beat from %s not taken: %r", node_id, error)
    try:
        with store.sessions.begin() as session:
            now = database_now(session)
            named = [camera for _, states in said.values() for camera in states]
            held = list(session.scalars(select(Camera).where(Camera.id.in_(named))))
            for node_id, (version, states) in sorted(said.items()):
                beat(session, node_id, version, now)
                for camera_id, (state, facility) in states.items():
                    ensure_camera(session, node_id, camera_id, facility)
                    set_camera_state(session, camera_id, state, now)
            del held
    except Exception as error:  # a busy database: the next beats come soon
        log.warning("district beats from %s not taken: %s", ", ".join(sorted(said)), error)


def centre_intake(
    store: EventStore,
    config: DistrictLinkConfig,
    node: NodeConfig,
    rejected: Path,
    lease: Callable[[], bool],
) -> Intake:
    """The centre: every configured site's stream, sourced across the leaf connections;
    `rejected`: where a change that can never apply is kept."""
    sources = [
        StreamSource(name=site_stream(site), external=ExternalStream(api=f"$JS.{site}.API"))
        for site in config.sites
    ]
    stream = StreamConfig(name=CENTRE_STREAM, sources=sources, storage=StorageType.FILE)
    link = NatsLink(config, f"district-intake-{node.id}")
    return Intake(
        store, link, config.hub_domain, stream, CENTRE_CONSUMER, node_of, rejected, lease, True
    )


def site_intake(
    store: EventStore, config: DistrictLinkConfig, node: NodeConfig, rejected: Path
) -> Intake:
    """A site: the steps the centre took on this site's events, sourced from the hub."""
    source = StreamSource(
        name=DOWN_STREAM,
        filter_subject=down_subject(node.id),
        external=ExternalStream(api=f"$JS.{config.hub_domain}.API"),
    )
    stream = StreamConfig(name=FROM_CENTRE_STREAM, sources=[source], storage=StorageType.FILE)
    link = NatsLink(config, f"district-down-{node.id}")
    centre = config.hub_domain  # the centre's changes are known by its domain here
    return Intake(store, link, node.id, stream, SITE_CONSUMER, lambda _subject: centre, rejected)

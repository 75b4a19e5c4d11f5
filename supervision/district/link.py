"""A NATS connection for threaded code: nats-py's coroutines run on a loop thread of its own."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from supervision.district.config import DistrictLinkConfig

log = logging.getLogger(__name__)
T = TypeVar("T")


class LinkError(Exception):
    """The broker could not be reached or did not answer; the caller tries again later."""


class NatsLink:
    """One connection to one NATS server, opened on first use and reconnecting on its own.

    Every call blocks the calling thread for at most the configured timeout (plus the
    connection's) and raises LinkError on any failure.
    """

    def __init__(self, config: DistrictLinkConfig, name: str) -> None:
        self.config = config
        self._name = name
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()
        self._client: Client | None = None
        self._lock = threading.Lock()

    def call(self, work: Callable[[Client], Coroutine[Any, Any, T]]) -> T:
        """`await work(client)` on the link's loop; LinkError on any failure or time-out."""
        with self._lock:
            client = self._client or self._connect()
        future = asyncio.run_coroutine_threadsafe(work(client), self._loop)
        try:
            return future.result(self.config.timeout_s + 1.0)
        except Exception as error:
            future.cancel()
            raise LinkError(f"{self.config.nats_url}: {type(error).__name__}: {error}") from error

    def jetstream(self, domain: str | None) -> Callable[[Client], JetStreamContext]:
        timeout_s = self.config.timeout_s
        return lambda client: client.jetstream(domain=domain, timeout=timeout_s)

    def subscribe(self, subject: str, handle: Callable[[Msg], None]) -> None:
        """Call `handle(msg)` on the link's thread for each message on `subject`."""

        async def on_message(msg: Msg) -> None:
            handle(msg)

        async def work(client: Client) -> None:
            await client.subscribe(subject, cb=on_message)

        self.call(work)

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            future = asyncio.run_coroutine_threadsafe(client.close(), self._loop)
            try:
                future.result(self.config.timeout_s)
            except Exception as error:  # closing anyway
                log.debug("%s: close: %s", self._name, error)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(self.config.timeout_s)

    def _connect(self) -> Client:
        password = self.config.password
        options: dict[str, Any] = {
            "servers": [self.config.nats_url],
            "name": self._name,
            "connect_timeout": self.config.timeout_s,
            "max_reconnect_attempts": -1,  # once connected, reconnect for ever
            "reconnect_time_wait": 1,
            "error_cb": self._on_error,
            "user": self.config.user,
            "password": None if password is None else password.get_secret_value(),
        }
        future = asyncio.run_coroutine_threadsafe(nats.connect(**options), self._loop)
        try:
            self._client = future.result(self.config.timeout_s * 2 + 1.0)
        except Exception as error:
            future.cancel()
            raise LinkError(
                f"cannot connect to {self.config.nats_url}: {type(error).__name__}: {error}"
            ) from error
        return self._client

    async def _on_error(self, error: Exception) -> None:
        # Each failed (re)connection attempt lands here; the callers say once per outage.
        log.debug("%s: %s", self._name, error)

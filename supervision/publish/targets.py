"""Where messages go: a webhook (signed HTTP POST) or an MQTT broker (QoS 1 publish)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Protocol

import httpx
from paho.mqtt import client as mqtt

from supervision.config import MqttConfig, WebhookConfig
from supervision.publish.messages import Message, sign, topic

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Carewatch-Signature"
MESSAGE_ID_HEADER = "X-Carewatch-Message-Id"


class PublishError(Exception):
    """The target did not accept the message; it is sent again later."""


class Target(Protocol):
    """One receiver; `send` returns only once the receiver accepted the message."""

    @property
    def name(self) -> str: ...

    # Only changes made here (a district link: not what it took in from another node); the
    # publisher passes over the rest without reading them.
    local_only: bool

    def send(self, message: Message) -> None: ...

    def close(self) -> None: ...


class WebhookTarget:
    """POSTs each message; any 2xx answer accepts it, anything else is retried."""

    local_only = False

    def __init__(self, config: WebhookConfig) -> None:
        self.config = config
        self._client = httpx.Client(timeout=config.timeout_s, follow_redirects=False)

    @property
    def name(self) -> str:
        return f"webhook:{self.config.name}"

    def send(self, message: Message) -> None:
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(message.body, self.config.secret.get_secret_value()),
            MESSAGE_ID_HEADER: message.id,
        }
        try:
            response = self._client.post(self.config.url, content=message.body, headers=headers)
        except httpx.HTTPError as error:
            raise PublishError(f"{type(error).__name__}: {error}") from error
        if not response.is_success:
            raise PublishError(f"HTTP {response.status_code}")

    def close(self) -> None:
        self._client.close()


class MqttTarget:
    """Publishes each message with the configured QoS; with QoS >= 1, the broker's ack accepts it.

    Any failure drops the connection, so that paho never resends a stale message on its own:
    the publisher resends it, in order, once a fresh connection is up.
    """

    local_only = False

    def __init__(self, config: MqttConfig) -> None:
        self.config = config
        self._client: mqtt.Client | None = None
        self._connected = threading.Event()
        self._lost = threading.Event()
        self._refused: str | None = None

    @property
    def name(self) -> str:
        return f"mqtt:{self.config.name}"

    def send(self, message: Message) -> None:
        client = self._client or self._connect()
        info = client.publish(
            topic(self.config.topic_prefix, message), message.body, self.config.qos, retain=False
        )
        try:
            self._await_ack(info)
        except (RuntimeError, ValueError, PublishError) as error:
            self.close()
            raise PublishError(str(error)) from error

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.disconnect()
            client.loop_stop()

    def _connect(self) -> mqtt.Client:
        client = self._new_client()
        self._connected.clear()
        self._lost.clear()
        self._refused = None
        try:
            client.connect(self.config.host, self.config.port, self.config.keepalive_s)
        except (OSError, ValueError) as error:
            where = f"{self.config.host}:{self.config.port}"
            raise PublishError(f"cannot connect to {where}: {error}") from error
        client.loop_start()
        if not self._connected.wait(self.config.timeout_s) or self._refused is not None:
            client.disconnect()
            client.loop_stop()
            reason = self._refused or f"no answer within {self.config.timeout_s:g} s"
            raise PublishError(f"broker {self.config.host}:{self.config.port}: {reason}")
        self._client = client
        return client

    def _new_client(self) -> mqtt.Client:
        config = self.config
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=config.client_id,
            protocol=mqtt.MQTTv311,
            clean_session=True,
        )
        client.connect_timeout = config.timeout_s
        if config.username is not None:
            password = None if config.password is None else config.password.get_secret_value()
            client.username_pw_set(config.username, password)
        if config.tls is not None:
            client.tls_set(
                ca_certs=_path(config.tls.ca_file),
                certfile=_path(config.tls.cert_file),
                keyfile=_path(config.tls.key_file),
            )
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        return client

    def _on_connect(self, *args: Any) -> None:
        reason = args[3]  # client, userdata, flags, reason code, properties
        if reason.is_failure:
            self._refused = f"connection refused: {reason}"
        self._connected.set()

    def _on_disconnect(self, client: mqtt.Client, *args: Any) -> None:
        # Stop paho's thread instead of letting it reconnect (and resend) on its own; from
        # the thread itself this does not wait. The next send connects afresh.
        client.loop_stop()
        self._lost.set()

    def _await_ack(self, info: mqtt.MQTTMessageInfo) -> None:
        """Wait for the broker's acknowledgement; a lost connection fails at once."""
        deadline = time.monotonic() + self.config.timeout_s
        while not info.is_published():
            if self._lost.is_set():
                raise PublishError("connection lost before the broker acknowledged")
            if time.monotonic() > deadline:
                raise PublishError(f"no acknowledgement within {self.config.timeout_s:g} s")
            info.wait_for_publish(0.05)


def _path(value: object) -> str | None:
    return None if value is None else str(value)

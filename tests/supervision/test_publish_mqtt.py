"""Publishing to MQTT: a real mosquitto that is down at first, or goes away, loses nothing."""

from __future__ import annotations

import getpass
import json
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from paho.mqtt import client as mqtt

from supervision.config import MqttConfig, PublishConfig, RetryConfig
from supervision.events.changes import changes_since
from supervision.events.incidents import transition_event
from supervision.events.store import EventStore
from supervision.publish.publisher import Publisher, TargetState
from tests.store_calls import write
from vision.events import SafetyEvent

MOSQUITTO = Path("/usr/sbin/mosquitto")
MOSQUITTO_PASSWD = Path("/usr/bin/mosquitto_passwd")
PREFIX = "district-7/carewatch"

pytestmark = pytest.mark.skipif(
    not MOSQUITTO.is_file(), reason=f"{MOSQUITTO} not found: apt-get install mosquitto"
)


class Broker:
    """A mosquitto on a free loopback port, started and stopped by the test.

    Its state lives in the test's folder, so a persistent subscriber's session (and the
    messages queued for it) survives a restart, as it does on a production broker.
    """

    def __init__(self, folder: Path, login: tuple[str, str] | None = None) -> None:
        self.folder = folder
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.config = folder / "mosquitto.conf"
        self.config.write_text(self._config_text(login), encoding="utf-8")
        self._process: subprocess.Popen[bytes] | None = None

    def _config_text(self, login: tuple[str, str] | None) -> str:
        lines = [
            f"listener {self.port} 127.0.0.1",
            "persistence true",
            f"persistence_location {self.folder}/",
            f"log_dest file {self.folder / 'mosquitto.log'}",
            f"user {getpass.getuser()}",  # as root, stay root: the folder is root's
        ]
        if login is None:
            return "\n".join([*lines, "allow_anonymous true", ""])
        passwords = self.folder / "passwords"
        subprocess.run([MOSQUITTO_PASSWD, "-b", "-c", passwords, *login], check=True)
        passwords.chmod(0o600)
        return "\n".join([*lines, "allow_anonymous false", f"password_file {passwords}", ""])

    def start(self) -> None:
        self._process = subprocess.Popen([MOSQUITTO, "-c", str(self.config)])
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    raise RuntimeError(f"mosquitto did not start; see {self.folder}") from None
                time.sleep(0.02)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()  # a clean stop saves the sessions
            self._process.wait(timeout=10)
            self._process = None


class Subscriber:
    """A persistent-session QoS 1 subscriber to everything under PREFIX."""

    def __init__(self, broker: Broker, login: tuple[str, str] | None = None) -> None:
        self.broker = broker
        self.login = login
        self.received: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._client: mqtt.Client | None = None

    def ids(self) -> list[str]:
        with self._lock:
            return [payload["id"] for _, payload in self.received]

    def connect(self) -> None:
        subscribed = threading.Event()
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id="district-receiver",
            protocol=mqtt.MQTTv311,
            clean_session=False,
        )
        if self.login is not None:
            client.username_pw_set(*self.login)
        client.on_message = self._on_message
        client.on_subscribe = lambda *args: subscribed.set()
        client.connect("127.0.0.1", self.broker.port)
        client.subscribe(f"{PREFIX}/#", qos=1)
        client.loop_start()
        assert subscribed.wait(5), "subscription not acknowledged"
        self._client = client

    def close(self) -> None:
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()
            self._client = None

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.received.append((message.topic, json.loads(message.payload)))


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    broker = Broker(tmp_path)
    yield broker
    broker.stop()


@pytest.fixture
def subscriber(broker: Broker) -> Iterator[Subscriber]:
    """Subscribed once, so the broker keeps its messages while it is away."""
    broker.start()
    subscriber = Subscriber(broker)
    subscriber.connect()
    yield subscriber
    subscriber.close()


def mqtt_publisher(store: EventStore, broker: Broker, **fields: Any) -> Publisher:
    mqtt_config = {"host": "127.0.0.1", "port": broker.port, "topic_prefix": PREFIX, **fields}
    config = PublishConfig(
        mqtt=MqttConfig.model_validate({"timeout_s": 2.0, **mqtt_config}),
        retry=RetryConfig(first_delay_s=0.02, max_delay_s=0.1),
        poll_s=0.02,
    )
    return Publisher(store, config)


def expected(store: EventStore) -> list[tuple[str, str]]:
    return [
        (f"{c.event.id}-{c.revision}", "transitions" if c.transition else "events")
        for c in changes_since(store.sessions, 0)
    ]


def received(subscriber: Subscriber) -> list[tuple[str, str]]:
    return [(payload["id"], topic.rsplit("/", 1)[1]) for topic, payload in subscriber.received]


def test_broker_down_at_first_then_everything_arrives_in_order(
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
    broker: Broker,
    subscriber: Subscriber,
    wait_until: Callable[..., None],
) -> None:
    subscriber.close()
    broker.stop()
    publisher = mqtt_publisher(store, broker)
    publisher.start()
    try:
        first = store.record_event(make_event())
        store.record_event(make_event(camera_id="cam-2"))
        write(store, transition_event, first, "acknowledge", actor="officer")
        wait_until(lambda: publisher.status()[0].failures >= 2)
        [status] = publisher.status()
        assert status.state == TargetState.RETRYING and status.sent == 0
        assert "cannot connect" in (status.last_error or "")

        broker.start()
        wait_until(lambda: publisher.status()[0].sent == 3)
        subscriber.connect()
        wait_until(lambda: len(subscriber.ids()) == 3)
    finally:
        publisher.stop()
    assert received(subscriber) == expected(store)
    topics = [topic for topic, _ in subscriber.received]
    assert topics == [
        f"{PREFIX}/fac-1/cam-1/events",
        f"{PREFIX}/fac-1/cam-2/events",
        f"{PREFIX}/fac-1/cam-1/transitions",
    ]
    assert subscriber.received[2][1]["transition"]["to_status"] == "acknowledged"


def test_broker_that_goes_away_gets_the_rest_once_back(
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
    broker: Broker,
    subscriber: Subscriber,
    wait_until: Callable[..., None],
) -> None:
    publisher = mqtt_publisher(store, broker)
    publisher.start()
    try:
        first = store.record_event(make_event())
        wait_until(lambda: len(subscriber.ids()) == 1)

        subscriber.close()
        broker.stop()
        store.record_event(make_event())
        write(store, transition_event, first, "false_alarm", actor="officer", note="a dropped coat")
        wait_until(lambda: publisher.status()[0].failures >= 1)

        broker.start()
        wait_until(lambda: publisher.status()[0].sent == 3)
        subscriber.connect()
        wait_until(lambda: len(subscriber.ids()) == 3)
    finally:
        publisher.stop()
    assert received(subscriber) == expected(store)
    assert publisher.status()[0].state == TargetState.STOPPED


@pytest.mark.skipif(not MOSQUITTO_PASSWD.is_file(), reason=f"{MOSQUITTO_PASSWD} not found")
@pytest.mark.parametrize(("password", "delivered"), [("right-pw", True), ("wrong-pw", False)])
def test_broker_login(
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
    tmp_path: Path,
    wait_until: Callable[..., None],
    password: str,
    delivered: bool,
) -> None:
    login = ("carewatch", "right-pw")
    broker = Broker(tmp_path, login)
    broker.start()
    subscriber = Subscriber(broker, login)
    publisher = mqtt_publisher(store, broker, username="carewatch", password=password)
    try:
        subscriber.connect()
        publisher.start()
        store.record_event(make_event())
        if delivered:
            wait_until(lambda: len(subscriber.ids()) == 1)
        else:
            wait_until(lambda: publisher.status()[0].failures >= 1)
            assert "not authorized" in (publisher.status()[0].last_error or "").lower()
    finally:
        publisher.stop()
        subscriber.close()
        broker.stop()
    assert len(subscriber.ids()) == int(delivered)

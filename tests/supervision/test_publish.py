"""Publishing to webhooks: a real receiver that fails, goes away and comes back loses nothing."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine

from supervision.config import PublishConfig, RetryConfig, WebhookConfig
from supervision.db import session_factory
from supervision.events.changes import changes_since
from supervision.events.incidents import transition_event
from supervision.events.reads import latest_revision_of
from supervision.events.store import EventStore
from supervision.publish.messages import verify
from supervision.publish.publisher import Publisher, PublisherState, TargetState, backoff_s
from tests.store_calls import read, write
from vision.events import SafetyEvent

SECRET = "a-shared-secret-of-32-characters"
FAST_RETRY = RetryConfig(first_delay_s=0.01, max_delay_s=0.05)


class Receiver:
    """A real HTTP server that records accepted webhooks; `failing` makes it answer 500."""

    def __init__(self) -> None:
        self.accepted: list[dict[str, Any]] = []
        self.attempts = 0
        self.failing = False
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def ids(self) -> list[str]:
        with self._lock:
            return [payload["id"] for payload in self.accepted]

    def up(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        serve = self._server.serve_forever
        threading.Thread(target=serve, args=(0.05,), daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def answer(self, body: bytes, signature: str | None, message_id: str | None) -> int:
        with self._lock:
            self.attempts += 1
            if self.failing:
                return 500
            if not verify(body, SECRET, signature):
                return 401
            payload = json.loads(body)
            assert payload["id"] == message_id
            self.accepted.append(payload)
            return 204

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.answer(
                    body,
                    self.headers["X-Carewatch-Signature"],
                    self.headers["X-Carewatch-Message-Id"],
                )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.up()
    yield receiver
    receiver.down()


def webhook(name: str, url: str, secret: str = SECRET) -> WebhookConfig:
    return WebhookConfig.model_validate(
        {"name": name, "url": url, "secret": secret, "timeout_s": 2.0}
    )


def publish_config(*webhooks: WebhookConfig) -> PublishConfig:
    return PublishConfig(webhooks=list(webhooks), retry=FAST_RETRY, poll_s=0.02)


@pytest.fixture
def started() -> Iterator[Callable[..., Publisher]]:
    publishers: list[Publisher] = []

    def start(store: EventStore, config: PublishConfig) -> Publisher:
        publisher = Publisher(store, config)
        publisher.start()
        publishers.append(publisher)
        return publisher

    yield start
    for publisher in publishers:
        publisher.stop()


def expected_ids(store: EventStore) -> list[str]:
    return [f"{c.event.id}-{c.revision}" for c in changes_since(store.sessions, 0)]


def test_new_events_and_transitions_arrive_signed_and_in_order(
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
    receiver: Receiver,
    started: Callable[..., Publisher],
    wait_until: Callable[..., None],
) -> None:
    publisher = started(store, publish_config(webhook("district", receiver.url)))
    first = store.record_event(make_event())
    store.record_event(make_event())
    write(store, transition_event, first, "acknowledge", actor="officer", note="on my way")
    write(store, transition_event, first, "false_alarm", actor="officer")

    wait_until(lambda: len(receiver.ids()) == 4)
    assert receiver.ids() == expected_ids(store)
    kinds = [(p["kind"], p["event"]["id"]) for p in receiver.accepted]
    assert kinds[:2] == [("event.new", first), ("event.new", first + 1)]
    assert [p["transition"]["to_status"] for p in receiver.accepted[2:]] == [
        "acknowledged",
        "false_alarm",
    ]
    assert receiver.accepted[2]["transition"]["actor"] == "officer"
    wait_until(lambda: publisher.status()[0].revision == read(store, latest_revision_of))
    [status] = publisher.status()
    assert (status.name, status.sent, status.failures) == ("webhook:district", 4, 0)
    assert status.revision == read(store, latest_revision_of)


def test_a_failing_receiver_gets_everything_once_it_recovers(
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
    receiver: Receiver,
    started: Callable[..., Publisher],
    wait_until: Callable[..., None],
) -> None:
    receiver.failing = True
    publisher = started(store, publish_config(webhook("district", receiver.url)))
    for _ in range(3):
        store.record_event(make_event())
    wait_until(lambda: receiver.attempts >= 3)
    [status] = publisher.status()
    assert status.state == TargetState.RETRYING and status.last_error == "HTTP 500"
    assert receiver.ids() == []

    receiver.failing = False
    wait_until(lambda: len(receiver.ids()) == 3)
    assert receiver.ids() == expected_ids(store)
    wait_until(lambda: publisher.status()[0].state == TargetState.IDLE)


def test_a_receiver_that_was_down_across_a_restart_loses_nothing(
    engine: Engine,
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
    receiver: Receiver,
    started: Callable[..., Publisher],
    wait_until: Callable[..., None],
) -> None:
    config = publish_config(webhook("district", receiver.url))
    before = started(store, config)
    event_id = store.record_event(make_event())
    wait_until(lambda: len(receiver.ids()) == 1)

    receiver.down()
    store.record_event(make_event())
    write(store, transition_event, event_id, "acknowledge", actor="officer")
    wait_until(lambda: before.status()[0].failures >= 1)
    before.stop()
    assert before.state == PublisherState.STOPPED
    store.record_event(make_event())  # while nothing publishes

    receiver.up()
    restarted_store = EventStore(session_factory(engine))  # as a restarted service has
    after = started(restarted_store, config)
    assert after.state == PublisherState.RUNNING
    wait_until(lambda: len(receiver.ids()) == 4)
    assert receiver.ids() == expected_ids(store)  # in order, each once


def test_a_dead_target_never_holds_up_the_others(
    store: EventStore,
    make_event: Callable[..., SafetyEvent],
    receiver: Receiver,
    started: Callable[..., Publisher],
    wait_until: Callable[..., None],
) -> None:
    closed = Receiver()  # its port has no server
    config = publish_config(
        webhook("live", receiver.url),
        webhook("unreachable", closed.url),
        webhook("wrong-secret", receiver.url, secret="not-the-receivers-secret"),
    )
    publisher = started(store, config)
    for _ in range(3):
        store.record_event(make_event())
    wait_until(lambda: publisher.status()[0].revision == read(store, latest_revision_of))
    wait_until(lambda: all(s.failures >= 2 for s in publisher.status()[1:]))
    live, unreachable, wrong = publisher.status()
    assert (live.sent, live.revision) == (3, read(store, latest_revision_of))
    assert (unreachable.sent, unreachable.revision, unreachable.state) == (0, 0, "retrying")
    assert "ConnectError" in (unreachable.last_error or "")
    assert (wrong.sent, wrong.last_error) == (0, "HTTP 401")
    assert receiver.ids() == expected_ids(store)


@pytest.mark.parametrize(
    ("attempt", "expected_s"),
    [(1, 1.0), (2, 2.0), (3, 4.0), (7, 60.0), (10_000, 60.0)],
)
def test_backoff_doubles_up_to_the_bound(attempt: int, expected_s: float) -> None:
    assert backoff_s(attempt, RetryConfig(first_delay_s=1.0, max_delay_s=60.0)) == expected_s


def test_backoff_counts_from_one() -> None:
    with pytest.raises(ValueError, match="attempt"):
        backoff_s(0, RetryConfig())


def test_no_targets_publishes_nothing(store: EventStore) -> None:
    publisher = Publisher(store, PublishConfig())
    publisher.start()
    publisher.stop()
    assert publisher.status() == []


GOOD_HOOK = {"name": "district", "url": "https://example.org/hook", "secret": SECRET}


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({}, None),
        ({"webhooks": [GOOD_HOOK], "mqtt": {"host": "mq", "username": "u", "password": "p"}}, None),
        ({"mqtt": {"host": "b", "tls": {"ca_file": "ca.pem"}, "topic_prefix": "a/b"}}, None),
        ({"webhooks": [{**GOOD_HOOK, "url": "ftp://example.org"}]}, "webhooks.0.url"),
        ({"webhooks": [{**GOOD_HOOK, "secret": "short"}]}, "webhooks.0.secret"),
        ({"webhooks": [GOOD_HOOK, GOOD_HOOK]}, r"webhooks\[1\].name: duplicate"),
        ({"webhooks": [{**GOOD_HOOK, "timeout_s": 0}]}, "webhooks.0.timeout_s"),
        ({"mqtt": {"host": "b", "topic_prefix": "a/#"}}, "mqtt.topic_prefix"),
        ({"mqtt": {"host": "b", "topic_prefix": "a/"}}, "mqtt.topic_prefix"),
        ({"mqtt": {"host": "b", "qos": 3}}, "mqtt.qos"),
        ({"mqtt": {"host": "b", "password": "p"}}, "password needs a username"),
        ({"mqtt": {"host": "b", "tls": {"cert_file": "c.pem"}}}, "cert_file and key_file"),
        ({"retry": {"first_delay_s": 10, "max_delay_s": 5}}, "max_delay_s must not be shorter"),
        ({"poll_s": 0}, "poll_s"),
        ({"kafka": {}}, "kafka"),
    ],
)
def test_publish_config(values: dict[str, Any], error: str | None) -> None:
    if error is None:
        PublishConfig.model_validate(values)
        return
    with pytest.raises(ValidationError, match=error):
        PublishConfig.model_validate(values)


def test_secrets_stay_out_of_reprs() -> None:
    config = PublishConfig.model_validate({"webhooks": [GOOD_HOOK]})
    assert SECRET not in repr(config) and SECRET not in str(config)

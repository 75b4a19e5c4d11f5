"""The SSE event feed: snapshot first, then changed events; resumes from Last-Event-ID."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.sse import ServerSentEvent

from dashboard.config import DashboardConfig
from dashboard.feed import ChangeSignal, event_feed, parse_revision
from supervision.events.incidents import transition_event
from supervision.events.reads import latest_revision_of
from supervision.events.store import EventStore
from tests.dashboard.conftest import LiveServer
from tests.store_calls import read, write
from vision.events import SafetyEvent


@pytest.mark.parametrize(
    ("header", "revision"),
    [(None, None), ("", None), ("12", 12), (" 7 ", 7), ("-3", None), ("abc", None)],
    ids=repr,
)
def test_parse_revision(header: str | None, revision: int | None) -> None:
    assert parse_revision(header) == revision


async def _collect(
    store: EventStore, media_root: Path, since: int | None, count: int, between: Callable[[], None]
) -> list[ServerSentEvent]:
    feed = event_feed(store, media_root, since_revision=since, poll_s=0.02)
    items = [await anext(feed)]
    between()
    while len(items) < count:
        items.append(await asyncio.wait_for(anext(feed), timeout=5))
    await feed.aclose()
    return items


def test_feed_sends_snapshot_then_changes_in_revision_order(
    store: EventStore, media_root: Path, make_event: Callable[..., SafetyEvent]
) -> None:
    old = store.record_event(make_event())
    start_revision = read(store, latest_revision_of)

    def change() -> None:
        new = store.record_event(make_event())
        write(store, transition_event, old, "acknowledge", actor="nurse")
        write(store, transition_event, new, "false_alarm", actor="nurse")

    # `change` runs on the loop between two polls, so each event is sent once, as it is now.
    items = asyncio.run(_collect(store, media_root, None, 3, change))

    assert items[0].event == "snapshot"
    assert items[0].data == {"revision": start_revision}
    assert [item.event for item in items[1:]] == ["event"] * 2
    revisions = [int(item.id or 0) for item in items[1:]]
    assert revisions == sorted(revisions) and revisions[0] > start_revision
    assert [(item.data.id, item.data.status) for item in items[1:]] == [
        (old, "acknowledged"),
        (old + 1, "false_alarm"),
    ]


def test_feed_resumes_after_given_revision(
    store: EventStore, media_root: Path, make_event: Callable[..., SafetyEvent]
) -> None:
    seen = store.record_event(make_event())
    resume_from = read(store, latest_revision_of)
    missed = store.record_event(make_event())

    items = asyncio.run(_collect(store, media_root, resume_from, 2, lambda: None))

    assert items[0].id == str(resume_from)
    assert items[1].data.id == missed != seen


def _sse_messages(response: httpx.Response) -> Iterator[dict[str, str]]:
    message: dict[str, str] = {}
    for line in response.iter_lines():
        if not line:
            if message:
                yield message
            message = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            message[name] = value.removeprefix(" ")


def test_stream_over_http_delivers_new_event(
    live_server: LiveServer, store: EventStore, record_with_media: Callable[..., int]
) -> None:
    with (
        httpx.Client(base_url=live_server.url, headers=live_server.headers, timeout=10) as http,
        http.stream("GET", "/api/events/stream") as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        messages = _sse_messages(response)
        snapshot = next(messages)
        event_id = record_with_media()
        changed = next(m for m in messages if m["event"] == "event")

    assert snapshot["event"] == "snapshot"
    assert json.loads(snapshot["data"]) == {"revision": 0}
    body = json.loads(changed["data"])
    # The event arrives once recorded and again once its media is attached; either is fine.
    assert body["id"] == event_id
    assert int(changed["id"]) == body["revision"]


def test_stream_over_http_honours_last_event_id(
    live_server: LiveServer, store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    store.record_event(make_event())
    resume_from = read(store, latest_revision_of)
    missed = store.record_event(make_event())
    headers = {"Last-Event-ID": str(resume_from)}

    with (
        httpx.Client(base_url=live_server.url, headers=live_server.headers, timeout=10) as http,
        http.stream("GET", "/api/events/stream", headers=headers) as response,
    ):
        messages = _sse_messages(response)
        snapshot = next(messages)
        changed = next(messages)

    assert snapshot["id"] == str(resume_from)
    assert json.loads(changed["data"])["id"] == missed


def test_feed_ends_once_closing(store: EventStore, media_root: Path) -> None:
    async def run() -> list[ServerSentEvent]:
        closing = asyncio.Event()
        closing.set()
        feed = event_feed(store, media_root, since_revision=None, poll_s=0.01, closing=closing)
        return [item async for item in feed]

    assert [item.event for item in asyncio.run(run())] == ["snapshot"]


def test_a_commit_wakes_the_feed_without_waiting_for_the_poll(
    store: EventStore, media_root: Path, make_event: Callable[..., SafetyEvent]
) -> None:
    changes = ChangeSignal()
    store.on_change(changes.notify)

    async def run() -> tuple[int, float]:
        feed = event_feed(store, media_root, since_revision=None, poll_s=30, changes=changes)
        await anext(feed)  # the snapshot
        started = time.monotonic()
        # Written from another thread, as the service's writer does.
        writer = threading.Thread(target=store.record_event, args=(make_event(),))
        writer.start()
        item = await asyncio.wait_for(anext(feed), timeout=5)
        waited_s = time.monotonic() - started
        await feed.aclose()
        writer.join()
        return item.data.id, waited_s

    event_id, waited_s = asyncio.run(run())
    assert event_id == 1
    assert waited_s < 1.0  # the poll alone would take 30 s


def test_a_signal_from_a_closed_loop_is_ignored() -> None:
    changes = ChangeSignal()

    async def subscribe() -> asyncio.Event:
        return changes.subscribe()

    asyncio.run(subscribe())  # its loop is closed when run() returns
    changes.notify()  # must not raise


# The stream's poll is 5 s here: only the store's commit signal can deliver within a second.
@pytest.mark.parametrize("config", [DashboardConfig(event_poll_s=5)])
def test_http_stream_is_pushed_on_commit(
    live_server: LiveServer, store: EventStore, make_event: Callable[..., SafetyEvent]
) -> None:
    with (
        httpx.Client(base_url=live_server.url, headers=live_server.headers, timeout=10) as http,
        http.stream("GET", "/api/events/stream") as response,
    ):
        messages = _sse_messages(response)
        next(messages)
        started = time.monotonic()
        event_id = store.record_event(make_event())
        changed = next(m for m in messages if m["event"] == "event")
        waited_s = time.monotonic() - started
    assert json.loads(changed["data"])["id"] == event_id
    assert waited_s < 1.0

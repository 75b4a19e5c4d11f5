"""The event feed behind /api/events/stream: a snapshot, then every changed event."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Callable, Collection
from contextlib import suppress
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from fastapi.sse import ServerSentEvent
from starlette.concurrency import run_in_threadpool

from dashboard.schemas.events import EventOut
from supervision.events.reads import latest_revision_of, list_events
from supervision.events.store import EventStore

# Most events one poll sends; a larger backlog follows on the next polls.
_BATCH = 200
_RETRY_MS = 2000

T = TypeVar("T")


class ChangeSignal:
    """Wakes the event feeds as soon as the store commits a change in this process.

    `notify` may be called from any thread (the store calls it from the writer's). Changes
    written by another process are still found by each feed's poll.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[asyncio.Event, asyncio.AbstractEventLoop] = {}

    def notify(self) -> None:
        with self._lock:
            waiting = list(self._waiting.items())
        for wake, loop in waiting:
            # RuntimeError: that feed's loop has closed; it unsubscribes on its way out.
            with suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)

    def subscribe(self) -> asyncio.Event:
        """An event set at each change from now on; call from the feed's event loop."""
        wake = asyncio.Event()
        with self._lock:
            self._waiting[wake] = asyncio.get_running_loop()
        return wake

    def unsubscribe(self, wake: asyncio.Event) -> None:
        with self._lock:
            self._waiting.pop(wake, None)


async def _pause(wake: asyncio.Event | None, poll_s: float) -> None:
    """Until the next change is signalled, or `poll_s` at most."""
    if wake is None:
        await asyncio.sleep(poll_s)
        return
    with suppress(TimeoutError):
        await asyncio.wait_for(wake.wait(), poll_s)
    wake.clear()  # before reading, so a change committed during the read wakes the next pause


def parse_revision(last_event_id: str | None) -> int | None:
    """The revision a reconnecting EventSource last saw (`Last-Event-ID`), if readable."""
    if last_event_id is None or not last_event_id.strip().isdigit():
        return None
    return int(last_event_id)


async def event_feed(
    store: EventStore,
    media_root: Path,
    *,
    since_revision: int | None,
    poll_s: float,
    camera_ids: Collection[str] | None = None,
    closing: asyncio.Event | None = None,
    changes: ChangeSignal | None = None,
) -> AsyncGenerator[ServerSentEvent, None]:
    """Yield `snapshot` with the latest revision, then `event` for each event changed after.

    Only events of `camera_ids` when given (the user's scope), and the revisions of those only.
    Reads again on each signal from `changes`, and every `poll_s` regardless. Runs until the
    client goes away or `closing` is set.
    """
    wake = None if changes is None else changes.subscribe()
    try:
        latest = await run_in_threadpool(_read, store, latest_revision_of, camera_ids)
        cursor = latest if since_revision is None or since_revision > latest else since_revision
        yield ServerSentEvent(
            event="snapshot", id=str(cursor), retry=_RETRY_MS, data={"revision": latest}
        )
        while closing is None or not closing.is_set():
            await _pause(wake, poll_s)
            changed = await run_in_threadpool(
                partial(_read, store, list_events, since_revision=cursor, limit=_BATCH),
                camera_ids=camera_ids,
            )
            for view in sorted(changed, key=lambda v: v.revision):
                cursor = max(cursor, view.revision)
                data = EventOut.from_view(view, media_root)
                yield ServerSentEvent(event="event", id=str(view.revision), data=data)
    finally:
        if changes is not None and wake is not None:
            changes.unsubscribe(wake)


def _read(store: EventStore, query: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`query(session, ...)` in a session of its own (on a worker thread)."""
    with store.sessions() as session:
        return query(session, *args, **kwargs)

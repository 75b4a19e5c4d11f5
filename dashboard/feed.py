"""The event feed behind /api/events/stream: a snapshot, then every changed event."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Collection
from functools import partial
from pathlib import Path

from fastapi.sse import ServerSentEvent
from starlette.concurrency import run_in_threadpool

from dashboard.schemas import EventOut
from supervision.store import EventStore

# Most events one poll sends; a larger backlog follows on the next polls.
_BATCH = 200
_RETRY_MS = 2000


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
) -> AsyncGenerator[ServerSentEvent, None]:
    """Yield `snapshot` with the latest revision, then `event` for each event changed after.

    Only events of `camera_ids` when given (the user's scope), and the revisions of those only.
    Runs until the client goes away or `closing` is set.
    """
    latest = await run_in_threadpool(store.latest_revision, camera_ids)
    cursor = latest if since_revision is None or since_revision > latest else since_revision
    yield ServerSentEvent(
        event="snapshot", id=str(cursor), retry=_RETRY_MS, data={"revision": latest}
    )
    while closing is None or not closing.is_set():
        await asyncio.sleep(poll_s)
        changed = await run_in_threadpool(
            partial(store.list_events, since_revision=cursor, limit=_BATCH, camera_ids=camera_ids)
        )
        for view in sorted(changed, key=lambda v: v.revision):
            cursor = max(cursor, view.revision)
            data = EventOut.from_view(view, media_root)
            yield ServerSentEvent(event="event", id=str(view.revision), data=data)

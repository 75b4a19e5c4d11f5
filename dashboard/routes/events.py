"""Events: list, detail, live feed (SSE) and workflow transitions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from dashboard.deps import ClosingDep, ConfigDep, MediaRootDep, StoreDep
from dashboard.feed import event_feed, parse_revision
from dashboard.schemas import NO_NUL, EventAction, EventOut, TransitionIn
from supervision.records import EventStatus
from supervision.store import EventNotFound, FamilyNoticeRequired, InvalidTransition

router = APIRouter(prefix="/api/events", tags=["events"])


@router.get("", response_model=list[EventOut])
def list_events(
    store: StoreDep,
    media_root: MediaRootDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    camera_id: Annotated[str | None, Query(max_length=128, pattern=NO_NUL)] = None,
    status: EventStatus | None = None,
) -> list[EventOut]:
    views = store.list_events(limit=limit, camera_id=camera_id, status=status)
    return [EventOut.from_view(view, media_root) for view in views]


# Declared before /{event_id} so that "stream" is not read as an id.
@router.get("/stream", response_class=EventSourceResponse)
async def stream_events(
    store: StoreDep,
    config: ConfigDep,
    media_root: MediaRootDep,
    closing: ClosingDep,
    last_event_id: Annotated[str | None, Header()] = None,
) -> AsyncIterator[ServerSentEvent]:
    since = parse_revision(last_event_id)
    feed = event_feed(
        store, media_root, since_revision=since, poll_s=config.event_poll_s, closing=closing
    )
    async for item in feed:
        yield item


@router.get("/{event_id}", response_model=EventOut)
def get_event(event_id: int, store: StoreDep, media_root: MediaRootDep) -> EventOut:
    view = store.get_event(event_id)
    if view is None:
        raise HTTPException(status_code=404, detail=f"event {event_id} not found")
    return EventOut.from_view(view, media_root)


@router.post("/{event_id}/{action}", response_model=EventOut)
def transition_event(
    event_id: int,
    action: EventAction,
    store: StoreDep,
    config: ConfigDep,
    media_root: MediaRootDep,
    body: TransitionIn | None = None,
) -> EventOut:
    body = body or TransitionIn()
    actor = body.actor or config.operator_name
    family = body.family.record() if body.family else None
    try:
        view = store.transition(event_id, action.store_action, actor, body.note or None, family)
    except EventNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except FamilyNoticeRequired as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    except InvalidTransition as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    return EventOut.from_view(view, media_root)

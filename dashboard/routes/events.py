"""Events: list, detail, live feed (SSE) and workflow transitions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from dashboard.auth import Principal, PrincipalDep, require_permission
from dashboard.deps import ChangesDep, ClosingDep, ConfigDep, MediaRootDep, StoreDep
from dashboard.feed import event_feed, parse_revision
from dashboard.schemas import NO_NUL, EventAction, EventOut, TransitionIn
from supervision.events.store import (
    EventNotFound,
    EventStore,
    FamilyNoticeRequired,
    InvalidTransition,
)
from supervision.events.views import EventStatus, EventView
from supervision.org.scope import Permission, can_read_camera

router = APIRouter(prefix="/api/events", tags=["events"])


@router.get("", response_model=list[EventOut])
def list_events(
    principal: PrincipalDep,
    store: StoreDep,
    media_root: MediaRootDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    camera_id: Annotated[str | None, Query(max_length=128, pattern=NO_NUL)] = None,
    status: EventStatus | None = None,
) -> list[EventOut]:
    cameras = principal.scope.camera_ids
    views = store.list_events(limit=limit, camera_id=camera_id, status=status, camera_ids=cameras)
    return [EventOut.from_view(view, media_root) for view in views]


# Declared before /{event_id} so that "stream" is not read as an id.
@router.get("/stream", response_class=EventSourceResponse)
async def stream_events(
    principal: PrincipalDep,
    store: StoreDep,
    config: ConfigDep,
    media_root: MediaRootDep,
    closing: ClosingDep,
    changes: ChangesDep,
    last_event_id: Annotated[str | None, Header()] = None,
) -> AsyncIterator[ServerSentEvent]:
    since = parse_revision(last_event_id)
    feed = event_feed(
        store,
        media_root,
        since_revision=since,
        poll_s=config.event_poll_s,
        camera_ids=principal.scope.camera_ids,
        closing=closing,
        changes=changes,
    )
    async with aclosing(feed):
        async for item in feed:
            yield item


@router.get("/{event_id}", response_model=EventOut)
def get_event(
    event_id: int, principal: PrincipalDep, store: StoreDep, media_root: MediaRootDep
) -> EventOut:
    return EventOut.from_view(_readable_event(store, principal, event_id), media_root)


@router.post("/{event_id}/{action}", response_model=EventOut)
def transition_event(
    event_id: int,
    action: EventAction,
    principal: PrincipalDep,
    store: StoreDep,
    media_root: MediaRootDep,
    body: TransitionIn | None = None,
) -> EventOut:
    _readable_event(store, principal, event_id)
    require_permission(principal, Permission.RESIDENT_DATA)
    body = body or TransitionIn()
    family = body.family.record() if body.family else None
    try:
        view = store.transition(
            event_id, action.store_action, principal.actor, body.note or None, family
        )
    except EventNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except FamilyNoticeRequired as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    except InvalidTransition as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    return EventOut.from_view(view, media_root)


def _readable_event(store: EventStore, principal: Principal, event_id: int) -> EventView:
    """The event, or 404 alike whether it is missing or outside the user's scope."""
    view = store.get_event(event_id)
    if view is None or not can_read_camera(principal.scope, view.camera_id):
        raise HTTPException(status_code=404, detail=f"event {event_id} not found")
    return view

"""Events: list, detail, live feed (SSE) and workflow transitions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from dashboard.auth import PrincipalDep, SessionsDep, readable_event, require_permission
from dashboard.deps import ChangesDep, ClosingDep, ConfigDep, MediaRootDep, StoreDep
from dashboard.feed import event_feed, parse_revision
from dashboard.schemas.common import NO_NUL
from dashboard.schemas.events import EventAction, EventOut, TransitionIn
from supervision.events import incidents, reads
from supervision.events.incidents import EventNotFound
from supervision.events.views import EventStatus
from supervision.events.workflow import FamilyNoticeRequired, InvalidTransition
from supervision.org.scope import Permission

router = APIRouter(prefix="/api/events", tags=["events"])


@router.get("", response_model=list[EventOut])
def list_events(
    principal: PrincipalDep,
    sessions: SessionsDep,
    media_root: MediaRootDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    camera_id: Annotated[str | None, Query(max_length=128, pattern=NO_NUL)] = None,
    status: EventStatus | None = None,
) -> list[EventOut]:
    cameras = principal.scope.camera_ids
    with sessions() as session:
        views = reads.list_events(
            session, limit=limit, camera_id=camera_id, status=status, camera_ids=cameras
        )
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
    event_id: int, principal: PrincipalDep, sessions: SessionsDep, media_root: MediaRootDep
) -> EventOut:
    return EventOut.from_view(readable_event(sessions, principal, event_id), media_root)


@router.post("/{event_id}/{action}", response_model=EventOut)
def transition_event(
    event_id: int,
    action: EventAction,
    principal: PrincipalDep,
    store: StoreDep,
    media_root: MediaRootDep,
    body: TransitionIn | None = None,
) -> EventOut:
    readable_event(store.sessions, principal, event_id)
    require_permission(principal, Permission.RESIDENT_DATA)
    body = body or TransitionIn()
    family = body.family.record() if body.family else None
    try:
        with store.write_session() as session:
            view = incidents.transition_event(
                session, event_id, action.store_action, principal.actor, body.note or None, family
            )
    except EventNotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except FamilyNoticeRequired as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    except InvalidTransition as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    return EventOut.from_view(view, media_root)

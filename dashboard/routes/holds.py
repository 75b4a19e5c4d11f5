"""Legal holds on events: place, release (who, when, why) and the history; scope enforced.

Facility officers may place a hold but not release one; inspectors and admins do both;
operators (no resident data) neither. An event outside the user's scope is a 404, worded
as for a missing id.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from dashboard.auth import PrincipalDep, SessionsDep, readable_event
from dashboard.schemas.common import NO_NUL
from supervision.retention.holds import (
    AlreadyHeld,
    HeldObjectNotFound,
    HoldError,
    HoldView,
    NotHeld,
    can_place_hold,
    can_release_hold,
    hold_history,
    place_hold,
    release_hold,
)

router = APIRouter(prefix="/api/events", tags=["legal holds"])


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(
        min_length=1, max_length=2000, pattern=NO_NUL, description="Why (kept in the audit log)."
    )


class HoldOut(BaseModel):
    id: int
    event_id: int
    active: bool
    reason: str
    placed_by: str
    placed_at: datetime
    released_by: str | None
    released_at: datetime | None
    release_reason: str | None

    @classmethod
    def from_view(cls, view: HoldView) -> HoldOut:
        return cls(
            id=view.id,
            event_id=int(view.object_id),
            active=view.active,
            reason=view.reason,
            placed_by=view.placed_by,
            placed_at=view.placed_at,
            released_by=view.released_by,
            released_at=view.released_at,
            release_reason=view.release_reason,
        )


# Declared in the app before the events router: its /{event_id}/{action} would match first.
@router.post("/{event_id}/hold", response_model=HoldOut, status_code=201)
def place(event_id: int, body: HoldIn, principal: PrincipalDep, sessions: SessionsDep) -> HoldOut:
    event = readable_event(sessions, principal, event_id)
    if not can_place_hold(principal.scope, event.camera_id):
        raise HTTPException(403, f"a {principal.user.role} may not place a legal hold")
    return _apply(sessions, place_hold, event_id, principal.actor, body.reason)


@router.post("/{event_id}/release", response_model=HoldOut)
def release(event_id: int, body: HoldIn, principal: PrincipalDep, sessions: SessionsDep) -> HoldOut:
    event = readable_event(sessions, principal, event_id)
    if not can_release_hold(principal.scope, event.camera_id):
        raise HTTPException(403, f"a {principal.user.role} may not release a legal hold")
    return _apply(sessions, release_hold, event_id, principal.actor, body.reason)


@router.get("/{event_id}/holds", response_model=list[HoldOut])
def list_holds(event_id: int, principal: PrincipalDep, sessions: SessionsDep) -> list[HoldOut]:
    """The event's holds, newest first."""
    event = readable_event(sessions, principal, event_id)
    if not can_place_hold(principal.scope, event.camera_id):
        raise HTTPException(403, f"a {principal.user.role} may not see legal holds")
    with sessions() as session:
        return [HoldOut.from_view(view) for view in hold_history(session, event_id)]


def _apply(
    sessions: SessionsDep,
    change: Callable[..., HoldView],
    event_id: int,
    actor: str,
    reason: str,
) -> HoldOut:
    try:
        with sessions.begin() as session:
            view = change(session, event_id, actor, reason)
    except HeldObjectNotFound:
        raise HTTPException(404, f"event {event_id} not found") from None
    except (AlreadyHeld, NotHeld) as error:
        raise HTTPException(409, str(error)) from None
    except HoldError as error:
        raise HTTPException(422, str(error)) from None
    return HoldOut.from_view(view)

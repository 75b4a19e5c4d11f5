"""Who is asking: session tokens from the cookie or Bearer header, their scope, and audit rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from dashboard.deps import get_context
from supervision.audit.chain import append_audit
from supervision.events.reads import get_event
from supervision.events.views import EventView
from supervision.org.scope import Permission, Scope, can_read_camera, has_permission
from supervision.org.tokens import lookup_token
from supervision.org.users import UserView, scope_for

SESSION_COOKIE = "carewatch_session"
_UNAUTHORISED_HEADERS = {"WWW-Authenticate": 'Bearer realm="carewatch"'}


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user and what they may see, read from the tree for this request."""

    user: UserView
    scope: Scope

    @property
    def actor(self) -> str:
        return self.user.username


def get_sessions(request: Request) -> sessionmaker[Session]:
    return get_context(request).store.sessions


SessionsDep = Annotated[sessionmaker[Session], Depends(get_sessions)]


def client_address(request: Request) -> str:
    """The client's IP address: the peer's, or a trusted proxy's X-Forwarded-For (see app.py)."""
    return request.client.host if request.client else "unknown"


def request_token(request: Request) -> str | None:
    """The token of a `Authorization: Bearer` header, else of the session cookie."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE) or None


def current_principal(request: Request, sessions: SessionsDep) -> Principal:
    """401 unless the request carries a valid, unexpired token of an active user."""
    token = request_token(request)
    with sessions.begin() as session:
        user = lookup_token(session, token) if token else None
        if user is None:
            raise HTTPException(401, "sign in first", headers=_UNAUTHORISED_HEADERS)
        return Principal(user=user, scope=scope_for(session, user))


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_permission(principal: Principal, permission: Permission) -> None:
    """403 naming the permission the user's role lacks."""
    if not has_permission(principal.scope, permission):
        raise HTTPException(403, f"a {principal.user.role} may not {permission}")


def audit(
    sessions: sessionmaker[Session],
    actor: str,
    action: str,
    object_type: str | None = None,
    object_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Append one audit row in its own transaction."""
    with sessions.begin() as session:
        append_audit(session, actor, action, object_type, object_id, detail)


def readable_event(
    sessions: sessionmaker[Session], principal: Principal, event_id: int
) -> EventView:
    """The event, or 404 alike whether it is missing or outside the user's scope."""
    with sessions() as session:
        view = get_event(session, event_id)
    if view is None or not can_read_camera(principal.scope, view.camera_id):
        raise HTTPException(status_code=404, detail=f"event {event_id} not found")
    return view

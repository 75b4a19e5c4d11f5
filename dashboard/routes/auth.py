"""Sign in and out: a session token in an HttpOnly cookie (browsers) or the body (API clients)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy.orm import Session

from dashboard.auth import SESSION_COOKIE, PrincipalDep, SessionsDep, request_token
from dashboard.deps import ConfigDep
from dashboard.schemas import LoginIn, PreferencesIn, SessionOut, UserOut
from supervision.audit import append_audit
from supervision.tokens import issue_token, revoke_token
from supervision.users import UserView, authenticate, scope_for, set_alarm_sound, set_locale

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/login", response_model=SessionOut)
def login(
    body: LoginIn, request: Request, response: Response, sessions: SessionsDep, config: ConfigDep
) -> SessionOut:
    """A new session for a right name and password; 401 otherwise, without saying which."""
    client = {"ip": request.client.host if request.client else None}
    with sessions.begin() as session:
        user = authenticate(session, body.username, body.password)
        if user is None:
            # Recorded in this transaction, which commits; the 401 is raised after it.
            append_audit(session, body.username, "login_failed", "user", None, client)
        else:
            append_audit(session, user.username, "login", "user", str(user.id), client)
            out = _new_session(session, user, config.session_ttl_s)
    if user is None:
        raise HTTPException(401, "wrong user name or password")
    response.set_cookie(
        SESSION_COOKIE,
        out.token,
        max_age=int(config.session_ttl_s),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return out


def _new_session(session: Session, user: UserView, ttl_s: float) -> SessionOut:
    issued = issue_token(session, user.id, ttl_s)
    scope = scope_for(session, user)
    return SessionOut(
        token=issued.token, expires_at=issued.expires_at, user=UserOut.from_scope(user, scope)
    )


@router.post("/logout", status_code=204)
def logout(
    principal: PrincipalDep, request: Request, response: Response, sessions: SessionsDep
) -> None:
    token = request_token(request)
    with sessions.begin() as session:
        if token is not None:
            revoke_token(session, token)
        append_audit(session, principal.actor, "logout", "user", str(principal.user.id))
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict")


@router.get("/me", response_model=UserOut)
def me(principal: PrincipalDep) -> UserOut:
    return UserOut.from_scope(principal.user, principal.scope)


@router.patch("/me", response_model=UserOut)
def set_preferences(body: PreferencesIn, principal: PrincipalDep, sessions: SessionsDep) -> UserOut:
    """The signed-in user's own preferences: the dashboard's language, the alarm sound."""
    user = principal.user
    with sessions.begin() as session:
        if "locale" in body.model_fields_set:
            user = set_locale(session, user.id, body.locale)
        if body.alarm_sound is not None:
            user = set_alarm_sound(session, user.id, body.alarm_sound)
    return UserOut.from_scope(user, principal.scope)

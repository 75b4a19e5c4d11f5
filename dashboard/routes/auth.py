"""Sign in and out: a session token in an HttpOnly cookie (browsers) or the body (API clients)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NoReturn

from fastapi import APIRouter, HTTPException, Request, Response
from sqlalchemy.orm import Session

from dashboard.auth import (
    SESSION_COOKIE,
    PrincipalDep,
    SessionsDep,
    audit,
    client_address,
    request_token,
)
from dashboard.deps import ConfigDep, ThrottleDep
from dashboard.schemas.auth import LoginIn, PreferencesIn, SessionOut, UserOut
from dashboard.throttle import Refusal
from supervision.audit.chain import append_audit
from supervision.org.tokens import issue_token, revoke_token
from supervision.org.users import UserView, authenticate, scope_for, set_alarm_sound, set_locale

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post(
    "/login",
    response_model=SessionOut,
    responses={429: {"description": "Too many attempts: wait `Retry-After` seconds."}},
)
def login(
    body: LoginIn,
    request: Request,
    response: Response,
    sessions: SessionsDep,
    config: ConfigDep,
    throttle: ThrottleDep,
) -> SessionOut:
    """A new session for a right name and password; 401 otherwise, without saying which.

    Throttled before the password is checked (dashboard/throttle.py): 429 with Retry-After.
    """
    address = client_address(request)
    refusal = throttle.admit(address, body.username)
    if refusal is not None:
        _refuse(sessions, body.username, address, refusal)
    try:
        out = _check_password(sessions, body, address, config.session_ttl_s)
    except BaseException:
        throttle.abandoned(address, body.username)  # the database failed: no verdict
        raise
    if out is None:
        throttle.failed(address, body.username)
        raise HTTPException(401, "wrong user name or password")
    throttle.succeeded(address, body.username)
    response.set_cookie(
        SESSION_COOKIE,
        out.token,
        max_age=int(config.session_ttl_s),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return out


def _check_password(
    sessions: SessionsDep, body: LoginIn, address: str, ttl_s: float
) -> SessionOut | None:
    """A new session, or None for a wrong name or password; either way one audit row."""
    client = {"ip": address}
    with sessions.begin() as session:
        user = authenticate(session, body.username, body.password)
        if user is None:
            # Recorded in this transaction, which commits; the 401 is raised after it.
            append_audit(session, body.username, "login_failed", "user", None, client)
            return None
        append_audit(session, user.username, "login", "user", str(user.id), client)
        return _new_session(session, user, ttl_s)


def _refuse(sessions: SessionsDep, username: str, address: str, refusal: Refusal) -> NoReturn:
    """429; a lock's first refusal is one `login_throttled` audit row, later ones none."""
    if refusal.first:
        lock = refusal.lock
        until = datetime.fromtimestamp(lock.until, UTC).isoformat(timespec="seconds")
        detail = {"ip": address, "lock": str(lock.kind), "until": until}
        audit(sessions, username, "login_throttled", "user", None, detail)
    wait_s = refusal.retry_after_s
    raise HTTPException(
        429,
        f"too many sign-in attempts: try again in {wait_s} s",
        headers={"Retry-After": str(wait_s)},
    )


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

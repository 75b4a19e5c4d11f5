"""Opaque session and API tokens: issued once in clear, stored as SHA-256, expire and revoke."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, Update, delete, or_, select, update
from sqlalchemy.orm import Session

from supervision.org.users import UserNotFound, UserView, user_view
from supervision.tables import AuthToken, User, utc_now

TOKEN_BYTES = 32


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token; `token` is shown to the client once and never stored."""

    token: str
    user_id: int
    expires_at: datetime


def token_sha256(token: str) -> str:
    # A plain hash suffices: tokens are 256 random bits, so there is nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(
    session: Session, user_id: int, ttl_s: float, *, now: datetime | None = None
) -> IssuedToken:
    if ttl_s <= 0:
        raise ValueError(f"ttl_s: expected > 0, got {ttl_s}")
    if session.get(User, user_id) is None:
        raise UserNotFound(f"no user with id {user_id}")
    created_at = now or utc_now()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = AuthToken(
        token_sha256=token_sha256(token),
        user_id=user_id,
        created_at=created_at,
        expires_at=created_at + timedelta(seconds=ttl_s),
    )
    session.add(row)
    session.flush()
    return IssuedToken(token=token, user_id=user_id, expires_at=row.expires_at)


def lookup_token(session: Session, token: str, *, now: datetime | None = None) -> UserView | None:
    """The token's user, or None if it is unknown, expired, revoked or the user disabled."""
    found = session.execute(
        select(AuthToken, User)
        .join(User, AuthToken.user_id == User.id)
        .where(AuthToken.token_sha256 == token_sha256(token))
    ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or row.expires_at <= (now or utc_now()) or not user.active:
        return None
    return user_view(user)


def revoke_token(session: Session, token: str, *, now: datetime | None = None) -> bool:
    """Revoke one token (log out); False if it was unknown or already revoked."""
    revoke = (
        update(AuthToken)
        .where(AuthToken.token_sha256 == token_sha256(token), AuthToken.revoked_at.is_(None))
        .values(revoked_at=now or utc_now())
    )
    return _rows_changed(session, revoke) > 0


def revoke_user_tokens(session: Session, user_id: int, *, now: datetime | None = None) -> int:
    """Revoke all of a user's live tokens (password change, account disabled); returns how many."""
    revoke = (
        update(AuthToken)
        .where(AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None))
        .values(revoked_at=now or utc_now())
    )
    return _rows_changed(session, revoke)


def purge_tokens(session: Session, *, now: datetime | None = None) -> int:
    """Delete expired and revoked tokens; returns how many."""
    cutoff = now or utc_now()
    return _rows_changed(
        session,
        delete(AuthToken).where(
            or_(AuthToken.expires_at <= cutoff, AuthToken.revoked_at.is_not(None))
        ),
    )


def _rows_changed(session: Session, statement: Update | Delete) -> int:
    # Bulk statements skip the identity map: callers read tokens fresh, never cached.
    result = session.execute(statement, execution_options={"synchronize_session": False})
    return int(cast(CursorResult[Any], result).rowcount)

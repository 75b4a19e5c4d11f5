"""User accounts: create, look up, authenticate with a password, and build a user's Scope."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from supervision.org.passwords import (
    DEFAULT_SCRYPT,
    ScryptParams,
    hash_password,
    needs_rehash,
    verify_password,
)
from supervision.org.scope import Role, Scope, check_role_node
from supervision.org.tree import NodeKind, NodeRef, contents_under, require_node
from supervision.tables import User

MIN_PASSWORD_CHARS = 8
# The dashboard speaks these languages.
LOCALES = ("en", "zh-CN")
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")


class UserError(ValueError):
    """An account that cannot be created or changed as asked; the message names the field."""


class UserNotFound(LookupError):
    """No user with that id or name."""


@dataclass(frozen=True, slots=True)
class UserView:
    """A user account without its password hash."""

    id: int
    username: str
    display_name: str
    role: Role
    node: NodeRef | None  # None: the whole system (operators, admins)
    active: bool
    locale: str | None = None  # one of LOCALES; None: the browser's language
    alarm_sound: bool = True  # the dashboard rings for unacknowledged alarms


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role | str,
    node: NodeRef | None = None,
    *,
    display_name: str = "",
    params: ScryptParams = DEFAULT_SCRYPT,
) -> UserView:
    role = _check_role(role)
    _check_username(session, username)
    try:
        check_role_node(role, node)
    except ValueError as error:
        raise UserError(str(error)) from None
    if node is not None:
        require_node(session, node)
    row = User(
        username=username,
        display_name=display_name or username,
        role=str(role),
        node_kind=None if node is None else str(node.kind),
        node_id=None if node is None else node.id,
        password_hash=hash_password(_check_password(password), params),
        active=True,
    )
    session.add(row)
    session.flush()
    return user_view(row)


def get_user(session: Session, user_id: int) -> UserView:
    return user_view(_require(session, user_id))


def get_user_by_name(session: Session, username: str) -> UserView:
    row = session.scalar(select(User).where(User.username == username))
    if row is None:
        raise UserNotFound(f"no user named {username!r}")
    return user_view(row)


def list_users(session: Session) -> list[UserView]:
    return [user_view(row) for row in session.scalars(select(User).order_by(User.username))]


def set_password(
    session: Session, user_id: int, password: str, *, params: ScryptParams = DEFAULT_SCRYPT
) -> None:
    _require(session, user_id).password_hash = hash_password(_check_password(password), params)
    session.flush()


def set_active(session: Session, user_id: int, active: bool) -> UserView:
    """Enable or disable an account; a disabled one can neither log in nor use its tokens."""
    row = _require(session, user_id)
    row.active = active
    session.flush()
    return user_view(row)


def set_locale(session: Session, user_id: int, locale: str | None) -> UserView:
    """Choose the dashboard's language for a user (None: follow the browser)."""
    if locale is not None and locale not in LOCALES:
        raise UserError(f"locale: {locale!r} is not one of {', '.join(LOCALES)}")
    row = _require(session, user_id)
    row.locale = locale
    session.flush()
    return user_view(row)


def set_alarm_sound(session: Session, user_id: int, on: bool) -> UserView:
    """Whether the dashboard rings for this user (kept with the account, on every browser)."""
    row = _require(session, user_id)
    row.alarm_sound = on
    session.flush()
    return user_view(row)


def authenticate(
    session: Session, username: str, password: str, *, params: ScryptParams = DEFAULT_SCRYPT
) -> UserView | None:
    """The user if the password is right and the account active, else None.

    An unknown name costs a hash with `params` too, so timing does not tell which names exist;
    a hash made with other parameters than `params` is replaced on success.
    """
    row = session.scalar(select(User).where(User.username == username))
    if row is None:
        verify_password(password, _decoy_hash(params))
        return None
    if not verify_password(password, row.password_hash) or not row.active:
        return None
    if needs_rehash(row.password_hash, params):
        row.password_hash = hash_password(password, params)
        session.flush()
    return user_view(row)


def scope_for(session: Session, user: UserView) -> Scope:
    """The facilities and cameras `user` may see, read from the tree as it is now."""
    contents = contents_under(session, user.node)
    return Scope(
        user_id=user.id,
        role=user.role,
        node=user.node,
        facility_ids=contents.facility_ids,
        camera_ids=contents.camera_ids,
    )


def user_view(row: User) -> UserView:
    node = None
    if row.node_kind is not None and row.node_id is not None:
        node = NodeRef(NodeKind(row.node_kind), row.node_id)
    return UserView(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        node=node,
        active=row.active,
        locale=row.locale,
        alarm_sound=row.alarm_sound is not False,
    )


@cache
def _decoy_hash(params: ScryptParams) -> str:
    return hash_password("decoy password", params)


def _require(session: Session, user_id: int) -> User:
    row = session.get(User, user_id)
    if row is None:
        raise UserNotFound(f"no user with id {user_id}")
    return row


def _check_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise UserError(f"role: unknown role {role!r} ({', '.join(Role)})") from None


def _check_username(session: Session, username: str) -> None:
    if not _USERNAME.fullmatch(username):
        raise UserError(f"username: {username!r} is not a user name (letters, digits, _.@-)")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"username: {username!r} is taken")


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"password: expected at least {MIN_PASSWORD_CHARS} characters")
    return password

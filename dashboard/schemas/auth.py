"""API schemas of signing in: the login, the session and the user with preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from dashboard.schemas.common import NO_NUL, Schema
from supervision.org.scope import ROLE_PERMISSIONS, Scope
from supervision.org.users import UserView


class LoginIn(Schema):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, pattern=NO_NUL)
    password: str = Field(min_length=1, max_length=1024, pattern=NO_NUL)


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    node_kind: str | None = Field(description="district, street or facility; None: everything.")
    node_id: str | None
    permissions: list[str] = Field(description="What the role may do (supervision.org.scope).")
    locale: str | None = Field(description="Dashboard language (en, zh-CN); None: the browser's.")
    alarm_sound: bool = Field(description="Whether the dashboard rings for unacknowledged alarms.")

    @classmethod
    def from_scope(cls, user: UserView, scope: Scope) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=str(user.role),
            node_kind=None if user.node is None else str(user.node.kind),
            node_id=None if user.node is None else user.node.id,
            permissions=sorted(str(p) for p in ROLE_PERMISSIONS[scope.role]),
            locale=user.locale,
            alarm_sound=user.alarm_sound,
        )


class PreferencesIn(Schema):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    locale: Literal["en", "zh-CN"] | None = Field(
        default=None, description="The dashboard's language; None: follow the browser."
    )
    alarm_sound: bool | None = Field(
        default=None, description="Ring for unacknowledged alarms (on every browser)."
    )

    @model_validator(mode="after")
    def _something(self) -> PreferencesIn:
        if not self.model_fields_set:
            raise ValueError("nothing to change: send locale and/or alarm_sound")
        return self


class SessionOut(Schema):
    token: str = Field(description="Send as `Authorization: Bearer …`; the cookie carries it too.")
    expires_at: datetime
    user: UserOut

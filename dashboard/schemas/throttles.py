"""API schemas of sign-in throttling: the locks in force and an admin's unlock."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dashboard.schemas.common import NO_NUL
from dashboard.throttle import Lock, LockKind


class ThrottleOut(BaseModel):
    kind: LockKind = Field(
        description="address_account: one account from one address; address: one address, "
        "any accounts; account: one account from anywhere (its back-off)."
    )
    address: str | None = Field(description="The client address held back; null: any.")
    username: str | None = Field(description="The user name as typed; null: any.")
    until: datetime = Field(description="When the lock ends by itself (UTC).")
    retry_after_s: int = Field(description="Seconds from now until then.")
    refused: int = Field(description="Attempts refused under this lock so far.")

    @classmethod
    def from_lock(cls, lock: Lock) -> ThrottleOut:
        return cls(
            kind=lock.kind,
            address=lock.address,
            username=lock.username,
            until=datetime.fromtimestamp(lock.until, UTC),
            retry_after_s=max(0, math.ceil(lock.until - time.time())),
            refused=lock.refused,
        )


class UnlockIn(BaseModel):
    """What to unlock: an address (all its accounts), an account (from anywhere), or both."""

    model_config = ConfigDict(extra="forbid")

    address: str | None = Field(default=None, min_length=1, max_length=64, pattern=NO_NUL)
    username: str | None = Field(default=None, min_length=1, max_length=64, pattern=NO_NUL)

    @model_validator(mode="after")
    def _something(self) -> UnlockIn:
        if self.address is None and self.username is None:
            raise ValueError("give an address, a username or both")
        return self

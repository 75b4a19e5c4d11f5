"""API schemas of live video: the WebRTC session description exchanged."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from dashboard.schemas.common import Schema


class SessionDescriptionIn(Schema):
    sdp: str = Field(min_length=1, max_length=100_000)
    type: Literal["offer"]


class SessionDescriptionOut(Schema):
    sdp: str
    type: str

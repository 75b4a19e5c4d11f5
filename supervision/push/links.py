"""Expiring links to an event's snapshot, for phone groups: signed, so no sign-in is needed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

KEY_BYTES = 32


class BadLink(ValueError):
    """The token is malformed, forged or expired."""


@dataclass(frozen=True, slots=True)
class LinkSigner:
    """Signs and checks `<event id>.<expires epoch s>.<HMAC-SHA256>` tokens."""

    key: bytes

    def token(self, event_id: int, expires_at_s: float) -> str:
        body = f"{event_id}.{int(expires_at_s)}"
        return f"{body}.{self._mac(body)}"

    def event_id(self, token: str, now_s: float) -> int:
        """The event the token opens; BadLink when it is not ours or has expired."""
        event_text, _, rest = token.partition(".")
        expires_text, _, mac = rest.partition(".")
        if not (event_text.isdigit() and expires_text.isdigit() and mac):
            raise BadLink("malformed link")
        if not hmac.compare_digest(self._mac(f"{event_text}.{expires_text}"), mac):
            raise BadLink("link not signed by this server")
        if int(expires_text) < now_s:
            raise BadLink("link expired")
        return int(event_text)

    def _mac(self, body: str) -> str:
        digest = hmac.new(self.key, body.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def load_or_create_key(path: Path) -> bytes:
    """The server's link key, made once (readable by its owner only) and kept across restarts."""
    if path.is_file():
        key = path.read_bytes()
        if len(key) >= KEY_BYTES:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    partial = path.with_name(path.name + ".part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key)
    os.replace(partial, path)
    return key

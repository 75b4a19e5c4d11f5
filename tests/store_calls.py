"""Tests' shorthand for functions that take the caller's session: one call, its own session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from supervision.events.store import EventStore

T = TypeVar("T")


def read(store: EventStore, query: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`query(session, ...)` in a read session of its own."""
    with store.sessions() as session:
        return query(session, *args, **kwargs)


def write(store: EventStore, step: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`step(session, ...)` in one event write transaction (`EventStore.write_session`)."""
    session: Session
    with store.write_session() as session:
        return step(session, *args, **kwargs)

"""Rows a batch of changes touches, read once per transaction instead of once per change."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, SessionTransaction, selectinload

from supervision.tables import Camera, Event, Incident

_POOL = "carewatch.preloaded"  # session.info


@dataclass
class _Pool:
    transaction: SessionTransaction
    events: dict[str, Event | None]  # by key; None: no such event (yet)
    cameras: frozenset[str]
    since: datetime  # every incident of `cameras` that had an event in [since, until]
    until: datetime
    incidents: dict[str, list[Incident]] = field(default_factory=dict)  # by camera
    # Held here: the session keeps rows only while something refers to them.
    camera_rows: list[Camera] = field(default_factory=list)


def preload(
    session: Session,
    keys: Collection[str],
    cameras: Collection[str],
    since: datetime,
    until: datetime,
) -> None:
    """Read the events with `keys` (with their steps and incidents), `cameras`, and every
    incident of theirs that an event starting between `since` and `until` could join (closed
    ones too: a step may reopen one), for the rest of this transaction."""
    events: dict[str, Event | None] = dict.fromkeys(keys)
    if events:
        query = select(Event).where(Event.key.in_(events))
        their = selectinload(Event.incident)
        loads = [their.selectinload(Incident.events), their.selectinload(Incident.steps)]
        for row in session.scalars(query.options(selectinload(Event.transitions), *loads)):
            events[row.key] = row
    pool = _Pool(session.get_transaction(), events, frozenset(cameras), since, until)  # type: ignore[arg-type]
    if pool.cameras:
        pool.camera_rows = list(session.scalars(select(Camera).where(Camera.id.in_(pool.cameras))))
        near = select(Incident).where(
            Incident.camera_id.in_(pool.cameras),
            Incident.last_event_at >= since,
            Incident.opened_at <= until,
        )
        with_rows = [selectinload(Incident.events), selectinload(Incident.steps)]
        for found in session.scalars(near.options(*with_rows)):
            pool.incidents.setdefault(found.camera_id, []).append(found)
    session.info[_POOL] = pool


def event_by_key(session: Session, key: str) -> Event | None:
    pool = _pool(session)
    if pool is not None and key in pool.events:
        return pool.events[key]
    return session.scalar(select(Event).where(Event.key == key))


def incidents_near(
    session: Session, camera_id: str, since: datetime, until: datetime
) -> list[Incident] | None:
    """The preloaded incidents of `camera_id`, when the preload covers `since`..`until`
    (None: it does not; read them)."""
    pool = _pool(session)
    if pool is None or camera_id not in pool.cameras:
        return None
    if since < pool.since or until > pool.until:
        return None
    return list(pool.incidents.get(camera_id, []))


def remember(session: Session, row: Event) -> None:
    """A row added in this transaction (and its incident) is found by the reads above."""
    pool = _pool(session)
    if pool is None:
        return
    pool.events[row.key] = row
    incident = row.incident
    if incident is not None:
        known = pool.incidents.setdefault(incident.camera_id, [])
        if all(incident is not other for other in known):
            known.append(incident)


def _pool(session: Session) -> _Pool | None:
    pool: _Pool | None = session.info.get(_POOL)
    if pool is None or pool.transaction is not session.get_transaction():
        return None
    return pool

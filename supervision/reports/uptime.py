"""How long each camera was watched and online in a period, replayed from its state changes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Subquery, and_, func, select
from sqlalchemy.orm import Session

from streams.health import CameraState
from supervision.tables import Camera, CameraStateChange

ONLINE = str(CameraState.ONLINE)


@dataclass(frozen=True, slots=True)
class Uptime:
    """One camera's part of a period: how long it existed (was watched) and was online."""

    watched_s: float
    online_s: float


def uptime(
    session: Session, camera_ids: Collection[str], start: datetime, end: datetime
) -> dict[str, Uptime]:
    """Each camera's watched and online seconds within [start, end).

    A camera is watched from when it was added (`cameras.created_at`), or from `start` when
    it was added before, up to `end`; one added at or after `end` is watched for 0 s. Only
    its online time within that span counts, so a camera added mid-period and online ever
    since has as many online seconds as watched ones.
    """
    rows = session.execute(select(Camera.id, Camera.created_at).where(Camera.id.in_(camera_ids)))
    added = {camera_id: created_at for camera_id, created_at in rows}
    by_since: dict[datetime, list[str]] = defaultdict(list)
    for camera_id in camera_ids:
        by_since[max(start, added.get(camera_id) or start)].append(camera_id)
    found = {}
    for since, ids in by_since.items():
        watched_s = max((end - since).total_seconds(), 0.0)
        online = online_seconds(session, ids, since, end)
        found.update({camera_id: Uptime(watched_s, online[camera_id]) for camera_id in ids})
    return found


def online_seconds(
    session: Session, camera_ids: Collection[str], start: datetime, end: datetime
) -> dict[str, float]:
    """Seconds each camera spent in the `online` state within [start, end).

    A camera's state at `start` is the one its last change before `start` led to; with no
    change before, the state its first later change left; with no change at all, its
    current state. Every other state (starting, stalled, offline, stopped) is not online.
    """
    if end <= start or not camera_ids:
        return {camera_id: 0.0 for camera_id in camera_ids}
    state = _states_at(session, camera_ids, start)
    since = dict.fromkeys(camera_ids, start)
    online = dict.fromkeys(camera_ids, 0.0)
    for camera_id, to_state, at in _changes_within(session, camera_ids, start, end):
        if state[camera_id] == ONLINE:
            online[camera_id] += (at - since[camera_id]).total_seconds()
        state[camera_id], since[camera_id] = to_state, at
    for camera_id in camera_ids:
        if state[camera_id] == ONLINE:
            online[camera_id] += (end - since[camera_id]).total_seconds()
    return online


def _states_at(session: Session, camera_ids: Collection[str], at: datetime) -> dict[str, str]:
    current = session.execute(select(Camera.id, Camera.state).where(Camera.id.in_(camera_ids)))
    states = {camera_id: state for camera_id, state in current}
    states.update(_first_from_state(session, camera_ids, at))
    states.update(_last_to_state(session, camera_ids, at))
    return {camera_id: states.get(camera_id, "") for camera_id in camera_ids}


def _last_to_state(
    session: Session, camera_ids: Collection[str], before: datetime
) -> dict[str, str]:
    last = (
        select(CameraStateChange.camera_id, func.max(CameraStateChange.at).label("at"))
        .where(CameraStateChange.camera_id.in_(camera_ids), CameraStateChange.at < before)
        .group_by(CameraStateChange.camera_id)
        .subquery()
    )
    rows = session.execute(
        select(CameraStateChange.camera_id, CameraStateChange.to_state)
        .join(last, _same_change(last))
        .order_by(CameraStateChange.id)  # two changes at one instant: the later row wins
    )
    return {camera_id: state for camera_id, state in rows}


def _first_from_state(
    session: Session, camera_ids: Collection[str], since: datetime
) -> dict[str, str]:
    first = (
        select(CameraStateChange.camera_id, func.min(CameraStateChange.at).label("at"))
        .where(CameraStateChange.camera_id.in_(camera_ids), CameraStateChange.at >= since)
        .group_by(CameraStateChange.camera_id)
        .subquery()
    )
    rows = session.execute(
        select(CameraStateChange.camera_id, CameraStateChange.from_state)
        .join(first, _same_change(first))
        .order_by(CameraStateChange.id.desc())  # two changes at one instant: the earlier wins
    )
    return {camera_id: state for camera_id, state in rows}


def _same_change(edge: Subquery) -> ColumnElement[bool]:
    return and_(CameraStateChange.camera_id == edge.c.camera_id, CameraStateChange.at == edge.c.at)


def _changes_within(
    session: Session, camera_ids: Collection[str], start: datetime, end: datetime
) -> list[tuple[str, str, datetime]]:
    query = (
        select(CameraStateChange.camera_id, CameraStateChange.to_state, CameraStateChange.at)
        .where(CameraStateChange.camera_id.in_(camera_ids))
        .where(CameraStateChange.at >= start, CameraStateChange.at < end)
        .order_by(CameraStateChange.camera_id, CameraStateChange.at, CameraStateChange.id)
    )
    return [(camera_id, state, at) for camera_id, state, at in session.execute(query)]

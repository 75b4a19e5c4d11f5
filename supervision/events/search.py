"""Finding incidents: by scope, status, facility, event type and the period they opened in."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from supervision.csv_text import csv_text
from supervision.events.from_rows import incident_view
from supervision.events.views import EventStatus, IncidentView
from supervision.tables import Event, Incident


@dataclass(frozen=True, slots=True)
class IncidentQuery:
    """Filters, all optional; `camera_ids` is the reader's scope (None: everything)."""

    camera_ids: Collection[str] | None = None
    statuses: Collection[EventStatus] | None = None  # any of these
    facility_ids: Collection[str] | None = None
    event_type: str | None = None  # holding at least one event of this type
    opened_from: datetime | None = None  # inclusive
    opened_to: datetime | None = None  # exclusive
    limit: int = 100

    def __post_init__(self) -> None:
        if self.limit < 0:
            raise ValueError(f"limit must be >= 0, got {self.limit}")
        if self.opened_from and self.opened_to and self.opened_from >= self.opened_to:
            raise ValueError(
                f"opened_from {self.opened_from.isoformat()} must be before "
                f"opened_to {self.opened_to.isoformat()}"
            )


def find_incidents(session: Session, query: IncidentQuery) -> list[IncidentView]:
    """The incidents that match, the most recent event first."""
    if _nothing_can_match(query):
        return []
    statement = _filtered(query).options(
        selectinload(Incident.events), selectinload(Incident.pushes)
    )
    statement = statement.order_by(Incident.last_event_at.desc(), Incident.id.desc())
    return [incident_view(row) for row in session.scalars(statement.limit(query.limit))]


def list_incidents(
    session: Session,
    *,
    camera_ids: Collection[str] | None = None,
    status: EventStatus | str | None = None,
    limit: int = 100,
) -> list[IncidentView]:
    """Most recent first; `camera_ids` (a scope's cameras) limits them, None: all."""
    statuses = None if status is None else [EventStatus(status)]
    return find_incidents(session, IncidentQuery(camera_ids, statuses, limit=limit))


def _nothing_can_match(query: IncidentQuery) -> bool:
    empty = [query.camera_ids, query.statuses, query.facility_ids]
    return query.limit == 0 or any(values is not None and not values for values in empty)


def _filtered(query: IncidentQuery) -> Select[Incident]:
    statement = select(Incident)
    if query.camera_ids is not None:
        statement = statement.where(Incident.camera_id.in_(sorted(query.camera_ids)))
    if query.statuses is not None:
        wanted = sorted(str(EventStatus(status)) for status in query.statuses)
        statement = statement.where(Incident.status.in_(wanted))
    if query.facility_ids is not None:
        statement = statement.where(Incident.facility_id.in_(sorted(query.facility_ids)))
    if query.event_type is not None:
        holding = select(Event.incident_id).where(Event.type == query.event_type)
        statement = statement.where(Incident.id.in_(holding))
    if query.opened_from is not None:
        statement = statement.where(Incident.opened_at >= query.opened_from)
    if query.opened_to is not None:
        statement = statement.where(Incident.opened_at < query.opened_to)
    return statement


CSV_COLUMNS = (
    "id",
    "facility_id",
    "facility",
    "camera_id",
    "camera",
    "types",
    "falls",
    "events",
    "status",
    "severity",
    "opened_at",
    "last_event_at",
    "escalated_to",
)


def incidents_csv(
    views: Iterable[IncidentView],
    facility_name: Callable[[str], str],
    camera_name: Callable[[str], str],
    local_time: Callable[[IncidentView, datetime], str],
) -> str:
    """The incidents as CSV (one header row); times as `local_time` writes them."""
    rows = (
        [
            view.id,
            view.facility_id,
            facility_name(view.facility_id),
            view.camera_id,
            camera_name(view.camera_id),
            "+".join(dict.fromkeys(view.event_types)),
            view.fall_count,
            len(view.event_ids),
            str(view.status),
            view.severity,
            local_time(view, view.opened_at),
            local_time(view, view.last_event_at),
            view.escalated_to,
        ]
        for view in views
    )
    return csv_text(CSV_COLUMNS, rows)

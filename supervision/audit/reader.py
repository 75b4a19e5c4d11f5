"""Reading the audit log: who may read which rows, newest first, filtered and paged.

Administrators read every row. Street and district inspectors read the rows about objects in
their scope — events and incidents of their cameras, their cameras (live views), inspections
and hazards of their facilities — and the rows of their own actions. Officers and operators
read none: the log is the inspectors' tool for watching how clips and records are handled.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, String, and_, cast, or_, select
from sqlalchemy.orm import Session

from supervision.audit.chain import AuditRecord, audit_record
from supervision.csv_text import csv_text
from supervision.org.scope import Role, Scope
from supervision.tables import AuditEntry, Event, Hazard, Incident, Inspection

AUDIT_READERS = frozenset({Role.ADMIN, Role.STREET_INSPECTOR, Role.DISTRICT_INSPECTOR})


@dataclass(frozen=True, slots=True)
class AuditScope:
    """The rows one reader may see; `everything` for administrators."""

    actor: str
    everything: bool
    camera_ids: frozenset[str]
    facility_ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters of a listing; None: any. `incident_id`: rows of the incident and its events."""

    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    incident_id: int | None = None
    before_seq: int | None = None  # paging: rows older than this one
    limit: int = 100
    actor: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


def can_read_audit(scope: Scope) -> bool:
    return scope.role in AUDIT_READERS


def audit_scope(scope: Scope, actor: str) -> AuditScope:
    """What `scope` may read of the log; raises PermissionError for a role that reads none."""
    if not can_read_audit(scope):
        raise PermissionError(f"a {scope.role} may not read the audit log")
    return AuditScope(
        actor=actor,
        everything=scope.role is Role.ADMIN,
        camera_ids=scope.camera_ids,
        facility_ids=scope.facility_ids,
    )


def list_audit(session: Session, reader: AuditScope, query: AuditQuery) -> list[AuditRecord]:
    """Rows the reader may see that match `query`, newest (highest seq) first."""
    if query.limit < 0:
        raise ValueError(f"limit must be >= 0, got {query.limit}")
    statement = select(AuditEntry).where(*_filters(query))
    if not reader.everything:
        statement = statement.where(_visible(reader))
    statement = statement.order_by(AuditEntry.seq.desc()).limit(query.limit)
    return [audit_record(row) for row in session.scalars(statement)]


def _filters(query: AuditQuery) -> list[ColumnElement[bool]]:
    filters = []
    if query.action is not None:
        filters.append(AuditEntry.action == query.action)
    if query.object_type is not None:
        filters.append(AuditEntry.object_type == query.object_type)
    if query.object_id is not None:
        filters.append(AuditEntry.object_id == query.object_id)
    if query.before_seq is not None:
        filters.append(AuditEntry.seq < query.before_seq)
    if query.incident_id is not None:
        filters.append(_about_incident(query.incident_id))
    if query.actor is not None:
        filters.append(AuditEntry.actor == query.actor)
    if query.since is not None:
        filters.append(AuditEntry.at >= query.since)
    if query.until is not None:
        filters.append(AuditEntry.at < query.until)
    return filters


AUDIT_CSV_COLUMNS = ("seq", "at_utc", "actor", "action", "object_type", "object_id", "detail")


def audit_csv(records: Iterable[AuditRecord]) -> str:
    """The rows as CSV, the detail as compact JSON."""
    rows = (
        [
            record.seq,
            record.at.isoformat(),
            record.actor,
            record.action,
            record.object_type,
            record.object_id,
            json.dumps(record.detail, ensure_ascii=False, sort_keys=True),
        ]
        for record in records
    )
    return csv_text(AUDIT_CSV_COLUMNS, rows)


def _about_incident(incident_id: int) -> ColumnElement[bool]:
    events = _ids(select(Event.id).where(Event.incident_id == incident_id))
    return or_(
        _object("incident", [str(incident_id)]),
        _object("event", events),
    )


def _visible(reader: AuditScope) -> ColumnElement[bool]:
    cameras = sorted(reader.camera_ids)
    facilities = sorted(reader.facility_ids)
    return or_(
        AuditEntry.actor == reader.actor,
        _object("camera", cameras),
        _object("event", _ids(select(Event.id).where(Event.camera_id.in_(cameras)))),
        _object("incident", _ids(select(Incident.id).where(Incident.camera_id.in_(cameras)))),
        _object(
            "inspection",
            _ids(select(Inspection.id).where(Inspection.facility_id.in_(facilities))),
        ),
        _object("hazard", _ids(select(Hazard.id).where(Hazard.facility_id.in_(facilities)))),
    )


def _object(object_type: str, object_ids: Collection[str] | Select[str]) -> ColumnElement[bool]:
    return and_(AuditEntry.object_type == object_type, AuditEntry.object_id.in_(object_ids))


def _ids(query: Select[int]) -> Select[str]:
    """Integer ids as the text the log stores them as (str(id))."""
    subquery = query.subquery()
    return select(cast(subquery.c[0], String))

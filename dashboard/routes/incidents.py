"""Incidents: search (and CSV export), detail with history, and workflow steps, within scope."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import AwareDatetime
from sqlalchemy import select

from dashboard.auth import Principal, PrincipalDep, SessionsDep, require_permission
from dashboard.deps import StoreDep
from dashboard.schemas.common import NO_NUL
from dashboard.schemas.events import EventAction
from dashboard.schemas.incidents import IncidentOut, IncidentTransitionIn
from supervision.events import incidents
from supervision.events.incidents import IncidentChanged, IncidentNotFound
from supervision.events.search import IncidentQuery, find_incidents, incidents_csv
from supervision.events.store import EventStore, FamilyNoticeRequired, InvalidTransition
from supervision.events.views import EventStatus, IncidentView
from supervision.events.workflow import OPEN_STATUSES
from supervision.org.scope import Permission, can_read_camera, visible_cameras
from supervision.org.tree import NodeKind, NodeNotFound, NodeRef, contents_under
from supervision.tables import Camera, Facility

router = APIRouter(prefix="/api/incidents", tags=["incidents"])

CSV_MAX_ROWS = 100_000
StatusFilter = Literal["open", "new", "acknowledged", "on_scene", "resolved", "false_alarm"]


@dataclass(frozen=True, slots=True)
class IncidentFilters:
    status: StatusFilter | None
    facility_id: str | None
    street_id: str | None
    event_type: str | None
    opened_from: datetime | None
    opened_to: datetime | None
    limit: int


def incident_filters(
    status: Annotated[
        StatusFilter | None, Query(description="A status, or `open` for any open one.")
    ] = None,
    facility_id: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    street_id: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    type: Annotated[
        str | None, Query(max_length=32, pattern=NO_NUL, description="Holding an event of it.")
    ] = None,
    opened_from: Annotated[
        AwareDatetime | None, Query(alias="from", description="Opened at or after (inclusive).")
    ] = None,
    opened_to: Annotated[
        AwareDatetime | None, Query(alias="to", description="Opened before (exclusive).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most (CSV: all).")] = 100,
) -> IncidentFilters:
    if opened_from and opened_to and opened_from >= opened_to:
        raise HTTPException(422, "from must be before to")
    return IncidentFilters(status, facility_id, street_id, type, opened_from, opened_to, limit)


FiltersDep = Annotated[IncidentFilters, Depends(incident_filters)]


@router.get("", response_model=list[IncidentOut])
def list_incidents(
    principal: PrincipalDep, sessions: SessionsDep, filters: FiltersDep
) -> list[IncidentOut]:
    """Incidents on the cameras in the user's scope that match, the most recent event first."""
    query = _query(principal, sessions, filters)
    with sessions() as session:
        views = find_incidents(session, query)
    return [IncidentOut.from_view(view) for view in views]


@router.get(".csv", response_class=Response)
def export_incidents(
    principal: PrincipalDep, sessions: SessionsDep, filters: FiltersDep
) -> Response:
    """The same search as CSV, every match; times in each facility's zone, with their offset."""
    everything = replace(filters, limit=CSV_MAX_ROWS)
    query = _query(principal, sessions, everything)
    with sessions() as session:
        views = find_incidents(session, query)
        facilities = {row.id: row for row in session.scalars(select(Facility))}
        cameras = {id_: name for id_, name in session.execute(select(Camera.id, Camera.name))}

    def local_time(view: IncidentView, moment: datetime) -> str:
        facility = facilities.get(view.facility_id)
        zone = ZoneInfo(facility.timezone) if facility else None
        return moment.astimezone(zone).isoformat(timespec="seconds")

    text = incidents_csv(
        views,
        lambda facility_id: facilities[facility_id].name if facility_id in facilities else "",
        lambda camera_id: cameras.get(camera_id, camera_id),
        local_time,
    )
    headers = {"Content-Disposition": 'attachment; filename="incidents.csv"'}
    return Response("\ufeff" + text, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/{incident_id}", response_model=IncidentOut)
def get_incident(incident_id: int, principal: PrincipalDep, store: StoreDep) -> IncidentOut:
    """The incident with its history (one step per action) and its phone pushes."""
    return IncidentOut.from_view(_incident_in_scope(store, principal, incident_id))


@router.post("/{incident_id}/{action}", response_model=IncidentOut)
def transition_incident(
    incident_id: int,
    action: EventAction,
    principal: PrincipalDep,
    store: StoreDep,
    body: IncidentTransitionIn | None = None,
) -> IncidentOut:
    """One step on the incident and the events the user saw; officers and inspectors."""
    # Checked before the id, so a refusal tells nothing about which incidents exist.
    require_permission(principal, Permission.RESIDENT_DATA)
    _incident_in_scope(store, principal, incident_id)
    body = body or IncidentTransitionIn()
    family = body.family.record() if body.family else None
    try:
        with store.write_session() as session:
            view = incidents.transition_incident(
                session,
                incident_id,
                action.store_action,
                principal.actor,
                body.note or None,
                family,
                body.seen_event_id,
            )
    except IncidentNotFound as exc:
        raise HTTPException(status_code=404, detail=_not_found(incident_id)) from exc
    except FamilyNoticeRequired as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    except (IncidentChanged, InvalidTransition) as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    return IncidentOut.from_view(view)


def _query(principal: Principal, sessions: SessionsDep, filters: IncidentFilters) -> IncidentQuery:
    facility_ids: set[str] | None = None
    if filters.street_id is not None:
        facility_ids = _street_facilities(sessions, filters.street_id)
    if filters.facility_id is not None:
        within = {filters.facility_id}
        facility_ids = within if facility_ids is None else facility_ids & within
    statuses = None
    if filters.status == "open":
        statuses = set(OPEN_STATUSES)
    elif filters.status is not None:
        statuses = {EventStatus(filters.status)}
    return IncidentQuery(
        camera_ids=visible_cameras(principal.scope, principal.scope.camera_ids),
        statuses=statuses,
        facility_ids=facility_ids,
        event_type=filters.event_type,
        opened_from=filters.opened_from,
        opened_to=filters.opened_to,
        limit=filters.limit,
    )


def _street_facilities(sessions: SessionsDep, street_id: str) -> set[str]:
    with sessions() as session:
        try:
            return set(contents_under(session, NodeRef(NodeKind.STREET, street_id)).facility_ids)
        except NodeNotFound:
            return set()


def _incident_in_scope(store: EventStore, principal: Principal, incident_id: int) -> IncidentView:
    """The incident, or 404 alike for a missing one and one outside the user's scope."""
    with store.sessions() as session:
        view = incidents.get_incident(session, incident_id)
    if view is None or not can_read_camera(principal.scope, view.camera_id):
        raise HTTPException(status_code=404, detail=_not_found(incident_id))
    return view


def _not_found(incident_id: int) -> str:
    return f"incident {incident_id} not found"

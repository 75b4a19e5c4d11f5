"""Incidents: related events handled as one; list, detail and workflow steps, within scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from dashboard.auth import Principal, PrincipalDep, require_permission
from dashboard.deps import StoreDep
from dashboard.schemas import EventAction, IncidentOut, IncidentTransitionIn
from supervision.incidents import IncidentNotFound
from supervision.records import EventStatus, IncidentView
from supervision.scope import Permission, can_read_camera, visible_cameras
from supervision.store import EventStore, FamilyNoticeRequired, InvalidTransition

router = APIRouter(prefix="/api/incidents", tags=["incidents"])


@router.get("", response_model=list[IncidentOut])
def list_incidents(
    principal: PrincipalDep,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    status: EventStatus | None = None,
) -> list[IncidentOut]:
    """Incidents on the cameras in the user's scope, the most recent event first."""
    camera_ids = visible_cameras(principal.scope, principal.scope.camera_ids)
    views = store.list_incidents(camera_ids=camera_ids, status=status, limit=limit)
    return [IncidentOut.from_view(view) for view in views]


@router.get("/{incident_id}", response_model=IncidentOut)
def get_incident(incident_id: int, principal: PrincipalDep, store: StoreDep) -> IncidentOut:
    return IncidentOut.from_view(_incident_in_scope(store, principal, incident_id))


@router.post("/{incident_id}/{action}", response_model=IncidentOut)
def transition_incident(
    incident_id: int,
    action: EventAction,
    principal: PrincipalDep,
    store: StoreDep,
    body: IncidentTransitionIn | None = None,
) -> IncidentOut:
    """Apply the step to each of the incident's events it applies to; officers and inspectors."""
    # Checked before the id, so a refusal tells nothing about which incidents exist.
    require_permission(principal, Permission.RESIDENT_DATA)
    _incident_in_scope(store, principal, incident_id)
    body = body or IncidentTransitionIn()
    family = body.family.record() if body.family else None
    try:
        view = store.transition_incident(
            incident_id, action.store_action, principal.actor, body.note or None, family
        )
    except IncidentNotFound as exc:
        raise HTTPException(status_code=404, detail=_not_found(incident_id)) from exc
    except FamilyNoticeRequired as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc
    except InvalidTransition as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    return IncidentOut.from_view(view)


def _incident_in_scope(store: EventStore, principal: Principal, incident_id: int) -> IncidentView:
    """The incident, or 404 alike for a missing one and one outside the user's scope."""
    view = store.get_incident(incident_id)
    if view is None or not can_read_camera(principal.scope, view.camera_id):
        raise HTTPException(status_code=404, detail=_not_found(incident_id))
    return view


def _not_found(incident_id: int) -> str:
    return f"incident {incident_id} not found"

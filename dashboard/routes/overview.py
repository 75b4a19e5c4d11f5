"""The inspector's overview: the tree under the user's node with live counts per facility."""

from __future__ import annotations

from fastapi import APIRouter

from dashboard.auth import PrincipalDep, SessionsDep, require_permission
from dashboard.deps import LiveDep
from dashboard.schemas.overview import OverviewNodeOut, OverviewOut
from supervision.events.reads import list_camera_health
from supervision.org.scope import Permission
from supervision.reports.overview import facility_counts, overview_tree
from supervision.tables import utc_now

router = APIRouter(prefix="/api/overview", tags=["overview"])


@router.get("", response_model=OverviewOut)
def overview(principal: PrincipalDep, sessions: SessionsDep, live: LiveDep) -> OverviewOut:
    """Open incidents, overdue hazards and cameras offline per facility, summed up the tree.

    A camera's state is the running pipeline's when it reports one, else the stored one.
    """
    require_permission(principal, Permission.VIEW)
    scope, now = principal.scope, utc_now()
    with sessions() as session:
        states = {
            view.id: str(health.state) if (health := live.health(view.id)) else view.state
            for view in list_camera_health(session)
            if view.id in scope.camera_ids
        }
        counts = facility_counts(session, scope.facility_ids, states, now)
        roots = overview_tree(session, scope.node, scope.facility_ids, counts)
    return OverviewOut(generated_at=now, roots=[OverviewNodeOut.from_node(r) for r in roots])

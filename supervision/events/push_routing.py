"""Which phone groups an incident's pushes go to, and the durable delivery rows that owe them.

A new incident and its reminder go to the groups of its facility; an escalation to the groups
of the street or district it was raised to. A row is written in the transaction that made
the reason for it (the incident, the reminder, the escalation), at most once per incident,
group and kind, so a push is neither lost nor sent twice by a restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from supervision.org.tree import NodeKind, NodeRef
from supervision.tables import Facility, Incident, PushDelivery, Street, utc_now

PushKind = Literal["new", "reminder", "escalation"]
PENDING, SENT, GAVE_UP = "pending", "sent", "gave_up"


@dataclass(frozen=True, slots=True)
class GroupRoute:
    """A phone group and the organisation node whose incidents it gets."""

    name: str
    node: NodeRef


def parse_node(text: str) -> NodeRef:
    """ "facility:ID", "street:ID" or "district:ID" as a NodeRef (ValueError otherwise)."""
    kind, _, node_id = text.partition(":")
    if kind not in {str(k) for k in NodeKind} or not node_id:
        raise ValueError(f"expected facility:ID, street:ID or district:ID, got {text!r}")
    return NodeRef(NodeKind(kind), node_id)


class PushRouting:
    """Turns incidents, reminders and escalations into pending deliveries for their groups."""

    def __init__(self, routes: Sequence[GroupRoute]) -> None:
        self.routes = tuple(routes)

    def schedule(
        self,
        session: Session,
        incident: Incident,
        kind: PushKind,
        escalated_to: str | None = None,
        now: datetime | None = None,
    ) -> list[str]:
        """Add the deliveries owed (each incident, group and kind once); returns the groups."""
        target = self._target(session, incident.facility_id, kind, escalated_to)
        already = {(push.group_name, push.kind) for push in incident.pushes}
        now = now or utc_now()
        groups = [
            route.name
            for route in self.routes
            if route.node == target and (route.name, kind) not in already
        ]
        for name in groups:
            incident.pushes.append(
                PushDelivery(
                    group_name=name,
                    kind=kind,
                    status=PENDING,
                    attempts=0,
                    created_at=now,
                    due_at=utc_now(),  # due at once, whatever time the check stood for
                )
            )
        return groups

    def _target(
        self, session: Session, facility_id: str, kind: PushKind, escalated_to: str | None
    ) -> NodeRef | None:
        if kind != "escalation":
            return NodeRef(NodeKind.FACILITY, facility_id)
        street_id = session.scalar(select(Facility.street_id).where(Facility.id == facility_id))
        if street_id is None:
            return None
        if escalated_to == "street":
            return NodeRef(NodeKind.STREET, street_id)
        district_id = session.scalar(select(Street.district_id).where(Street.id == street_id))
        return None if district_id is None else NodeRef(NodeKind.DISTRICT, district_id)

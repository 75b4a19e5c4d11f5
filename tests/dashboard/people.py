"""A district with two streets, a user of every role and their tokens, for the scope tests.

fac-1 (cam-1, cam-2) lies in street s1, fac-2 (cam-9) in street s2, both in district d1.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from supervision import org
from supervision.org import NodeKind, NodeRef
from supervision.passwords import ScryptParams
from supervision.scope import Role
from supervision.store import EventStore
from supervision.tokens import issue_token
from supervision.users import create_user

FAST_SCRYPT = ScryptParams(log2_n=4, r=1)
PASSWORD = "correct horse battery"
PEOPLE: dict[str, tuple[Role, NodeRef | None]] = {
    "admin": (Role.ADMIN, None),
    "officer-1": (Role.FACILITY_OFFICER, NodeRef(NodeKind.FACILITY, "fac-1")),
    "officer-2": (Role.FACILITY_OFFICER, NodeRef(NodeKind.FACILITY, "fac-2")),
    "street-1": (Role.STREET_INSPECTOR, NodeRef(NodeKind.STREET, "s1")),
    "street-2": (Role.STREET_INSPECTOR, NodeRef(NodeKind.STREET, "s2")),
    "district": (Role.DISTRICT_INSPECTOR, NodeRef(NodeKind.DISTRICT, "d1")),
    "operator": (Role.OPERATOR, None),
}


def seed_people(store: EventStore) -> dict[str, str]:
    """The tree above on a store holding fac-1; returns each person's bearer token."""
    with store.sessions.begin() as session:
        org.create_district(session, "d1", "Gulou District")
        org.create_street(session, "s1", "d1", "Drum Tower Street")
        org.create_street(session, "s2", "d1", "Lake Street")
        org.move_facility(session, "fac-1", "s1")
        org.create_facility(session, "fac-2", "Lakeside Centre", "s2")
        org.create_camera(session, "cam-9", "fac-2", "Lakeside hall", "file")
        tokens = {}
        for name, (role, node) in PEOPLE.items():
            user = create_user(session, name, PASSWORD, role, node, params=FAST_SCRYPT)
            tokens[name] = issue_token(session, user.id, ttl_s=3600).token
    return tokens


def client_for(app: FastAPI, token: str) -> TestClient:
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})

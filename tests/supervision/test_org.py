"""Organisation tree: create, validate, list, move, and what lies under a node."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from supervision.events.store import EventStore
from supervision.events.views import CameraRecord, FacilityRecord
from supervision.org import tree as org
from supervision.org.tree import FacilityKind, NodeContents, NodeKind, NodeRef

GB_ID = "34020000001320000001"


@pytest.mark.parametrize(
    ("node", "facility_ids", "camera_ids"),
    [
        (
            NodeRef(NodeKind.DISTRICT, "d1"),
            {"fac-a", "fac-b", "fac-c"},
            {"cam-a1", "cam-a2", "cam-b1", "cam-c1"},
        ),
        (NodeRef(NodeKind.DISTRICT, "d2"), {"fac-e"}, {"cam-e1"}),
        (NodeRef(NodeKind.STREET, "s1"), {"fac-a", "fac-b"}, {"cam-a1", "cam-a2", "cam-b1"}),
        (NodeRef(NodeKind.FACILITY, "fac-a"), {"fac-a"}, {"cam-a1", "cam-a2"}),
        (NodeRef(NodeKind.STREET, "s-empty"), set(), set()),
        (
            None,
            {"fac-a", "fac-b", "fac-c", "fac-e"},
            {"cam-a1", "cam-a2", "cam-b1", "cam-c1", "cam-e1"},
        ),
    ],
)
def test_contents_under(
    tree: sessionmaker[Session],
    node: NodeRef | None,
    facility_ids: set[str],
    camera_ids: set[str],
) -> None:
    with tree() as session:
        assert org.contents_under(session, node) == NodeContents(
            frozenset(facility_ids), frozenset(camera_ids)
        )


@pytest.mark.parametrize(
    "node",
    [
        NodeRef(NodeKind.DISTRICT, "nope"),
        NodeRef(NodeKind.STREET, "d1"),
        NodeRef(NodeKind.FACILITY, "s1"),
    ],
)
def test_contents_under_unknown_node(tree: sessionmaker[Session], node: NodeRef) -> None:
    with tree() as session, pytest.raises(org.NodeNotFound, match=repr(node.id)):
        org.contents_under(session, node)


def test_lists_follow_the_tree(tree: sessionmaker[Session]) -> None:
    with tree() as session:
        assert [d.id for d in org.list_districts(session)] == ["d1", "d2"]
        assert [s.id for s in org.list_streets(session, "d1")] == ["s-empty", "s1", "s2"]
        assert [f.id for f in org.list_facilities(session, "s1")] == ["fac-a", "fac-b"]
        assert [c.id for c in org.list_cameras(session, "fac-a")] == ["cam-a1", "cam-a2"]
        assert org.list_facilities(session, "s-empty") == []
        assert len(org.list_cameras(session)) == 5


def test_moves_change_what_is_under_a_node(tree: sessionmaker[Session]) -> None:
    d2 = NodeRef(NodeKind.DISTRICT, "d2")
    with tree.begin() as session:
        assert org.move_facility(session, "fac-b", "s3").street_id == "s3"
        assert org.contents_under(session, d2).facility_ids == {"fac-b", "fac-e"}
        org.move_street(session, "s2", "d2")
        assert org.contents_under(session, d2).facility_ids == {"fac-b", "fac-c", "fac-e"}
        org.move_camera(session, "cam-a2", "fac-e")
        assert org.contents_under(session, NodeRef(NodeKind.FACILITY, "fac-a")).camera_ids == {
            "cam-a1"
        }
        with pytest.raises(org.NodeNotFound, match="no street with id 'nope'"):
            org.move_facility(session, "fac-a", "nope")


def test_facility_details_round_trip(tree: sessionmaker[Session]) -> None:
    with tree.begin() as session:
        made = org.create_facility(
            session,
            "fac-x",
            "Riverside Canteen",
            "s2",
            kind="canteen",
            beds=0,
            address="1 River Rd",
            timezone="Asia/Urumqi",
        )
    with tree() as session:
        (stored,) = [f for f in org.list_facilities(session, "s2") if f.id == "fac-x"]
    assert stored == made
    assert stored.kind is FacilityKind.CANTEEN
    assert (stored.address, stored.timezone) == ("1 River Rd", "Asia/Urumqi")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({}, None),
        ({"facility_id": "bad id"}, "facility_id: 'bad id' is not an id"),
        ({"facility_id": "fac-a"}, "facility_id: a facility with id 'fac-a' already exists"),
        ({"name": "  "}, "name: expected 1 to 200 characters"),
        ({"kind": "hotel"}, "kind: unknown facility kind 'hotel'"),
        ({"beds": -1}, "beds: expected a count ≥ 0, got -1"),
        ({"timezone": "Mars/Olympus"}, "timezone: unknown IANA time zone 'Mars/Olympus'"),
        ({"street_id": "nope"}, "no street with id 'nope'"),
    ],
)
def test_create_facility_checks(
    tree: sessionmaker[Session], changes: dict[str, Any], message: str | None
) -> None:
    values: dict[str, Any] = {"facility_id": "fac-new", "name": "New", "street_id": "s1"}
    values |= changes
    with tree.begin() as session:
        if message is None:
            assert org.create_facility(session, **values, beds=40).beds == 40
            return
        with pytest.raises((org.OrgError, org.NodeNotFound), match=message):
            org.create_facility(session, **values)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (GB_ID, True),
        ("", False),
        ("3402000000132000000", False),  # 19 digits
        ("340200000013200000012", False),  # 21 digits
        ("3402000000132000000A", False),
        ("٣٤٠٢٠٠٠٠٠٠١٣٢٠٠٠٠٠٠١", False),  # Arabic-Indic digits: isdigit() but not ASCII
        (f" {GB_ID[1:]}", False),
    ],
)
def test_gb28181_id_validation(value: str, ok: bool) -> None:
    if ok:
        assert org.validate_gb28181_id(value) == value
        return
    with pytest.raises(org.OrgError, match=r"gb28181_id: expected exactly 20 digits"):
        org.validate_gb28181_id(value)


def test_camera_gb28181_id_is_validated_and_unique(tree: sessionmaker[Session]) -> None:
    with tree.begin() as session:
        made = org.create_camera(session, "cam-gb", "fac-a", "Gate", "url", gb28181_id=GB_ID)
        assert made.gb28181_id == GB_ID
        with pytest.raises(org.OrgError, match="gb28181_id: expected exactly 20 digits"):
            org.set_gb28181_id(session, "cam-a1", "123")
        with pytest.raises(org.OrgError, match="already used by camera 'cam-gb'"):
            org.set_gb28181_id(session, "cam-a1", GB_ID)
        assert org.set_gb28181_id(session, "cam-gb", None).gb28181_id is None
        assert org.set_gb28181_id(session, "cam-a1", GB_ID).gb28181_id == GB_ID


def test_settings_sync_keeps_the_tree_placement(tree: sessionmaker[Session]) -> None:
    store = EventStore(tree)
    store.sync_topology(
        [FacilityRecord(id="fac-cfg", name="From settings")],
        [CameraRecord(id="cam-cfg", facility_id="fac-cfg", name="Hall", source_kind="file")],
    )
    with tree.begin() as session:
        org.move_facility(session, "fac-cfg", "s2")
    store.sync_topology([FacilityRecord(id="fac-cfg", name="Renamed")], [])
    with tree() as session:
        contents = org.contents_under(session, NodeRef(NodeKind.STREET, "s2"))
    assert contents == NodeContents(
        frozenset({"fac-c", "fac-cfg"}), frozenset({"cam-c1", "cam-cfg"})
    )

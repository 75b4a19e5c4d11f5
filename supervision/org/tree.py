"""Organisation tree: district → street → facility → camera; create, list, move, look under."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from supervision.tables import Camera, District, Facility, Street

_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_GB28181_PATTERN = re.compile(r"[0-9]{20}")  # ASCII only: str.isdigit() also takes "٣"

RowT = TypeVar("RowT", District, Street, Facility, Camera)


class NodeKind(StrEnum):
    DISTRICT = "district"
    STREET = "street"
    FACILITY = "facility"


class FacilityKind(StrEnum):
    INSTITUTION = "institution"
    COMMUNITY_CENTRE = "community_centre"
    DAY_CARE = "day_care"
    CANTEEN = "canteen"


class OrgError(ValueError):
    """A node that cannot be created or changed as asked; the message names the field."""


class NodeNotFound(LookupError):
    """No district, street, facility or camera with that id."""


@dataclass(frozen=True, slots=True)
class NodeRef:
    """A node of the tree: its level and id."""

    kind: NodeKind
    id: str


@dataclass(frozen=True, slots=True)
class DistrictView:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class StreetView:
    id: str
    district_id: str
    name: str


@dataclass(frozen=True, slots=True)
class FacilityView:
    id: str
    name: str
    kind: FacilityKind
    street_id: str | None  # None: synced from settings, not yet placed in the tree
    beds: int
    address: str | None
    timezone: str  # IANA name


@dataclass(frozen=True, slots=True)
class OrgCameraView:
    id: str
    facility_id: str
    name: str
    source_kind: str
    gb28181_id: str | None


@dataclass(frozen=True, slots=True)
class NodeContents:
    """What lies under a node: the ids of its facilities and of their cameras."""

    facility_ids: frozenset[str]
    camera_ids: frozenset[str]


def validate_gb28181_id(value: str) -> str:
    """A GB/T 28181 device id: exactly 20 ASCII digits."""
    if not _GB28181_PATTERN.fullmatch(value):
        raise OrgError(f"gb28181_id: expected exactly 20 digits, got {value!r}")
    return value


def create_district(session: Session, district_id: str, name: str) -> DistrictView:
    _check_new(session, District, "district_id", district_id)
    row = District(id=district_id, name=_check_name(name))
    session.add(row)
    session.flush()
    return _district_view(row)


def create_street(session: Session, street_id: str, district_id: str, name: str) -> StreetView:
    _check_new(session, Street, "street_id", street_id)
    _require(session, District, district_id)
    row = Street(id=street_id, district_id=district_id, name=_check_name(name))
    session.add(row)
    session.flush()
    return _street_view(row)


def create_facility(
    session: Session,
    facility_id: str,
    name: str,
    street_id: str,
    *,
    kind: FacilityKind | str = FacilityKind.INSTITUTION,
    beds: int = 0,
    address: str | None = None,
    timezone: str = "Asia/Shanghai",
) -> FacilityView:
    _check_new(session, Facility, "facility_id", facility_id)
    _require(session, Street, street_id)
    row = Facility(
        id=facility_id,
        name=_check_name(name),
        kind=_check_kind(kind),
        street_id=street_id,
        beds=_check_beds(beds),
        address=address,
        timezone=_check_timezone(timezone),
    )
    session.add(row)
    session.flush()
    return _facility_view(row)


def create_camera(
    session: Session,
    camera_id: str,
    facility_id: str,
    name: str,
    source_kind: str,
    *,
    gb28181_id: str | None = None,
    created_at: datetime | None = None,
) -> OrgCameraView:
    """Add a camera; `created_at` (default: now) is when its uptime starts to count."""
    _check_new(session, Camera, "camera_id", camera_id)
    _require(session, Facility, facility_id)
    _check_gb28181_free(session, gb28181_id, camera_id)
    row = Camera(
        id=camera_id,
        facility_id=facility_id,
        name=_check_name(name),
        source_kind=source_kind,
        gb28181_id=gb28181_id,
    )
    if created_at is not None:  # otherwise the column's default: now
        row.created_at = created_at
    session.add(row)
    session.flush()
    return _camera_view(row)


def set_gb28181_id(session: Session, camera_id: str, gb28181_id: str | None) -> OrgCameraView:
    """Give a camera its national device id, or clear it with None."""
    row = _require(session, Camera, camera_id)
    _check_gb28181_free(session, gb28181_id, camera_id)
    row.gb28181_id = gb28181_id
    session.flush()
    return _camera_view(row)


def move_street(session: Session, street_id: str, district_id: str) -> StreetView:
    row = _require(session, Street, street_id)
    row.district_id = _require(session, District, district_id).id
    session.flush()
    return _street_view(row)


def move_facility(session: Session, facility_id: str, street_id: str) -> FacilityView:
    """Place a facility under a street (also how a facility synced from settings joins the tree)."""
    row = _require(session, Facility, facility_id)
    row.street_id = _require(session, Street, street_id).id
    session.flush()
    return _facility_view(row)


def move_camera(session: Session, camera_id: str, facility_id: str) -> OrgCameraView:
    row = _require(session, Camera, camera_id)
    row.facility_id = _require(session, Facility, facility_id).id
    session.flush()
    return _camera_view(row)


def list_districts(session: Session) -> list[DistrictView]:
    return [_district_view(row) for row in session.scalars(select(District).order_by(District.id))]


def list_streets(session: Session, district_id: str | None = None) -> list[StreetView]:
    query = select(Street).order_by(Street.id)
    if district_id is not None:
        query = query.where(Street.district_id == district_id)
    return [_street_view(row) for row in session.scalars(query)]


def list_facilities(session: Session, street_id: str | None = None) -> list[FacilityView]:
    query = select(Facility).order_by(Facility.id)
    if street_id is not None:
        query = query.where(Facility.street_id == street_id)
    return [_facility_view(row) for row in session.scalars(query)]


def list_cameras(session: Session, facility_id: str | None = None) -> list[OrgCameraView]:
    query = select(Camera).order_by(Camera.id)
    if facility_id is not None:
        query = query.where(Camera.facility_id == facility_id)
    return [_camera_view(row) for row in session.scalars(query)]


def contents_under(session: Session, node: NodeRef | None) -> NodeContents:
    """The facilities and cameras under `node` (the node itself if a facility); None: all."""
    facilities = _facility_ids_under(session, node)
    cameras = select(Camera.id).where(Camera.facility_id.in_(facilities))
    return NodeContents(
        facility_ids=frozenset(session.scalars(facilities)),
        camera_ids=frozenset(session.scalars(cameras)),
    )


def require_node(session: Session, node: NodeRef) -> None:
    """Raise NodeNotFound unless the node exists."""
    table: dict[NodeKind, Any] = {
        NodeKind.DISTRICT: District,
        NodeKind.STREET: Street,
        NodeKind.FACILITY: Facility,
    }
    _require(session, table[node.kind], node.id)


def _facility_ids_under(session: Session, node: NodeRef | None) -> Select[str]:
    query = select(Facility.id)
    if node is None:
        return query
    require_node(session, node)
    if node.kind is NodeKind.FACILITY:
        return query.where(Facility.id == node.id)
    if node.kind is NodeKind.STREET:
        return query.where(Facility.street_id == node.id)
    return query.join(Street, Facility.street_id == Street.id).where(Street.district_id == node.id)


def _require(session: Session, table: type[RowT], node_id: str) -> RowT:
    row = session.get(table, node_id)
    if row is None:
        raise NodeNotFound(f"no {_label(table)} with id {node_id!r}")
    return row


def _check_new(session: Session, table: type[RowT], field: str, node_id: str) -> None:
    if not _ID_PATTERN.fullmatch(node_id):
        raise OrgError(
            f"{field}: {node_id!r} is not an id (letters, digits, '_', '.', '-'; up to 64)"
        )
    if session.get(table, node_id) is not None:
        raise OrgError(f"{field}: a {_label(table)} with id {node_id!r} already exists")


def _check_name(name: str) -> str:
    if not name.strip() or len(name) > 200:
        raise OrgError(f"name: expected 1 to 200 characters, got {len(name.strip())}")
    return name


def _check_kind(kind: FacilityKind | str) -> str:
    try:
        return str(FacilityKind(kind))
    except ValueError:
        known = ", ".join(FacilityKind)
        raise OrgError(f"kind: unknown facility kind {kind!r} ({known})") from None


def _check_beds(beds: int) -> int:
    if beds < 0:
        raise OrgError(f"beds: expected a count ≥ 0, got {beds}")
    return beds


def _check_timezone(timezone: str) -> str:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise OrgError(f"timezone: unknown IANA time zone {timezone!r}") from None
    return timezone


def _check_gb28181_free(session: Session, gb28181_id: str | None, camera_id: str) -> None:
    if gb28181_id is None:
        return
    validate_gb28181_id(gb28181_id)
    owner = session.scalar(select(Camera.id).where(Camera.gb28181_id == gb28181_id))
    if owner is not None and owner != camera_id:
        raise OrgError(f"gb28181_id: {gb28181_id} is already used by camera {owner!r}")


def _label(table: type[Any]) -> str:
    return {District: "district", Street: "street", Facility: "facility"}.get(table, "camera")


def _district_view(row: District) -> DistrictView:
    return DistrictView(id=row.id, name=row.name)


def _street_view(row: Street) -> StreetView:
    return StreetView(id=row.id, district_id=row.district_id, name=row.name)


def _facility_view(row: Facility) -> FacilityView:
    return FacilityView(
        id=row.id,
        name=row.name,
        kind=FacilityKind(row.kind),
        street_id=row.street_id,
        beds=row.beds,
        address=row.address,
        timezone=row.timezone,
    )


def _camera_view(row: Camera) -> OrgCameraView:
    return OrgCameraView(
        id=row.id,
        facility_id=row.facility_id,
        name=row.name,
        source_kind=row.source_kind,
        gb28181_id=row.gb28181_id,
    )

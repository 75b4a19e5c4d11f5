"""Table rows of the supervision database (SQLAlchemy models), one module per sub-domain."""

from supervision.tables.audit import AuditEntry, AuditHead, LegalHold
from supervision.tables.base import INT_MAX, NAMING_CONVENTION, Base, UTCDateTime, utc_now
from supervision.tables.events import (
    Event,
    EventChange,
    EventTransition,
    Incident,
    IncidentStep,
    PublishCursor,
    PushDelivery,
    SiteChange,
)
from supervision.tables.inspections import Evidence, Hazard, HazardStep, Inspection, InspectionItem
from supervision.tables.org import (
    AuthToken,
    Camera,
    CameraConfigVersion,
    CameraStateChange,
    District,
    Facility,
    Node,
    Street,
    User,
)

__all__ = [
    "INT_MAX",
    "NAMING_CONVENTION",
    "AuditEntry",
    "AuditHead",
    "AuthToken",
    "Base",
    "Camera",
    "CameraConfigVersion",
    "CameraStateChange",
    "District",
    "Event",
    "EventChange",
    "EventTransition",
    "Evidence",
    "Facility",
    "Hazard",
    "HazardStep",
    "Incident",
    "IncidentStep",
    "Inspection",
    "InspectionItem",
    "LegalHold",
    "Node",
    "PublishCursor",
    "PushDelivery",
    "SiteChange",
    "Street",
    "UTCDateTime",
    "User",
    "utc_now",
]

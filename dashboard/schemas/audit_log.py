"""API schemas of audit log rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dashboard.schemas.common import Schema
from supervision.audit.chain import AuditRecord


class AuditOut(Schema):
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str | None
    object_id: str | None
    detail: dict[str, Any]

    @classmethod
    def from_record(cls, record: AuditRecord) -> AuditOut:
        return cls(
            seq=record.seq,
            at=record.at,
            actor=record.actor,
            action=record.action,
            object_type=record.object_type,
            object_id=record.object_id,
            detail=dict(record.detail),
        )

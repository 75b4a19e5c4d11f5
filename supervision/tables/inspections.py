"""Table rows of inspections, their items, hazards and their steps, and evidence."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from supervision.tables.base import Base, UTCDateTime


class Inspection(Base):
    """A fire-safety or service-quality inspection of one facility, on site or remote."""

    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), index=True)
    checklist_kind: Mapped[str] = mapped_column(String(32))
    checklist_version: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))  # on_site, remote
    inspector: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), index=True)  # in_progress, completed
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    items: Mapped[list[InspectionItem]] = relationship(
        order_by="InspectionItem.id", cascade="all, delete-orphan"
    )


class InspectionItem(Base):
    """One checklist item of an inspection: its words as checked, and the result recorded."""

    __tablename__ = "inspection_items"
    # Each checklist item at most once per inspection.
    __table_args__ = (Index("ix_inspection_items_item", "inspection_id", "item_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(64))
    # Copied from the checklist, so a later edit of the list does not rewrite history.
    text_zh: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(String(16))  # pass, fail, not_applicable
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A failed item becomes a hazard when the inspection completes, with this grade and deadline.
    hazard_grade: Mapped[str | None] = mapped_column(String(16))
    hazard_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Hazard(Base):
    """A finding to fix by a deadline: open → fixed → verified, or reopened."""

    __tablename__ = "hazards"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"), index=True)
    item_id: Mapped[str | None] = mapped_column(String(64))
    grade: Mapped[str] = mapped_column(String(16), index=True)  # general, major
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    fixed_by: Mapped[str | None] = mapped_column(String(200))
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by: Mapped[str | None] = mapped_column(String(200))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_to: Mapped[str | None] = mapped_column(String(16))  # street, then district

    steps: Mapped[list[HazardStep]] = relationship(
        order_by="HazardStep.id", cascade="all, delete-orphan"
    )


class HazardStep(Base):
    """One step of a hazard's history; `deadline` is the deadline in force after it."""

    __tablename__ = "hazard_steps"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Evidence(Base):
    """Evidence of an inspection or of a hazard's fix: an event (its snapshot or clip) or a file."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), index=True
    )
    hazard_id: Mapped[int | None] = mapped_column(
        ForeignKey("hazards.id", ondelete="CASCADE"), index=True
    )
    step_id: Mapped[int | None] = mapped_column(ForeignKey("hazard_steps.id", ondelete="CASCADE"))
    item_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # snapshot, clip, event, file
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    # A stored upload: its path relative to the media root, never a name the client chose.
    file_path: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())

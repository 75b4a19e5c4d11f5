"""Inspections with their checklist items, hazards with their history, and evidence.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of tables.UTCDateTime's storage type; migrations never import the live models.
UTC_DATETIME = sa.DateTime(timezone=True)

# table -> its single-column indexes (ix_<table>_<column>)
INDEXES = {
    "inspections": ("facility_id", "status", "created_at", "completed_at"),
    "inspection_items": ("inspection_id",),
    "hazards": ("facility_id", "inspection_id", "grade", "status", "deadline", "created_at"),
    "hazard_steps": ("hazard_id", "at"),
    "evidence": ("inspection_id", "hazard_id", "event_id"),
}


def upgrade() -> None:
    _create_inspections()
    _create_inspection_items()
    _create_hazards()
    _create_hazard_steps()
    _create_evidence()
    for table, columns in INDEXES.items():
        for column in columns:
            op.create_index(f"ix_{table}_{column}", table, [column])
    op.create_index(
        "ix_inspection_items_item", "inspection_items", ["inspection_id", "item_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_inspection_items_item", table_name="inspection_items")
    for table, columns in reversed(INDEXES.items()):
        for column in columns:
            op.drop_index(f"ix_{table}_{column}", table_name=table)
    for table in reversed(INDEXES):
        op.drop_table(table)


def _fk(column: str, target: str, table: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    referred = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=f"fk_{table}_{column}_{referred}", ondelete=ondelete
    )


def _create_inspections() -> None:
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("facility_id", sa.String(length=64), nullable=False),
        sa.Column("checklist_kind", sa.String(length=32), nullable=False),
        sa.Column("checklist_version", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("inspector", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("completed_at", UTC_DATETIME, nullable=True),
        _fk("facility_id", "facilities.id", "inspections"),
        sa.PrimaryKeyConstraint("id", name="pk_inspections"),
    )


def _create_inspection_items() -> None:
    op.create_table(
        "inspection_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=True),
        sa.Column("recorded_at", UTC_DATETIME, nullable=True),
        sa.Column("hazard_grade", sa.String(length=16), nullable=True),
        sa.Column("hazard_deadline", UTC_DATETIME, nullable=True),
        _fk("inspection_id", "inspections.id", "inspection_items", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_inspection_items"),
    )


def _create_hazards() -> None:
    op.create_table(
        "hazards",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("facility_id", sa.String(length=64), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.String(length=64), nullable=True),
        sa.Column("grade", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("deadline", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("fixed_by", sa.String(length=200), nullable=True),
        sa.Column("fixed_at", UTC_DATETIME, nullable=True),
        sa.Column("verified_by", sa.String(length=200), nullable=True),
        sa.Column("verified_at", UTC_DATETIME, nullable=True),
        sa.Column("escalated_to", sa.String(length=16), nullable=True),
        _fk("facility_id", "facilities.id", "hazards"),
        _fk("inspection_id", "inspections.id", "hazards"),
        sa.PrimaryKeyConstraint("id", name="pk_hazards"),
    )


def _create_hazard_steps() -> None:
    op.create_table(
        "hazard_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("deadline", UTC_DATETIME, nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        _fk("hazard_id", "hazards.id", "hazard_steps", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_hazard_steps"),
    )


def _create_evidence() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column("step_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("file_path", sa.Text(), nullable=True),
        sa.Column("content_type", sa.String(length=64), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("added_at", UTC_DATETIME, nullable=False),
        _fk("inspection_id", "inspections.id", "evidence", "CASCADE"),
        _fk("hazard_id", "hazards.id", "evidence", "CASCADE"),
        _fk("step_id", "hazard_steps.id", "evidence", "CASCADE"),
        _fk("event_id", "events.id", "evidence"),
        sa.PrimaryKeyConstraint("id", name="pk_evidence"),
    )

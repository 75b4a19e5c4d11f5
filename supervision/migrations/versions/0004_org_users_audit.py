"""Organisation tree (districts, streets, facility details, GB/T 28181 ids), users, tokens, audit.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of tables.UTCDateTime's storage type; migrations never import the live models.
UTC_DATETIME = sa.DateTime(timezone=True)
GENESIS_HASH = "0" * 64
AUDIT_INDEXES = ("action", "actor", "at")


def upgrade() -> None:
    _create_districts_and_streets()
    _extend_facilities()
    _extend_cameras()
    _create_users()
    _create_auth_tokens()
    _create_audit()


def downgrade() -> None:
    op.drop_table("audit_head")
    op.drop_index("ix_audit_log_object", table_name="audit_log")
    for column in AUDIT_INDEXES:
        op.drop_index(f"ix_audit_log_{column}", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_auth_tokens_expires_at", table_name="auth_tokens")
    op.drop_index("ix_auth_tokens_user_id", table_name="auth_tokens")
    op.drop_table("auth_tokens")
    op.drop_index("ix_users_node_id", table_name="users")
    op.drop_table("users")
    # Plain DROP COLUMN (SQLite ≥ 3.35): a batch rebuild would drop tables that others point at.
    op.drop_index("ix_cameras_gb28181_id", table_name="cameras")
    op.drop_column("cameras", "gb28181_id")
    op.drop_index("ix_facilities_street_id", table_name="facilities")
    for column in ("address", "beds", "street_id"):
        op.drop_column("facilities", column)
    op.drop_index("ix_streets_district_id", table_name="streets")
    op.drop_table("streets")
    op.drop_table("districts")


def _create_districts_and_streets() -> None:
    op.create_table(
        "districts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_districts"),
    )
    op.create_table(
        "streets",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("district_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name="fk_streets_district_id_districts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_streets"),
    )
    op.create_index("ix_streets_district_id", "streets", ["district_id"])


def _extend_facilities() -> None:
    # SQLite cannot add a foreign key by ALTER, and rebuilding `facilities` would trip the
    # cameras that point at it; a nullable column may carry REFERENCES inline instead.
    inline = op.get_bind().dialect.name == "sqlite"
    street = sa.Column(
        "street_id",
        sa.String(length=64),
        sa.ForeignKey("streets.id", name="fk_facilities_street_id_streets"),
        nullable=True,
    )
    op.add_column("facilities", street, inline_references=inline)
    op.add_column(
        "facilities", sa.Column("beds", sa.Integer(), nullable=False, server_default="0")
    )
    op.add_column("facilities", sa.Column("address", sa.Text(), nullable=True))
    op.create_index("ix_facilities_street_id", "facilities", ["street_id"])


def _extend_cameras() -> None:
    op.add_column("cameras", sa.Column("gb28181_id", sa.String(length=20), nullable=True))
    op.create_index("ix_cameras_gb28181_id", "cameras", ["gb28181_id"], unique=True)


def _create_users() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("node_kind", sa.String(length=16), nullable=True),
        sa.Column("node_id", sa.String(length=64), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_index("ix_users_node_id", "users", ["node_id"])


def _create_auth_tokens() -> None:
    op.create_table(
        "auth_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_auth_tokens_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_auth_tokens"),
        sa.UniqueConstraint("token_sha256", name="uq_auth_tokens_token_sha256"),
    )
    op.create_index("ix_auth_tokens_user_id", "auth_tokens", ["user_id"])
    op.create_index("ix_auth_tokens_expires_at", "auth_tokens", ["expires_at"])


def _create_audit() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=True),
        sa.Column("object_id", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
        sa.UniqueConstraint("hash", name="uq_audit_log_hash"),
    )
    for column in AUDIT_INDEXES:
        op.create_index(f"ix_audit_log_{column}", "audit_log", [column])
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    # The head row exists from the start, so every append can lock it.
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])

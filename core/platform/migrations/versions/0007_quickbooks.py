"""quickbooks

The QuickBooks Online connection of each workspace (tokens sealed with CRM_SECRET_KEY) and
the owner-confirmed pushes of contacts to it, one per contact, claimed before the call.

Revision ID: 0007_quickbooks
Revises: 0006_encrypted_tokens
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.platform import column_types

revision: str = "0007_quickbooks"
down_revision: str | None = "0006_encrypted_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _status(*values: str, name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade() -> None:
    op.create_table(
        "quickbooks_connections",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("realm_id", sa.String(length=32), nullable=False),
        sa.Column("environment", sa.String(length=16), nullable=False),
        sa.Column(
            "status",
            _status("connected", "revoked", "disconnected", name="quickbooksconnectionstatus"),
            nullable=False,
        ),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column(
            "access_token_expires_at", column_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column(
            "refresh_token_expires_at", column_types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("connected_by", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", column_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("owners_told_at", column_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", column_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", column_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.workspace_id"]),
        sa.PrimaryKeyConstraint("workspace_id"),
    )
    op.create_table(
        "quickbooks_pushes",
        sa.Column("push_id", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("contact_id", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            _status(
                "claimed", "offered", "renaming", "failed", "done", name="quickbookspushstatus"
            ),
            nullable=False,
        ),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("confirmed_by", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", column_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", column_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.contact_id"]),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.workspace_id"]),
        sa.PrimaryKeyConstraint("push_id"),
        sa.UniqueConstraint("workspace_id", "contact_id", name="uq_quickbooks_pushes_contact"),
    )


def downgrade() -> None:
    op.drop_table("quickbooks_pushes")
    op.drop_table("quickbooks_connections")

"""mailbox: the connected mailbox, the processed-mail ledger, email ids on interactions

Revision ID: 0008_mailbox
Revises: flows01
Create Date: 2026-12-06 21:15:27.556567
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.platform import column_types

revision: str = "0008_mailbox"
down_revision: str | None = "flows01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "processed_mail",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("processed_at", column_types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "message_id"),
    )
    op.create_table(
        "mailbox_connections",
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("email_address", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "paused",
                "disconnected",
                name="mailboxstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("client_id", sa.String(length=200), nullable=False),
        sa.Column("client_secret", sa.Text(), nullable=False),
        sa.Column("history_id", sa.String(length=32), nullable=True),
        sa.Column("last_synced_at", column_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("owners_told_at", column_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("connected_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", column_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", column_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.workspace_id"],
        ),
        sa.PrimaryKeyConstraint("workspace_id"),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_message_id", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("external_thread_id", sa.String(length=200), nullable=True))
        batch_op.create_index(
            "ix_interactions_thread", ["workspace_id", "external_thread_id"], unique=False
        )
        batch_op.create_index(
            "ix_interactions_message", ["workspace_id", "external_message_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_interactions_message")
        batch_op.drop_index("ix_interactions_thread")
        batch_op.drop_column("external_thread_id")
        batch_op.drop_column("external_message_id")

    op.drop_table("mailbox_connections")
    op.drop_table("processed_mail")

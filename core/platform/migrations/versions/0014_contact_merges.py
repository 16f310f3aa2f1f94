"""contact merges: what each merge moved, so an owner can undo it

Revision ID: 0014_contact_merges
Revises: 0013_report_indexes
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.platform import column_types

revision: str = "0014_contact_merges"
down_revision: str | None = "0013_report_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_merges",
        sa.Column("merge_id", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("survivor_id", sa.String(length=64), nullable=False),
        sa.Column("other_id", sa.String(length=64), nullable=False),
        sa.Column("merged_by", sa.String(length=64), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("points_added", sa.JSON(), nullable=False),
        sa.Column("survivor_before", sa.JSON(), nullable=False),
        sa.Column("survivor_after", sa.JSON(), nullable=False),
        sa.Column("other_was_archived", sa.Boolean(), nullable=False),
        sa.Column("undone_at", column_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", column_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", column_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.workspace_id"]),
        sa.ForeignKeyConstraint(["survivor_id"], ["contacts.contact_id"]),
        sa.ForeignKeyConstraint(["other_id"], ["contacts.contact_id"]),
        sa.PrimaryKeyConstraint("merge_id"),
    )
    with op.batch_alter_table("contact_merges", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_merges_survivor",
            ["workspace_id", "survivor_id", "created_at"],
            unique=False,
        )
        batch_op.create_index("ix_contact_merges_other", ["workspace_id", "other_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contact_merges", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_merges_other")
        batch_op.drop_index("ix_contact_merges_survivor")
    op.drop_table("contact_merges")

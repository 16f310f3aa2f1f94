"""web form: the form token on workspaces, the submissions ledger, the attempts for rate limits

Revision ID: 0009_web_form
Revises: 0003_request_ledger
Create Date: 2026-12-06 21:45:10.587806
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.platform import column_types

revision: str = "0009_web_form"
down_revision: str | None = "0003_request_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("received_at", column_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.workspace_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("form_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_form_attempts_form", ["workspace_id", "received_at"], unique=False
        )
        batch_op.create_index(
            "ix_form_attempts_sender", ["workspace_id", "sender", "received_at"], unique=False
        )

    op.create_table(
        "form_submissions",
        sa.Column("submission_id", sa.String(length=64), nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("dedupe_key", sa.String(length=100), nullable=False),
        sa.Column("lead_id", sa.String(length=64), nullable=True),
        sa.Column("received_at", column_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.workspace_id"],
        ),
        sa.PrimaryKeyConstraint("submission_id"),
        sa.UniqueConstraint("workspace_id", "dedupe_key", name="uq_form_submissions_key"),
    )
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_token", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("form_enabled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("form_redirect_url", sa.String(length=500), nullable=True))
        batch_op.create_index("uq_workspaces_form_token", ["form_token"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_index("uq_workspaces_form_token")
        batch_op.drop_column("form_redirect_url")
        batch_op.drop_column("form_enabled")
        batch_op.drop_column("form_token")

    op.drop_table("form_submissions")
    with op.batch_alter_table("form_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_form_attempts_sender")
        batch_op.drop_index("ix_form_attempts_form")

    op.drop_table("form_attempts")

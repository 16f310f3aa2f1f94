"""won confirmations

The single-use, short-lived confirmation an owner's confirm step issues and `mark_won`
consumes (hard stop 4), so winning a deal checks a state instead of trusting a flag.

Revision ID: flows01
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.platform.column_types import UTCDateTime

revision: str = "flows01"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "won_confirmations",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.String(32),
            sa.ForeignKey("workspaces.workspace_id"),
            nullable=False,
        ),
        sa.Column(
            "opportunity_id",
            sa.String(64),
            sa.ForeignKey("opportunities.opportunity_id"),
            nullable=False,
        ),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("won_confirmations")

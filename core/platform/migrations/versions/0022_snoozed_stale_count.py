"""snoozed stale count: the leads snoozed now, counted from the index alone

The stale total subtracts the candidates snoozed now, found from the partial index of snoozed
leads. Keyed by (workspace, snooze date) only, the count read each one's row for its status
and last touch, and Postgres's generic plan for the prepared page statement, which cannot
know how many leads are snoozed, costed that as a third of the book and planned the
statement on every call instead (about 1 ms). Carrying status and last touch in the index
answers the count from the index (docs/performance.md).

Revision ID: 0022_snoozed_stale_count
Revises: 0021_pending_followups
Create Date: 2026-12-07 06:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_snoozed_stale_count"
down_revision: str | None = "0021_pending_followups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNOOZED = "snoozed_until IS NOT NULL"


def _snoozed_index(columns: list[str]) -> None:
    op.drop_index("ix_leads_snoozed", table_name="leads")
    op.create_index(
        "ix_leads_snoozed",
        "leads",
        columns,
        postgresql_where=sa.text(SNOOZED),
        sqlite_where=sa.text(SNOOZED),
    )


def upgrade() -> None:
    _snoozed_index(["workspace_id", "snoozed_until", "status", "last_touch_at"])


def downgrade() -> None:
    _snoozed_index(["workspace_id", "snoozed_until"])

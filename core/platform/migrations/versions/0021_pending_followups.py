"""pending follow-ups: the follow-up lists read the few pending follow-ups, not every interaction

Each follow-up list is the first ten pending follow-ups in date and time order. The index of
(workspace, status, date) holds every interaction, and in date order only: the overdue page
read and sorted every overdue follow-up (about 2,000 in the full-size bench) and the count of
the left-out contacts' follow-ups read as many rows. A partial index of the pending follow-ups
in the lists' order, carrying the contact, gives both from the index alone
(docs/performance.md).

Revision ID: 0021_pending_followups
Revises: 0020_followup_tallies
Create Date: 2026-12-07 05:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_pending_followups"
down_revision: str | None = "0020_followup_tallies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = "follow_up_status = 'pending'"


def upgrade() -> None:
    op.create_index(
        "ix_interactions_pending",
        "interactions",
        ["workspace_id", "follow_up_date", "timestamp", "interaction_id", "contact_id"],
        postgresql_where=sa.text(PENDING),
        sqlite_where=sa.text(PENDING),
    )


def downgrade() -> None:
    op.drop_index("ix_interactions_pending", table_name="interactions")

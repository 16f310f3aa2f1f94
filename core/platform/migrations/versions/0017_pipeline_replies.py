"""pipeline replies: a lead's first reply from an index of the replies alone

The pipeline summary's response time finds, for each lead created in the week, its first
email or text sent after it came in. Over the index of every interaction by lead that read
each of the lead's interactions' rows to check its type; a partial index of the replies alone
answers it from the index (docs/performance.md).

Revision ID: 0017_pipeline_replies
Revises: 0016_contact_lookup
Create Date: 2026-12-07 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_pipeline_replies"
down_revision: str | None = "0016_contact_lookup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPLIES = "type IN ('email_outbound', 'sms')"


def upgrade() -> None:
    op.create_index(
        "ix_interactions_lead_replies",
        "interactions",
        ["lead_id", "timestamp"],
        postgresql_where=sa.text(REPLIES),
        sqlite_where=sa.text(REPLIES),
    )


def downgrade() -> None:
    op.drop_index("ix_interactions_lead_replies", table_name="interactions")

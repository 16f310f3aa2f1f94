"""request ledger

The signatures of Slack requests accepted in the last five minutes (`seen_requests`), so a
signed request replayed inside Slack's timestamp window is refused by every web process.

Revision ID: 0003_request_ledger
Revises: 0008_mailbox
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.platform import column_types

revision: str = "0003_request_ledger"
down_revision: str | None = "0008_mailbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seen_requests",
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.Column("received_at", column_types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("signature"),
    )
    op.create_index("ix_seen_requests_received_at", "seen_requests", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_seen_requests_received_at", table_name="seen_requests")
    op.drop_table("seen_requests")

"""do not contact: the flag on contacts, with who set it, when and why

Revision ID: 0012_do_not_contact
Revises: 0011_oauth_states
Create Date: 2026-12-06 23:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.platform import column_types

revision: str = "0012_do_not_contact"
down_revision: str | None = "0011_oauth_states"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs (SQLite accepts them with a default): a batch copy of `contacts` would
    # drop the table every other table points at.
    op.add_column(
        "contacts",
        sa.Column("do_not_contact", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "contacts",
        sa.Column("do_not_contact_at", column_types.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column("contacts", sa.Column("do_not_contact_by", sa.String(length=64), nullable=True))
    op.add_column(
        "contacts", sa.Column("do_not_contact_reason", sa.String(length=500), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("do_not_contact_reason")
        batch_op.drop_column("do_not_contact_by")
        batch_op.drop_column("do_not_contact_at")
        batch_op.drop_column("do_not_contact")

"""one point index: drop `ix_contact_points_contact_id`, which the unique index already is

`uq_contact_points_contact_value` is `(contact_id, kind, value)`: its leading column answers
every "this contact's phones and emails" probe the single-column index did. The second index
only cost each phone or email written (a CSV import writes 200,000 at once) its upkeep
(docs/performance.md).

Revision ID: 0018_one_point_index
Revises: 0017_pipeline_replies
Create Date: 2026-12-07 03:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0018_one_point_index"
down_revision: str | None = "0017_pipeline_replies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_points_contact_id")


def downgrade() -> None:
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.create_index("ix_contact_points_contact_id", ["contact_id"], unique=False)

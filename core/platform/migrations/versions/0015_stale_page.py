"""stale page: count stale leads from the index alone, and find the contacts reports leave out

The stale-lead total counts a range of the (workspace_id, status, last_touch_at) index; with
the snooze date in it too, the count reads the index alone. The reports leave out leads whose
contact (or its merge survivor) asked not to be contacted, and those of a contact archived by
itself: a partial index holds just those few contacts, so the filters start from them instead
of reading every contact (docs/performance.md).

Revision ID: 0015_stale_page
Revises: 0014_contact_merges
Create Date: 2026-12-07 01:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_stale_page"
down_revision: str | None = "0014_contact_merges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEFT_OUT = "do_not_contact OR (archived AND merged_into_contact_id IS NULL)"


def upgrade() -> None:
    op.drop_index("ix_leads_workspace_status_last_touch", table_name="leads")
    op.create_index(
        "ix_leads_workspace_status_last_touch_snooze",
        "leads",
        ["workspace_id", "status", "last_touch_at", "snoozed_until"],
    )
    op.create_index(
        "ix_contacts_left_out",
        "contacts",
        ["contact_id"],
        postgresql_where=sa.text(LEFT_OUT),
        sqlite_where=sa.text(LEFT_OUT),
    )


def downgrade() -> None:
    op.drop_index("ix_contacts_left_out", table_name="contacts")
    op.drop_index("ix_leads_workspace_status_last_touch_snooze", table_name="leads")
    op.create_index(
        "ix_leads_workspace_status_last_touch",
        "leads",
        ["workspace_id", "status", "last_touch_at"],
    )

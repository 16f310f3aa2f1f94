"""last touch columns and name search index

Each lead's and contact's last touch as a column (backfilled here from the history), indexed
with the lead's status so the stale-lead check is an index range scan; an index to find the
contacts merged into one; on Postgres a pg_trgm GIN index on the lower-cased full name, so a
name search is an index probe ranked in SQL. See core/activity/last_touch.py.

Revision ID: 0005
Revises: 0009_web_form
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0009_web_form"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The lower-cased full name the trigram index holds; core/contacts/name_search.py queries
#: exactly this expression so Postgres uses the index.
NAME_EXPRESSION = "lower(first_name || coalesce(' ' || last_name, ''))"

_BACKFILL_CONTACTS = """
UPDATE contacts SET last_touch_at = (
    SELECT max(i.timestamp) FROM interactions i WHERE i.contact_id = contacts.contact_id
)
"""

_BACKFILL_LEADS = """
UPDATE leads SET last_touch_at = {greatest}(
    created_at,
    coalesce((SELECT max(i.timestamp) FROM interactions i WHERE i.lead_id = leads.lead_id),
             created_at),
    coalesce((SELECT c.last_touch_at FROM contacts c WHERE c.contact_id = leads.contact_id),
             created_at),
    coalesce((SELECT s.last_touch_at FROM contacts c
              JOIN contacts s ON s.contact_id = c.merged_into_contact_id
              WHERE c.contact_id = leads.contact_id), created_at)
)
"""


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("last_touch_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_contacts_merged_into", ["merged_into_contact_id"])
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("last_touch_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(_BACKFILL_CONTACTS)
    op.execute(_BACKFILL_LEADS.format(greatest="greatest" if postgres else "max"))
    op.create_index(
        "ix_leads_workspace_status_last_touch",
        "leads",
        ["workspace_id", "status", "last_touch_at"],
    )
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_contacts_name_trgm ON contacts "
            f"USING gin (({NAME_EXPRESSION}) gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_contacts_name_trgm")
    op.drop_index("ix_leads_workspace_status_last_touch", table_name="leads")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("last_touch_at")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_index("ix_contacts_merged_into")
        batch.drop_column("last_touch_at")

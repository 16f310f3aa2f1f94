"""contact lookup: a typed name and a contact's jobs from btree indexes

`/customer Dana Smith` is answered by an exact probe of the lower-cased full name (and, when
no full name matches, of the lower-cased first name) before any trigram search: two btree
expression indexes, on SQLite and Postgres alike (core/contacts/name_search.py). The card's
last touchpoint reads a contact's jobs: an index on `opportunities.contact_id` makes that a
probe instead of a scan of every job (docs/performance.md).

Revision ID: 0016_contact_lookup
Revises: 0015_stale_page
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016_contact_lookup"
down_revision: str | None = "0015_stale_page"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Exactly core.contacts.name_search.NAME_KEY, and the trigram index's expression (0005).
FULL_NAME = "lower(first_name || coalesce(' ' || last_name, ''))"
FIRST_NAME = "lower(first_name)"


def upgrade() -> None:
    op.create_index("ix_opportunities_contact", "opportunities", ["contact_id"])
    # Expression indexes: written out, since autogenerate does not compare them (env.py).
    op.execute(f"CREATE INDEX ix_contacts_full_name ON contacts (workspace_id, ({FULL_NAME}))")
    op.execute(f"CREATE INDEX ix_contacts_first_name ON contacts (workspace_id, ({FIRST_NAME}))")


def downgrade() -> None:
    op.execute("DROP INDEX ix_contacts_first_name")
    op.execute("DROP INDEX ix_contacts_full_name")
    op.drop_index("ix_opportunities_contact", table_name="opportunities")

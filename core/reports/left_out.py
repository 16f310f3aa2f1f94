"""The contacts the reports leave out, as one materialized CTE a statement reads once.

Marked do not contact, merged into one, or archived by themselves (docs/product.md,
Definitions). As a filter repeated in every part and count of a report, planning the
statement took longer than running it; read once, it is a probe of the partial index
`ix_contacts_left_out` (migration 0015_stale_page).
"""

from __future__ import annotations

from sqlalchemy import CTE, select, union

from core.contacts.do_not_contact import do_not_contact_ids
from core.reports.rows import archived_ids

__all__ = ["left_out_contacts"]


def left_out_contacts() -> CTE:
    """SQL: a CTE `left_out` with one column, `contact_id`."""
    do_not_contact = do_not_contact_ids().subquery("do_not_contact")
    return (
        union(select(do_not_contact.c.contact_id), archived_ids())
        .cte("left_out")
        .prefix_with("MATERIALIZED")
    )

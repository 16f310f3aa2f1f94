"""The contacts the reports leave out, as one materialized CTE a statement reads once.

Marked do not contact, merged into one, or archived by themselves (docs/product.md,
Definitions). As a filter repeated in every part and count of a report, planning the
statement took longer than running it; read once, it is a probe of the partial index
`ix_contacts_left_out` (migration 0015_stale_page).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CTE, ColumnElement, or_, select, union

from core.contacts.do_not_contact import do_not_contact_ids
from core.reports.rows import archived_ids

__all__ = ["left_out_contacts", "not_left_out"]


def left_out_contacts() -> CTE:
    """SQL: a CTE `left_out` with one column, `contact_id`."""
    do_not_contact = do_not_contact_ids().subquery("do_not_contact")
    return (
        union(select(do_not_contact.c.contact_id), archived_ids())
        .cte("left_out")
        .prefix_with("MATERIALIZED")
    )


def not_left_out(left_out: CTE, contact_id: Any) -> ColumnElement[bool]:
    """SQL: a row whose contact (`contact_id`, which may be NULL) is not in `left_out`.

    A filter on the scan of a list's index (a hashed subplan in Postgres), so the list is read
    in the index's order and stops at its limit. As NOT EXISTS it is an anti-join, which
    Postgres may hash when it guesses a handful of rows, and then sort the whole range: every
    overdue follow-up (1,967 at full size) for a page of ten.
    """
    return or_(contact_id.is_(None), contact_id.not_in(select(left_out.c.contact_id)))

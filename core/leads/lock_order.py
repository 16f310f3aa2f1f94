"""One lock order for an edit's rows: the contact, then its lead or deal (Postgres).

An interaction's last touch updates the contact, then its leads (core/activity/last_touch.py),
and so does the first-reply trigger; a merge locks both contacts, then moves their leads and
deals. An edit of a lead or a deal notes itself in the history, so it too ends up holding the
contact. Taking the record first, it would hold it while it waited for the contact, and a
request holding the contact (a call logged, a merge) that then needed the record would wait for
it: Postgres aborts one ("deadlock detected"). So every such edit opens its record here
(docs/reliability.md, "One lock order: a contact before its leads and deals").
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from core.errors import InvalidTransition
from core.models import Contact, Lead, Opportunity

__all__ = ["lock_after_contact"]

Record = TypeVar("Record", Lead, Opportunity)


def lock_after_contact(session: Session, record: Record) -> Record:
    """`record` re-read and row-locked after its contact, as read: the one order, for an edit.

    FOR NO KEY UPDATE is what the edit's UPDATEs take anyway, and lets other transactions
    insert interactions that reference both rows. A record a merge moved to another contact
    between its read and its lock is refused in words, not edited under the wrong lock.
    """
    contact_id = record.contact_id
    if contact_id is not None:
        session.execute(
            select(Contact.contact_id)
            .where(Contact.contact_id == contact_id)
            .with_for_update(key_share=True)
        )
    model = type(record)
    mapper = inspect(model)
    (key,) = mapper.primary_key
    locked = session.scalars(
        select(model)
        .where(key == mapper.primary_key_from_instance(record)[0])
        .with_for_update(key_share=True, of=model)
        .execution_options(populate_existing=True)
    ).one()
    if locked.contact_id != contact_id:
        raise InvalidTransition(f"{_called(locked)} was just moved to another contact; try again.")
    return locked


def _called(record: Lead | Opportunity) -> str:
    return f"The {record.title} lead" if isinstance(record, Lead) else record.name

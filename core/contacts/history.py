"""Where a contact's history lives: following merges to the survivor, and the contact card.

Merging itself (and undoing it) is `core.contacts.merges`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import Row, Select, String, bindparam, func, literal_column, select, true
from sqlalchemy.orm import Session, aliased, joinedload, lazyload

from core.common.enums import OPEN_LEAD_STATUSES
from core.common.local_dates import local_today
from core.contacts.lookups import newest_interaction_with
from core.errors import NotFound
from core.models import (
    Company,
    Contact,
    ContactMerge,
    Lead,
    Workspace,
)
from core.reports.rows import Touchpoint, read_touchpoint

if TYPE_CHECKING:  # imported at run time inside `contact_card` (an import cycle)
    from core.reports.upcoming import NextFollowUps


def load_contact(session: Session, workspace: Workspace, contact_id: str) -> Contact:
    """The contact row itself (merged or not), or NotFound outside this workspace.

    From the session when this transaction has loaded it already (contacts are never
    deleted), else by its key: the same object either way."""
    contact = session.get(Contact, contact_id)
    if contact is None or contact.workspace_id != workspace.workspace_id:
        raise _no_contact(contact_id)
    return contact


def _no_contact(contact_id: str) -> NotFound:
    return NotFound(f"There is no contact {contact_id} in this workspace.", field="contact_id")


def get_contact(session: Session, *, workspace: Workspace, contact_id: str) -> Contact:
    """The contact, or the one it was merged into (where its history now lives)."""
    contact = load_contact(session, workspace, contact_id)
    for _ in range(10):  # merges re-point earlier merges, so one hop is the rule
        if contact.merged_into_contact_id is None:
            break
        contact = load_contact(session, workspace, contact.merged_into_contact_id)
    return contact


@dataclass(frozen=True)
class ContactCard:
    """Everything `/customer` shows about one person, loaded up front."""

    contact: Contact
    company_name: str | None
    open_leads: list[Lead] = field(default_factory=list)
    last_touchpoint: Touchpoint | None = None
    days_since_last_touch: int | None = None
    # The newest merge into this contact not undone: (merge_id, the merged contact's name).
    last_merge: tuple[str, str] | None = None
    # The person's and each open lead's next promised follow-up (core/reports/upcoming.py).
    next_follow_ups: NextFollowUps | None = None


def contact_card(
    session: Session, *, workspace: Workspace, contact_id: str, now: datetime
) -> ContactCard:
    """What `/customer` shows: details, company, open leads and the last touchpoint.

    Each statement is built once per process (building them per call cost more than running
    them); the contact comes with its points, company and last merge in the first.
    """
    contact, company_name, merge_id, merged = _card_contact(session, workspace, contact_id)
    params = {"ws": workspace.workspace_id, "contact_id": contact.contact_id}
    open_leads = list(session.scalars(_open_leads_statement(), params).unique())
    last_merge = (merge_id, merged) if merge_id else None
    newest = newest_interaction_with(
        session, workspace=workspace, contact_id=contact.contact_id, now=now
    )
    # Imported here: the follow-up reports read do-not-contact, which reads this module.
    from core.reports.upcoming import next_followups

    promised = next_followups(
        session,
        workspace=workspace,
        now=now,
        lead_ids=[lead.lead_id for lead in open_leads],
        contact_ids=[contact.contact_id],
    )
    if newest is None:
        return ContactCard(
            contact, company_name, open_leads, last_merge=last_merge, next_follow_ups=promised
        )
    touch = read_touchpoint(workspace, newest)
    days = (local_today(workspace, now) - touch.local_date).days
    return ContactCard(contact, company_name, open_leads, touch, days, last_merge, promised)


def _card_contact(
    session: Session, workspace: Workspace, contact_id: str
) -> Row[tuple[Contact, str | None, str | None, str | None]]:
    """The contact (or the one it was merged into, as `get_contact`) with its points, its
    company's name and its newest merge not undone: one statement, more only after a merge.

    The lookup before a card reads rows, not entities (core/contacts/found.py), so the card
    loads the contact itself, in the statement it reads the company and merge with."""
    row = _card_contact_row(session, workspace, contact_id)
    for _ in range(9):  # merges re-point earlier merges, so one hop is the rule
        if row[0].merged_into_contact_id is None:
            break
        row = _card_contact_row(session, workspace, row[0].merged_into_contact_id)
    return row


def _card_contact_row(
    session: Session, workspace: Workspace, contact_id: str
) -> Row[tuple[Contact, str | None, str | None, str | None]]:
    params = {"ws": workspace.workspace_id, "contact_id": contact_id}
    row = session.execute(_card_contact_statement(), params).unique().one_or_none()
    if row is None:
        raise _no_contact(contact_id)
    return row


@cache
def _open_leads_statement() -> Select[tuple[Lead]]:
    """The contact's open leads, newest first: parameters `ws`, `contact_id`. Their contact is
    the card's, already in the session (not joined in again, nor its points read again)."""
    return (
        select(Lead)
        .where(
            Lead.workspace_id == bindparam("ws"),
            Lead.contact_id == bindparam("contact_id"),
            Lead.status.in_(OPEN_LEAD_STATUSES),
        )
        .options(lazyload(Lead.contact))
        .order_by(Lead.created_at.desc(), Lead.lead_id)
    )


@cache
def _card_contact_statement() -> Select[tuple[Contact, str | None, str | None, str | None]]:
    """The contact with its points, its company's name and the newest merge into it not undone
    (its id and the merged contact's name), in one row: parameters `ws`, `contact_id`."""
    company = (
        select(Company.name)
        .where(Company.workspace_id == bindparam("ws"), Company.company_id == Contact.company_id)
        .scalar_subquery()
    )
    newest_merge = (
        select(ContactMerge.merge_id, ContactMerge.other_id)
        .where(
            ContactMerge.workspace_id == bindparam("ws"),
            ContactMerge.survivor_id == bindparam("contact_id"),
            ContactMerge.undone_at.is_(None),
        )
        .order_by(ContactMerge.created_at.desc(), ContactMerge.merge_id.desc())
        .limit(1)
        .subquery()
    )
    other = aliased(Contact)
    merged_name = (
        select(other.first_name + func.coalesce(literal_column("' '") + other.last_name, ""))
        .where(other.contact_id == newest_merge.c.other_id)
        .scalar_subquery()
    )
    return (
        select(Contact, company, newest_merge.c.merge_id, merged_name)
        .outerjoin(newest_merge, true())
        .where(
            Contact.workspace_id == bindparam("ws"),
            Contact.contact_id == bindparam("contact_id", type_=String()),
        )
        .options(joinedload(Contact.points))
    )

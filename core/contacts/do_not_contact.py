"""Do not contact: a person who asked not to be contacted, and the stop it puts on every send.

The flag lives on the contact with who set it, when and why; each change is audited. Anyone
in the workspace may set it (the person who took the call is often staff); only an owner
may clear it, since clearing lets messages reach the customer again. Where it is enforced:

- `refuse_if_do_not_contact` before a follow-up is drafted, approved, claimed, marked sent
  and, holding the contact's row, just before the mailbox is reached (core/drafts/), so a
  flag committed before the send is never crossed, whatever raced with it;
- `may_contact`, an SQL condition the daily reports add to their one statement, so stale
  nudges, follow-ups and reminders for the contact's leads stop (core/reports/,
  core/activity/reminders.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, exists, select, union_all
from sqlalchemy.orm import Session, aliased

from core.common.validation import clean_text
from core.contacts.history import get_contact, load_contact
from core.errors import DoNotContact
from core.models import Contact, Workspace, utcnow
from core.platform.audit import audit, snapshot
from core.platform.transitions import apply_transition
from core.workspaces.service import require_owner

__all__ = [
    "REASON_LIMIT",
    "DoNotContactChange",
    "clear_do_not_contact",
    "do_not_contact_ids",
    "do_not_contact_message",
    "may_contact",
    "refuse_if_do_not_contact",
    "set_do_not_contact",
]

REASON_LIMIT = 500


@dataclass(frozen=True)
class DoNotContactChange:
    """The contact as it now stands, and whether this call changed it (False: already so)."""

    contact: Contact
    changed: bool


def set_do_not_contact(
    session: Session,
    *,
    workspace: Workspace,
    contact_id: str,
    actor: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> DoNotContactChange:
    """Mark the contact (or the survivor it was merged into) as not to be contacted.

    One conditional UPDATE: of two people marking at once, one sets it and is audited; the
    other is told it already was. Drafts waiting for them stay, but can no longer be approved.
    """
    text = clean_text(reason, field="reason", label="reason", limit=REASON_LIMIT, one_line=True)
    at = now or utcnow()
    values = dict(do_not_contact_at=at, do_not_contact_by=actor, do_not_contact_reason=text)
    return _flip(session, workspace, actor, contact_id, True, values, at)


def clear_do_not_contact(
    session: Session,
    *,
    workspace: Workspace,
    contact_id: str,
    actor: str,
    now: datetime | None = None,
) -> DoNotContactChange:
    """An owner lets messages reach the contact again; the audit log keeps who set it and why."""
    require_owner(workspace, actor, "clear do not contact")
    values = dict(do_not_contact_at=None, do_not_contact_by=None, do_not_contact_reason=None)
    return _flip(session, workspace, actor, contact_id, False, values, now or utcnow())


def _flip(
    session: Session,
    workspace: Workspace,
    actor: str,
    contact_id: str,
    flag: bool,
    values: dict[str, Any],
    at: datetime,
) -> DoNotContactChange:
    """Set the flag to `flag` with one conditional UPDATE from the other value, audited once."""
    contact = get_contact(session, workspace=workspace, contact_id=contact_id)
    if contact.do_not_contact == flag:
        return DoNotContactChange(contact, changed=False)
    before = snapshot(contact)
    changes = {**values, "do_not_contact": flag, "updated_at": at}
    if not apply_transition(
        session, contact, expected={"do_not_contact": not flag}, values=changes
    ):
        return DoNotContactChange(contact, changed=False)
    action = "set_do_not_contact" if flag else "clear_do_not_contact"
    audit(session, workspace, actor=actor, action=action, entity=contact, before=before)
    return DoNotContactChange(contact, changed=True)


def do_not_contact_message(contact: Contact) -> str:
    """Why nothing can go to this contact, as the person who tried is told."""
    why = f" ({contact.do_not_contact_reason})" if contact.do_not_contact_reason else ""
    return (
        f"{contact.full_name} is marked do not contact{why}, so nothing can be sent to them. "
        "An owner can clear it on their contact card."
    )


def refuse_if_do_not_contact(
    session: Session, *, workspace: Workspace, contact_id: str | None, lock: bool = False
) -> None:
    """Raise DoNotContact when the contact (or its merge survivor) asked not to be contacted.

    With `lock`, the contact rows are held (Postgres: FOR NO KEY UPDATE, which foreign-key
    checks do not wait on) until the caller's transaction ends: a flag being set waits for a
    send in progress, and a send waits for a flag being set and then sees it.
    """
    if contact_id is None:
        return
    contact = load_contact(session, workspace, contact_id)
    for _ in range(10):  # merges re-point earlier merges, so one hop is the rule
        if lock:
            contact = _locked(session, contact)
        if contact.do_not_contact:
            raise DoNotContact(do_not_contact_message(contact), contact_id=contact.contact_id)
        if contact.merged_into_contact_id is None:
            return
        contact = load_contact(session, workspace, contact.merged_into_contact_id)


def _locked(session: Session, contact: Contact) -> Contact:
    """The contact's committed row, held until the transaction ends."""
    found = session.scalar(
        select(Contact)
        .where(Contact.contact_id == contact.contact_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    assert found is not None  # the row was just read and contacts are never deleted
    return found


def do_not_contact_ids() -> CompoundSelect[tuple[str]]:
    """SQL: the ids of contacts marked do not contact and of those merged into one.

    Both start from the flag, so as a set they are a probe of the partial index
    `ix_contacts_left_out` (migration 0015_stale_page): a report filtering thousands of leads
    does not read every contact.
    """
    contact = aliased(Contact)
    survivor = aliased(Contact)
    return union_all(
        select(contact.contact_id).where(contact.do_not_contact),
        select(contact.contact_id)
        .join(survivor, contact.merged_into_contact_id == survivor.contact_id)
        .where(survivor.do_not_contact),
    )


def may_contact(contact_id: Any) -> ColumnElement[bool]:
    """SQL: true unless the contact with this id, or its merge survivor, is marked do not contact.

    A NOT EXISTS over `do_not_contact_ids`, so a report adds it to its one statement.
    """
    ids = do_not_contact_ids().subquery("do_not_contact")
    return ~exists().where(ids.c.contact_id == contact_id)

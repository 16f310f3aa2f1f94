"""Archiving a contact and restoring it: never a delete (hard stop 2).

An archived contact leaves the lists, name searches and digests (its leads with it) and keeps
every record; `/customer` still finds it, marked archived, with **Restore** on its card.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.contacts.history import load_contact
from core.errors import InvalidTransition
from core.models import Contact, Workspace
from core.platform.audit import audit, snapshot

__all__ = ["archive_contact", "restore_contact"]


def archive_contact(
    *, session: Session, workspace: Workspace, actor: str, contact_id: str
) -> Contact:
    """Take a contact out of lists, searches and digests without deleting it (hard stop 2)."""
    contact = load_contact(session, workspace, contact_id)
    if contact.archived:
        return contact
    before = snapshot(contact)
    contact.archived = True
    audit(session, workspace, actor=actor, action="archive_contact", entity=contact, before=before)
    return contact


def restore_contact(
    *, session: Session, workspace: Workspace, actor: str, contact_id: str
) -> Contact:
    """Bring an archived contact back into lists, searches and digests."""
    contact = load_contact(session, workspace, contact_id)
    if contact.merged_into_contact_id is not None:
        raise InvalidTransition(
            f"{contact.full_name} was merged into another contact; an owner can undo the merge "
            "from that contact's card."
        )
    if not contact.archived:
        return contact
    before = snapshot(contact)
    contact.archived = False
    audit(session, workspace, actor=actor, action="restore_contact", entity=contact, before=before)
    return contact

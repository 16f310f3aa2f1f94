"""Match contacts by normalized phone or email: one probe of the indexed lookup table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from core.common.enums import ContactPointKind
from core.models import Contact, ContactPoint


@dataclass
class ContactMatch:
    """An existing contact that shares a phone or email with the input."""

    contact: Contact
    matched_on: list[str] = field(default_factory=list)


def find_matching_contacts(
    session: Session,
    *,
    workspace_id: str,
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
    include_archived: bool = False,
) -> list[ContactMatch]:
    """Contacts with any of these (already normalized) phones or emails, best match first.

    A merged contact is never returned itself: its survivor is, since that is where the
    history now lives.
    """
    conditions = []
    if phones:
        conditions.append(
            and_(ContactPoint.kind == ContactPointKind.phone, ContactPoint.value.in_(phones))
        )
    if emails:
        conditions.append(
            and_(ContactPoint.kind == ContactPointKind.email, ContactPoint.value.in_(emails))
        )
    if not conditions:
        return []
    statement = (
        select(Contact, ContactPoint.value)
        .join(ContactPoint, ContactPoint.contact_id == Contact.contact_id)
        .where(ContactPoint.workspace_id == workspace_id, or_(*conditions))
        .order_by(Contact.created_at, Contact.contact_id)
    )
    if not include_archived:
        statement = statement.where(Contact.merged_into_contact_id.is_(None), ~Contact.archived)
    matches: dict[str, ContactMatch] = {}
    for contact, value in session.execute(statement):
        match = matches.setdefault(contact.contact_id, ContactMatch(contact))
        match.matched_on.append(value)
    return sorted(matches.values(), key=lambda m: -len(m.matched_on))


def set_contact_points(
    contact: Contact, *, phones: Sequence[str] = (), emails: Sequence[str] = ()
) -> None:
    """Append phones and emails (normalized) the contact does not have yet, keeping order."""
    have = {(p.kind, p.value) for p in contact.points}
    position = max((p.position for p in contact.points), default=-1) + 1
    for kind, values in ((ContactPointKind.phone, phones), (ContactPointKind.email, emails)):
        for value in values:
            if (kind, value) in have:
                continue
            contact.points.append(
                ContactPoint(
                    workspace_id=contact.workspace_id,
                    kind=kind,
                    value=value,
                    position=position,
                )
            )
            have.add((kind, value))
            position += 1

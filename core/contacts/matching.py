"""Match contacts by normalized phone or email: one probe of the indexed lookup table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

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
    history now lives. One statement (each contact's points come in the same one), built once.
    """
    if not phones and not emails:
        return []
    statement = _match_statement(bool(phones), bool(emails), include_archived)
    rows = session.execute(
        statement, {"ws": workspace_id, "phones": list(phones), "emails": list(emails)}
    ).unique()
    matches: dict[str, ContactMatch] = {}
    for contact, value in rows:
        match = matches.setdefault(contact.contact_id, ContactMatch(contact))
        match.matched_on.append(value)
    return sorted(matches.values(), key=lambda m: -len(m.matched_on))


@cache
def _match_statement(
    phones: bool, emails: bool, include_archived: bool
) -> Select[tuple[Contact, str]]:
    """The probe of the (workspace, kind, value) index, with the contacts and their points
    joined in: parameters `ws`, `phones`, `emails`. Building it per call cost more than
    running it (docs/performance.md)."""
    hit = aliased(ContactPoint, name="hit")
    conditions = []
    if phones:
        conditions.append(
            and_(
                hit.kind == ContactPointKind.phone,
                hit.value.in_(bindparam("phones", expanding=True)),
            )
        )
    if emails:
        conditions.append(
            and_(
                hit.kind == ContactPointKind.email,
                hit.value.in_(bindparam("emails", expanding=True)),
            )
        )
    statement = (
        select(Contact, hit.value)
        .join(hit, hit.contact_id == Contact.contact_id)
        .where(hit.workspace_id == bindparam("ws"), or_(*conditions))
        .options(joinedload(Contact.points))
        .order_by(Contact.created_at, Contact.contact_id, hit.position, hit.id)
    )
    if not include_archived:
        statement = statement.where(Contact.merged_into_contact_id.is_(None), ~Contact.archived)
    return statement


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

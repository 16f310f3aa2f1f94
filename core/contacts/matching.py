"""Match contacts by normalized phone or email: one probe of the indexed lookup table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Select, String, and_, any_, bindparam, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
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
    arrays = (
        len(phones) + len(emails) > _ARRAY_ABOVE and session.get_bind().dialect.name == "postgresql"
    )
    shapes = _shape(phones, arrays), _shape(emails, arrays)
    statement = _match_statement(*shapes, include_archived)
    params = {"ws": workspace_id, "phones": list(phones), "emails": list(emails)}
    if shapes[0] >= 0:
        params |= {f"phone_{i}": value for i, value in enumerate(phones)}
    if shapes[1] >= 0:
        params |= {f"email_{i}": value for i, value in enumerate(emails)}
    rows = session.execute(statement, params).unique()
    matches: dict[str, ContactMatch] = {}
    for contact, value in rows:
        match = matches.setdefault(contact.contact_id, ContactMatch(contact))
        match.matched_on.append(value)
    return sorted(matches.values(), key=lambda m: -len(m.matched_on))


_FIXED_UP_TO = 4
"""Up to this many phones (or emails) are one parameter each, in a statement of their own; more
are one expanding parameter, whose SQL is rewritten on every call."""


#: Above this many phones and emails (an import) Postgres gets each list as one array
#: parameter (`value = ANY(:phones)`) rather than a placeholder per value: one statement
#: whatever the file's size, and no SQL text of 100,000 placeholders to build and parse.
_ARRAY_ABOVE = 64
_EXPANDING, _ARRAY = -1, -2


def _shape(values: Sequence[str], arrays: bool) -> int:
    """How many values the statement takes as parameters of their own, else `_EXPANDING` or
    `_ARRAY`."""
    if arrays and values:
        return _ARRAY
    return len(values) if len(values) <= _FIXED_UP_TO else _EXPANDING


def _in(column: Any, name: str, shape: int) -> Any:
    if shape == _ARRAY:
        return column == any_(bindparam(f"{name}s", type_=ARRAY(String)))
    if shape == _EXPANDING:
        return column.in_(bindparam(f"{name}s", expanding=True))
    return column.in_([bindparam(f"{name}_{i}", type_=String()) for i in range(shape)])


@cache
def _match_statement(
    phones: int, emails: int, include_archived: bool
) -> Select[tuple[Contact, str]]:
    """The probe of the (workspace, kind, value) index, with the contacts and their points
    joined in: parameters `ws` and `phone_0`... and `email_0`... (`phones` and `emails` past
    `_FIXED_UP_TO`, as arrays past `_ARRAY_ABOVE` on Postgres). Building it per call cost
    more than running it (docs/performance.md)."""
    hit = aliased(ContactPoint, name="hit")
    conditions = []
    if phones:
        conditions.append(and_(hit.kind == ContactPointKind.phone, _in(hit.value, "phone", phones)))
    if emails:
        conditions.append(and_(hit.kind == ContactPointKind.email, _in(hit.value, "email", emails)))
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

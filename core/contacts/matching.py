"""Match contacts by normalized phone or email: one probe of the indexed lookup table.

Write paths load the contacts matched (`find_matching_contacts`); lookups read them as rows
(`find_contacts_by_points`): the same probe, built in one place (`_probe`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import FromClause, Select, String, and_, any_, bindparam, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, joinedload

from core.common.enums import ContactPointKind
from core.contacts.found import FoundContact, found_columns, point_alias, read_found, read_rows
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
    """Contacts with any of these (already normalized) phones or emails, best match first, as
    ORM entities for the write paths that change them (claims, imports, inquiries).

    A merged contact comes only with `include_archived`, and callers skip it: its survivor,
    which was given its points, is where the history now lives. One statement (each contact's
    points come in the same one), built once.
    """
    if not phones and not emails:
        return []
    shapes, params = _shapes_and_params(session, workspace_id, phones, emails)
    rows = session.execute(_match_statement(*shapes, include_archived), params).unique()
    matches: dict[str, ContactMatch] = {}
    for contact, value in rows:
        match = matches.setdefault(contact.contact_id, ContactMatch(contact))
        match.matched_on.append(value)
    return sorted(matches.values(), key=lambda m: -len(m.matched_on))


@dataclass(frozen=True)
class FoundMatch:
    """A contact a lookup found by phone or email (read, not loaded), and the values matched."""

    contact: FoundContact
    matched_on: tuple[str, ...]


def find_contacts_by_points(
    session: Session,
    *,
    workspace_id: str,
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
    include_archived: bool = False,
) -> list[FoundMatch]:
    """`find_matching_contacts` for the lookups, which change nothing: the same probe and
    order, read as rows (core/contacts/found.py), one statement built once."""
    if not phones and not emails:
        return []
    shapes, params = _shapes_and_params(session, workspace_id, phones, emails)
    rows = read_rows(session, _found_statement(*shapes, include_archived), params)
    found = read_found(rows)
    matched: dict[str, dict[str, None]] = {contact_id: {} for contact_id in found}
    for row in rows:
        matched[row[0]][row[-1]] = None
    matches = [FoundMatch(contact, tuple(matched[cid])) for cid, contact in found.items()]
    return sorted(matches, key=lambda m: -len(m.matched_on))


def _shapes_and_params(
    session: Session, workspace_id: str, phones: Sequence[str], emails: Sequence[str]
) -> tuple[tuple[int, int], dict[str, Any]]:
    """The statement's shape for these values (see `_shape`) and its parameters."""
    arrays = (
        len(phones) + len(emails) > _ARRAY_ABOVE and session.get_bind().dialect.name == "postgresql"
    )
    shapes = _shape(phones, arrays), _shape(emails, arrays)
    params: dict[str, Any] = {"ws": workspace_id, "phones": list(phones), "emails": list(emails)}
    if shapes[0] >= 0:
        params |= {f"phone_{i}": value for i, value in enumerate(phones)}
    if shapes[1] >= 0:
        params |= {f"email_{i}": value for i, value in enumerate(emails)}
    return shapes, params


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


_CONTACTS = Contact.__table__.c


@cache
def _match_statement(
    phones: int, emails: int, include_archived: bool
) -> Select[tuple[Contact, str]]:
    """The probe (`_probe`) loading each contact with its points: parameters `ws` and
    `phone_0`... and `email_0`... (`phones` and `emails` past `_FIXED_UP_TO`, as arrays past
    `_ARRAY_ABOVE` on Postgres). Building it per call cost more than running it
    (docs/performance.md)."""
    hit = point_alias("hit")
    statement = select(Contact, hit.c.value).options(joinedload(Contact.points))
    return _probe(statement, hit, phones, emails, include_archived)


@cache
def _found_statement(phones: int, emails: int, include_archived: bool) -> Select[Any]:
    """The same probe read as Core rows: `found_columns`, then the value matched. Parameters
    as `_match_statement`'s."""
    hit, point = point_alias("hit"), point_alias("point")
    statement = _probe(
        select(*found_columns(point), hit.c.value), hit, phones, emails, include_archived
    )
    return statement.outerjoin(point, point.c.contact_id == _CONTACTS.contact_id).order_by(
        point.c.position, point.c.id
    )


def _probe(
    statement: Select[Any], hit: FromClause, phones: int, emails: int, include_archived: bool
) -> Select[Any]:
    """`statement` (whose FROM is the contacts) joined to its matching points `hit`: a probe
    of the (workspace, kind, value) index, oldest contact first, then the order of its
    points. Written in table columns, so a statement of columns stays Core."""
    conditions = []
    if phones:
        conditions.append(
            and_(hit.c.kind == ContactPointKind.phone, _in(hit.c.value, "phone", phones))
        )
    if emails:
        conditions.append(
            and_(hit.c.kind == ContactPointKind.email, _in(hit.c.value, "email", emails))
        )
    statement = (
        statement.join(hit, hit.c.contact_id == _CONTACTS.contact_id)
        .where(hit.c.workspace_id == bindparam("ws"), or_(*conditions))
        .order_by(_CONTACTS.created_at, _CONTACTS.contact_id, hit.c.position, hit.c.id)
    )
    if not include_archived:
        statement = statement.where(_CONTACTS.merged_into_contact_id.is_(None), ~_CONTACTS.archived)
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

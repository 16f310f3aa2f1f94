"""What a lookup reads of a contact: a frozen row, not an ORM entity.

A phone, email or name lookup answers "who is this?" and nothing in it changes a contact, so
it reads the contact's columns and its points as plain rows of one statement: making a
`Contact` with its points through the ORM cost more than the statement itself
(docs/performance.md). A request that goes on to change the contact loads it by its id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Executable, FromClause, Row
from sqlalchemy.orm import Session

from core.common.enums import ContactPointKind
from core.models import Contact, ContactPoint

__all__ = [
    "FoundContact",
    "Person",
    "found_columns",
    "point_alias",
    "read_found",
    "read_rows",
]


class Person(Protocol):
    """What a choice of people shows of each: a `Contact`, or a `FoundContact` a lookup read."""

    @property
    def contact_id(self) -> str: ...

    @property
    def full_name(self) -> str: ...

    @property
    def phones(self) -> list[str]: ...

    @property
    def emails(self) -> list[str]: ...

    @property
    def address(self) -> str | None: ...

    @property
    def do_not_contact(self) -> bool: ...


@dataclass(frozen=True)
class FoundContact:
    """A contact as a lookup found it: its columns and its points (kind, value) in order.

    `full_name`, `phones` and `emails` answer as `Contact`'s do (core/models/records.py)."""

    contact_id: str
    first_name: str
    last_name: str | None
    address: str | None
    archived: bool
    merged_into_contact_id: str | None
    do_not_contact: bool
    points: tuple[tuple[ContactPointKind, str], ...] = ()

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def phones(self) -> list[str]:
        return [value for kind, value in self.points if kind == ContactPointKind.phone]

    @property
    def emails(self) -> list[str]:
        return [value for kind, value in self.points if kind == ContactPointKind.email]


_CONTACTS = Contact.__table__.c
_CONTACT_COLUMNS = (
    _CONTACTS.contact_id,
    _CONTACTS.first_name,
    _CONTACTS.last_name,
    _CONTACTS.address,
    _CONTACTS.archived,
    _CONTACTS.merged_into_contact_id,
    _CONTACTS.do_not_contact,
)


def point_alias(name: str) -> FromClause:
    """The contact points table under `name`, for a statement that reads it twice."""
    return ContactPoint.__table__.alias(name)


def found_columns(point: FromClause) -> tuple[ColumnElement[Any], ...]:
    """The columns `read_found` reads, first in a statement's row: the contact's, then the
    kind and value of `point` (a `point_alias` of the contact's points, outer-joined).

    Table columns, not the model's attributes: a statement of them runs as Core, which cost
    half of the ORM's handling of the same statement (docs/performance.md)."""
    return (*_CONTACT_COLUMNS, point.c.kind, point.c.value)


def read_rows(
    session: Session, statement: Executable, params: dict[str, Any]
) -> Sequence[Row[Any]]:
    """The rows of a Core statement, after the flush an ORM statement would make first (so
    a lookup sees what this transaction has added)."""
    if session.autoflush:
        session.flush()
    return session.execute(statement, params).all()


_POINT_KIND = len(_CONTACT_COLUMNS)


def read_found(rows: Iterable[Row[Any]]) -> dict[str, FoundContact]:
    """Each contact of rows that begin with `found_columns`, by id in the order first seen.

    A contact's rows may repeat its points (once per phone or email that matched); each point
    is kept once, in the order first seen, which is the contact's order when each repeat comes
    in position order."""
    firsts: dict[str, Row[Any]] = {}
    points: dict[str, dict[tuple[ContactPointKind, str], None]] = {}
    for row in rows:
        if row[0] not in firsts:
            firsts[row[0]] = row
            points[row[0]] = {}
        kind, value = row[_POINT_KIND], row[_POINT_KIND + 1]
        if kind is not None:
            points[row[0]][(kind, value)] = None
    return {
        contact_id: FoundContact(
            contact_id, row[1], row[2], row[3], row[4], row[5], row[6], tuple(points[contact_id])
        )
        for contact_id, row in firsts.items()
    }

"""The contacts a typed name could be: on Postgres a pg_trgm index probe, ranked and limited in
SQL; on SQLite every name, one narrow query (small books, no trigram index).

The fuzzy score the caller shows (rapidfuzz WRatio, `core/contacts/search.py`) is the same on
both: Postgres only narrows the candidates first, with the GIN index the `0005` migration made
on `NAME_KEY`, so a name search costs an index probe however many contacts there are.
"""

from __future__ import annotations

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    String,
    bindparam,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from core.models import Contact, Workspace

__all__ = ["NAME_CANDIDATES", "NAME_KEY", "name_candidates"]

NAME_CANDIDATES = 50
"""Contacts a trigram probe hands on to the fuzzy scorer, best first."""

#: The lower-cased full name, exactly the expression the trigram index holds.
NAME_KEY: ColumnElement[str] = func.lower(
    Contact.first_name + func.coalesce(literal_column("' '") + Contact.last_name, "")
)


def name_candidates(
    session: Session, *, workspace: Workspace, text: str, include_archived: bool
) -> list[tuple[str, str, str]]:
    """(contact_id, first name, full name) of the unmerged contacts `text` could name."""
    statement: Select[tuple[str, str, str | None]] = select(
        Contact.contact_id, Contact.first_name, Contact.last_name
    ).where(
        Contact.workspace_id == workspace.workspace_id,
        Contact.merged_into_contact_id.is_(None),
    )
    if not include_archived:
        statement = statement.where(~Contact.archived)
    if session.get_bind().dialect.name == "postgresql":
        statement = _trigram_probe(statement, text)
    else:
        statement = statement.order_by(Contact.created_at, Contact.contact_id)
    return [
        (cid, first, " ".join(part for part in (first, last) if part))
        for cid, first, last in session.execute(statement)
    ]


def _trigram_probe(
    statement: Select[tuple[str, str, str | None]], text: str
) -> Select[tuple[str, str, str | None]]:
    """Names similar to `text` as a whole (`%`) or containing a word like it (`<%`): both
    answered by the GIN index; the exact name first, then the closest, `NAME_CANDIDATES` of them.
    A first name alone (`dana`) matches as a word of the full name."""
    typed: BindParameter[str] = bindparam(
        "typed_name", " ".join(text.split()).lower(), type_=String()
    )
    return (
        statement.where(or_(NAME_KEY.op("%")(typed), typed.op("<%")(NAME_KEY)))
        .order_by(
            (NAME_KEY == typed).desc(),
            (func.lower(Contact.first_name) == typed).desc(),
            func.word_similarity(typed, NAME_KEY).desc(),
            func.similarity(NAME_KEY, typed).desc(),
            Contact.created_at,
            Contact.contact_id,
        )
        .limit(NAME_CANDIDATES)
    )

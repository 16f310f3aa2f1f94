"""The contacts a typed name could be: first the one it names exactly, from a btree probe;
else on Postgres a pg_trgm index probe, ranked and limited in SQL; on SQLite every name, one
narrow query (small books, no trigram index).

`/customer Dana Smith` usually names one person exactly: `exact_name_match` finds them with
the btree indexes on the lower-cased full name and first name (migration 0016) in well under a
millisecond at any size, where the trigram probe rechecks every name sharing a word.

The fuzzy score the caller shows (rapidfuzz WRatio, `core/contacts/search.py`) is the same on
both: Postgres only narrows the candidates first, with the GIN index the `0005` migration made
on `NAME_KEY`, so a name search costs an index probe however many contacts there are.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    String,
    bindparam,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from core.models import Contact, Workspace

__all__ = [
    "NAME_CANDIDATES",
    "NAME_KEY",
    "WORD_MATCHES_ENOUGH",
    "exact_name_match",
    "name_candidates",
]

NAME_CANDIDATES = 50
"""Contacts a trigram probe hands on to the fuzzy scorer, best first."""
WORD_MATCHES_ENOUGH = 10
"""Names with a word like the typed one past which the whole-name probe is not run (a search
shows ten)."""

#: The lower-cased full name, exactly the expression the trigram index holds.
NAME_KEY: ColumnElement[str] = func.lower(
    Contact.first_name + func.coalesce(literal_column("' '") + Contact.last_name, "")
)


def exact_name_match(
    session: Session, *, workspace: Workspace, text: str, include_archived: bool
) -> str | None:
    """The id of the one unmerged contact `text` names exactly, else None (nobody, or several).

    Exactly `resolve_person`'s first rule on the candidates (core/contacts/search.py): the one
    whose whole name is the text, or with no such name the one whose first name is; the
    candidates always hold these first, so the answer is the same without ranking anyone
    else. One statement, two LIMIT 2 probes of btree indexes. Only for ASCII text, where SQL's
    `lower` and Python's `casefold` agree; any other text goes the candidates' way.
    """
    typed = " ".join(text.split()).lower()
    if not typed or not typed.isascii() or "\x00" in typed:
        return None
    rows = session.execute(
        _exact_statement(include_archived), {"ws": workspace.workspace_id, "typed_name": typed}
    ).all()
    whole = [cid for cid, tier in rows if tier == 0]
    if whole:
        return whole[0] if len(whole) == 1 else None
    first = [cid for cid, tier in rows if tier == 1]
    return first[0] if len(first) == 1 else None


@cache
def _exact_statement(include_archived: bool) -> Select[tuple[str, int]]:
    """Built once: up to two contacts whose whole name is `typed_name` (tier 0) and up to two
    whose first name is (tier 1). Parameters `ws` and `typed_name`.

    The whole name is `Contact.full_name`, which leaves out an empty part where `NAME_KEY`
    keeps its space: all three spellings are probes of the same index."""
    typed: BindParameter[str] = bindparam("typed_name", type_=String())
    first = func.lower(Contact.first_name)

    def two(tier: int, *where: ColumnElement[bool]) -> Any:
        statement = select(Contact.contact_id, literal(tier).label("tier")).where(
            Contact.workspace_id == bindparam("ws", type_=String()),
            Contact.merged_into_contact_id.is_(None),
            *where,
        )
        if not include_archived:
            statement = statement.where(~Contact.archived)
        # Unordered: two say "several" whichever they are, and the index stops there. A
        # subquery each: SQLite takes no LIMIT on a member of a UNION.
        found = statement.limit(2).subquery()
        return select(found.c.contact_id, found.c.tier)

    whole = NAME_KEY.in_([typed, typed + literal_column("' '"), literal_column("' '") + typed])
    return union_all(two(0, whole), two(1, first == typed))  # type: ignore[return-value]


def name_candidates(
    session: Session, *, workspace: Workspace, text: str, include_archived: bool
) -> list[tuple[str, str, str]]:
    """(contact_id, first name, full name) of the unmerged contacts `text` could name."""
    trigram = session.get_bind().dialect.name == "postgresql"
    params = {"ws": workspace.workspace_id}
    if trigram:
        # No stored name holds a NUL (Postgres takes none), and Postgres refuses one in a
        # parameter: it separates words like a space.
        typed = " ".join(text.replace("\x00", " ").split()).lower()
        if not typed:
            return []
        params["typed_name"] = typed
    return [
        (cid, first, " ".join(part for part in (first, last) if part))
        for cid, first, last in session.execute(_statement(trigram, include_archived), params)
    ]


@cache
def _statement(trigram: bool, include_archived: bool) -> Select[tuple[str, str, str | None]]:
    """Built once per shape (building it per call cost more than running it): parameters `ws`
    and, for the trigram probe, `typed_name`."""
    statement: Select[tuple[str, str, str | None]] = select(
        Contact.contact_id, Contact.first_name, Contact.last_name
    ).where(
        Contact.workspace_id == bindparam("ws", type_=String()),
        Contact.merged_into_contact_id.is_(None),
    )
    if not include_archived:
        statement = statement.where(~Contact.archived)
    if trigram:
        return _trigram_probe(statement)
    return statement.order_by(Contact.created_at, Contact.contact_id)


def _trigram_probe(
    statement: Select[tuple[str, str, str | None]],
) -> Select[tuple[str, str, str | None]]:
    """Names containing a word like the typed name (`<%`), then names similar to it as a
    whole (`%`): both answered by the GIN index; the exact name first, then the closest,
    `NAME_CANDIDATES` of them. A first name alone (`dana`) matches as a word of the full name.

    Every `<%` match ranks above every `%`-only one (an exact name has a word similarity of 1,
    and the order after the exact ones is by word similarity). On a common name the `%` probe
    rechecks thousands of rows, so it runs only when the `<%` one found fewer than
    `WORD_MATCHES_ENOUGH`: more than a search shows are then already at hand, all closer.
    """
    typed: BindParameter[str] = bindparam("typed_name", type_=String())
    rank = (
        (NAME_KEY == typed).label("exact"),
        (func.lower(Contact.first_name) == typed).label("first_exact"),
        func.word_similarity(typed, NAME_KEY).label("word_similarity"),
        func.similarity(NAME_KEY, typed).label("similarity"),
        Contact.created_at,
    )
    order = (rank[0].desc(), rank[1].desc(), rank[2].desc(), rank[3].desc(), rank[4])

    def best(*where: ColumnElement[bool]) -> Select[Any]:
        return (
            statement.add_columns(*rank)
            .where(*where)
            .order_by(*order, Contact.contact_id)
            .limit(NAME_CANDIDATES)
        )

    has_a_word_like = typed.op("<%")(NAME_KEY)
    words = best(has_a_word_like).cte("word_matches")
    rest = best(NAME_KEY.op("%")(typed), ~has_a_word_like).subquery("whole_matches")
    found_enough = select(func.count()).select_from(words).scalar_subquery() >= WORD_MATCHES_ENOUGH
    both = union_all(
        select(literal(0).label("tier"), words),
        select(literal(1).label("tier"), rest).where(~found_enough),
    ).subquery("candidates")
    c = both.c
    return (
        select(c.contact_id, c.first_name, c.last_name)
        .order_by(
            c.tier,
            c.exact.desc(),
            c.first_exact.desc(),
            c.word_similarity.desc(),
            c.similarity.desc(),
            c.created_at,
            c.contact_id,
        )
        .limit(NAME_CANDIDATES)
    )

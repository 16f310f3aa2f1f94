"""The tally tables, and their folding into one row per key (docs/performance.md, "Tallies").

A write adds signed delta rows to a tally (database triggers, migrations 0019 and 0020), so a
key's rows pile up; a reader sums them, whatever their number. Folding replaces each key's rows
with one row of their sums (none when every sum is zero), so a read sums about one row per key.
Correct answers never depend on it: only read speed does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    Column,
    ColumnElement,
    CursorResult,
    Select,
    Table,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from core.models import Base, DealTally, FollowUpTally, LeadTally, TouchTally

__all__ = ["TALLIES", "TallyTable", "fold_tallies"]


@dataclass(frozen=True)
class TallyTable:
    """A tally: the columns its rows are keyed by (after the workspace) and those it sums."""

    model: type[Base]
    keys: tuple[str, ...]
    sums: tuple[str, ...]

    @property
    def table(self) -> Table:
        table: Table = self.model.__table__  # type: ignore[assignment]
        return table


TALLIES: tuple[TallyTable, ...] = (
    TallyTable(
        LeadTally, ("status", "pipeline_stage"), ("leads", "estimated_value", "created_days")
    ),
    TallyTable(DealTally, ("stage",), ("deals", "amount")),
    TallyTable(TouchTally, ("status", "touch_day"), ("leads",)),
    TallyTable(FollowUpTally, ("follow_up_date",), ("follow_ups",)),
)


def fold_tallies(session: Session) -> int:
    """Fold every tally's keys that have more than one row (or only zeros); the rows removed.

    Core statements, not the ORM: tally rows are derived data nobody loads as objects, and
    `core.platform.db` refuses ORM deletes of records, which these are not. On Postgres each
    table is one statement whose DELETE returns exactly the rows it removed, summed back in the
    same statement: a row committed by a writer meanwhile is not among them and stays, and of
    two folds at once the second finds the rows gone and sums nothing twice. SQLite has one
    writer at a time, so the sums are inserted and the rows folded deleted (by id, up to the
    newest one read) in the same transaction.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    removed = 0
    for tally in TALLIES:
        if postgres:
            removed += _fold_postgres(session, tally)
        else:
            removed += _fold_sqlite(session, tally)
    return removed


def _columns(tally: TallyTable) -> tuple[list[Column[Any]], list[Column[Any]]]:
    table = tally.table
    keys = [table.c.workspace_id, *(table.c[name] for name in tally.keys)]
    return keys, [table.c[name] for name in tally.sums]


def _foldable(tally: TallyTable, *where: ColumnElement[bool]) -> Select[Any]:
    """The keys worth folding: more than one row, or a single row of zeros."""
    keys, sums = _columns(tally)
    return (
        select(*keys)
        .where(*where)
        .group_by(*keys)
        .having(or_(func.count() > 1, and_(*(func.sum(c) == 0 for c in sums))))
    )


def _fold_postgres(session: Session, tally: TallyTable) -> int:
    keys, sums = _columns(tally)
    table = tally.table
    gone = (
        delete(table).where(tuple_(*keys).in_(_foldable(tally))).returning(*keys, *sums).cte("gone")
    )
    gone_keys = [gone.c[c.name] for c in keys]
    totals = (
        select(*gone_keys, *(func.sum(gone.c[c.name]) for c in sums))
        .group_by(*gone_keys)
        .having(or_(*(func.sum(gone.c[c.name]) != 0 for c in sums)))
    )
    added = insert(table).from_select([c.name for c in (*keys, *sums)], totals).cte("added")
    # Postgres runs every data-modifying WITH to completion, read or not.
    removed = select(func.count()).select_from(gone).add_cte(added)
    return int(session.execute(removed).scalar_one())


def _fold_sqlite(session: Session, tally: TallyTable) -> int:
    keys, sums = _columns(tally)
    table = tally.table
    newest = session.execute(select(func.max(table.c.tally_id))).scalar_one()
    if newest is None:
        return 0
    read = table.c.tally_id <= newest
    folded = and_(read, tuple_(*keys).in_(_foldable(tally, read)))
    totals = (
        select(*keys, *(func.sum(c) for c in sums))
        .where(folded)
        .group_by(*keys)
        .having(or_(*(func.sum(c) != 0 for c in sums)))
    )
    session.execute(insert(table).from_select([c.name for c in (*keys, *sums)], totals))
    return cast(CursorResult[Any], session.execute(delete(table).where(folded))).rowcount

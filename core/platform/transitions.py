"""State transitions decided by the database: one conditional UPDATE per change of state.

Two clicks, retries or processes may read a record in the same state at once. Each then
writes with `UPDATE ... WHERE <primary key> AND <the state it read>`; the database applies
the first and finds nothing to update for the others (on Postgres a second writer waits on
the row lock, then re-checks the condition against the committed row; SQLite serializes
writers). So a transition happens once, with one audit row and one post, and the losers are
told what already happened (docs/transitions.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, inspect, update
from sqlalchemy.orm import Session

from core.models import Base

__all__ = ["apply_transition"]


def apply_transition(
    session: Session,
    record: Base,
    *,
    expected: Mapping[str, Any],
    values: Mapping[str, Any],
    also: tuple[ColumnElement[bool], ...] = (),
) -> bool:
    """Set `values` on `record`'s row only while its columns still hold `expected`.

    True when this call made the change; False when another transaction changed the row
    first. Either way `record` is refreshed from the database, so the caller shows the state
    as it now is. `also` adds conditions a plain equality cannot say (a date not yet passed).
    """
    mapper = inspect(record).mapper
    model = mapper.class_
    keys = mapper.primary_key
    identity = mapper.primary_key_from_instance(record)
    conditions = [column == value for column, value in zip(keys, identity, strict=True)]
    for name, value in expected.items():
        column = getattr(model, name)
        conditions.append(column.is_(None) if value is None else column == value)
    statement = (
        update(model)
        .where(*conditions, *also)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    changed = cast(CursorResult[Any], session.execute(statement)).rowcount == 1
    session.refresh(record)
    return changed

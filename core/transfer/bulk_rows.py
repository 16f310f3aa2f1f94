"""Many new rows of one table in one statement: COPY on Postgres, one executemany elsewhere.

An import writes a row per contact, per phone or email and per audit entry. Sent as an INSERT
per row (a driver executemany, even pipelined) Postgres parsed, bound and ran each one, and
that was most of a 100,000-row import; COPY streams them in one statement of the caller's
transaction. Each value goes through its column's own bind processing first (enums as their
values, timestamps in UTC) and JSON as its text, so the rows are the ones an INSERT writes.
SQLite keeps the plain path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert
from sqlalchemy.orm import Session

from core.platform.driver_rows import sent_to_driver

__all__ = ["insert_rows"]


def insert_rows(session: Session, table: Table, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert `rows` (every one with the same keys, which are column names) in one statement.
    On Postgres each row is made as COPY sends it: pass a generator and Python makes the
    next rows while Postgres writes the last ones."""
    stream = iter(rows)
    first = next(stream, None)
    if first is None:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(table), [first, *stream])
        return
    names = list(first)
    values_of = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    convert = [
        (index, process)
        for index, name in enumerate(names)
        if (process := _converter(connection, table, name)) is not None
    ]
    quote = connection.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(map(quote, names))}) FROM STDIN"
    cursor: Any = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, sent_to_driver(connection, cursor, statement), cursor.copy(statement) as copy:
        write = copy.write_row
        for row in chain((first,), stream):
            values = list(values_of(row))
            for index, process in convert:  # only the columns whose type changes the value
                values[index] = process(values[index])
            write(values)


def _converter(connection: Connection, table: Table, name: str) -> Callable[[Any], Any] | None:
    """What the column's type does to a Python value before the driver sends it, if anything."""
    column_type = table.c[name].type
    if isinstance(column_type, JSON):  # None is JSON null unless the column says SQL NULL
        null = None if column_type.none_as_null else "null"
        return lambda value: null if value is None else json.dumps(value)
    return column_type.bind_processor(connection.dialect)

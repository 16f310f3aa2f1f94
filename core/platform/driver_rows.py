"""A hot report's rows read through the driver on Postgres, from the statement SQLAlchemy built.

A report Postgres answers in under a millisecond spent more in SQLAlchemy's execution (the
compiled-cache lookup, parameter and result handling) and in psycopg's rewriting of `%(name)s`
placeholders (cached only for texts up to 4,096 characters) than in Postgres
(docs/performance.md). `report_rows` compiles such a statement once, with Postgres's own `$1`
placeholders, and runs it on the session connection's psycopg cursor: in the session's
transaction, with each parameter and column processed by its SQLAlchemy type as SQLAlchemy
would, the engine's listeners told of it as of any statement, and a driver error raised as
SQLAlchemy raises one. The statement may not need SQLAlchemy to render anything per call (no
expanding IN list, no `literal_execute`): write such values into it when it is built.

Other databases run the statement through SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from psycopg import RawCursor
from sqlalchemy import Connection, Select
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.exc import DBAPIError, StatementError

__all__ = ["report_rows", "sent_to_driver"]

_Process = Callable[[Any], Any]

#: Compiles with `$1` placeholders, a number per distinct parameter, as psycopg's RawCursor
#: sends them: nothing is rewritten per call.
_DOLLAR = PGDialect_psycopg(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class _DriverStatement:
    sql: str
    names: tuple[str, ...]  # the parameter behind each placeholder, in order
    defaults: Mapping[str, Any]  # values the statement carries, already processed
    bind: Mapping[str, _Process]  # a parameter's type's processing, where it has one
    columns: tuple[tuple[int, _Process], ...]  # a column's type's processing, where it has one


def report_rows(
    connection: Connection, statement: Select[Any], params: Mapping[str, Any]
) -> Sequence[Sequence[Any]]:
    """The rows of `statement`, values as SQLAlchemy would give them, read by position."""
    if connection.dialect.name != "postgresql":
        return connection.execute(statement, params).all()
    compiled = _driver_statement(statement)
    try:
        values = tuple(_value(compiled, name, params) for name in compiled.names)
    except Exception as error:  # a type refused a value: as SQLAlchemy raises it
        raise StatementError(str(error), compiled.sql, params, error) from error
    driver: Any = connection.connection.driver_connection
    cursor: Any = RawCursor(driver)
    with cursor, sent_to_driver(connection, cursor, compiled.sql, values):
        cursor.execute(compiled.sql, values)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    if not compiled.columns:
        return rows
    processed = []
    for row in rows:
        values_of_row = list(row)
        for index, process in compiled.columns:
            values_of_row[index] = process(values_of_row[index])
        processed.append(values_of_row)
    return processed


def _value(compiled: _DriverStatement, name: str, params: Mapping[str, Any]) -> Any:
    if name not in params:
        return compiled.defaults[name]
    process = compiled.bind.get(name)
    return params[name] if process is None else process(params[name])


@lru_cache(maxsize=64)
def _driver_statement(statement: Select[Any]) -> _DriverStatement:
    """Compiled once (the statements read this way are themselves built once and kept)."""
    compiled = statement.compile(dialect=_DOLLAR)
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise ValueError("a statement read through the driver must render nothing per call")
    bind: dict[str, _Process] = {}
    for name, parameter in compiled.binds.items():
        if (process := parameter.type.dialect_impl(_DOLLAR).bind_processor(_DOLLAR)) is not None:
            bind[name] = process
    defaults = {
        name: bind[name](value) if name in bind else value
        for name, value in compiled.params.items()
        if value is not None
    }
    columns = tuple(
        (index, process)
        for index, column in enumerate(statement.selected_columns)
        if (process := column.type.dialect_impl(_DOLLAR).result_processor(_DOLLAR, None))
        is not None
    )
    names = tuple(compiled.positiontup or ())
    return _DriverStatement(compiled.string, names, defaults, bind, columns)


@contextmanager
def sent_to_driver(
    connection: Connection, cursor: Any, statement: str, parameters: Any = None
) -> Iterator[None]:
    """Around a statement sent to the driver directly (`report_rows`, a COPY): the engine's
    listeners (statement counts, timings) told of it as of every other statement, and a driver
    error raised as SQLAlchemy raises one, the connection invalidated if it was lost."""
    _announce(connection, "before_cursor_execute", cursor, statement, parameters)
    dbapi_error = connection.dialect.loaded_dbapi.Error
    try:
        yield
    except dbapi_error as error:
        driver = connection.connection.driver_connection
        invalidated = connection.dialect.is_disconnect(error, driver, cursor)
        if invalidated:
            connection.invalidate(error)
        raise DBAPIError.instance(
            statement, parameters, error, dbapi_error, connection_invalidated=invalidated
        ) from error
    _announce(connection, "after_cursor_execute", cursor, statement, parameters)


def _announce(
    connection: Connection, event: str, cursor: Any, statement: str, parameters: Any
) -> None:
    for listener in getattr(connection.dispatch, event):
        listener(connection, cursor, statement, parameters, None, False)

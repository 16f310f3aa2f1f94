"""Dates on the workspace's wall clock, in Python and in SQL (docs/product.md, Definitions).

"Today" is the report time's date in the workspace timezone, and day counts are differences of
local dates. Timestamps are stored in UTC, so a date window becomes a compare with the UTC
instant of a local midnight, and a local date inside a query is computed by the database:
`timezone()` on Postgres, on SQLite (which has no time zones) a Python function every
connection is given (core/platform/db.py, `local_day_number`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Float, Integer, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from core.models import Workspace
from core.platform.db import EPOCH
from core.workspaces.service import zone

__all__ = [
    "EPOCH",
    "day_number",
    "local_date",
    "local_day_number",
    "local_midnight",
    "local_today",
    "summed_seconds",
]


def local_today(workspace: Workspace, now: datetime) -> date:
    """The workspace's calendar date at `now` (an aware instant)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(zone(workspace)).date()


def local_date(workspace: Workspace, instant: datetime) -> date:
    """The workspace's calendar date of a stored instant."""
    return instant.astimezone(zone(workspace)).date()


def local_midnight(workspace: Workspace, day: date) -> datetime:
    """The UTC instant a local calendar day starts, so date windows become timestamp compares."""
    return datetime.combine(day, time(0), tzinfo=zone(workspace)).astimezone(UTC)


class local_day_number(FunctionElement[int]):
    """Days from 1970-01-01 to the local date, in a named zone, of a UTC timestamp column."""

    type = Integer()
    inherit_cache = True


@compiles(local_day_number)
def _local_day_number_default(element: local_day_number, compiler: SQLCompiler, **kw: Any) -> str:
    instant, zone_name = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST(timezone({zone_name}, {instant}) AS DATE) - DATE '1970-01-01')"


@compiles(local_day_number, "sqlite")
def _local_day_number_sqlite(element: local_day_number, compiler: SQLCompiler, **kw: Any) -> str:
    return f"crm_local_day_number({compiler.process(element.clauses, **kw)})"


class day_number(FunctionElement[int]):
    """Days from 1970-01-01 to a DATE column."""

    type = Integer()
    inherit_cache = True


@compiles(day_number)
def _day_number_default(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} - DATE '1970-01-01')"


@compiles(day_number, "sqlite")
def _day_number_sqlite(element: day_number, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 2440587.5 AS INTEGER)"


class epoch_seconds(FunctionElement[float]):
    """Seconds since 1970-01-01 UTC of a UTC timestamp column (differences give durations)."""

    type = Float()
    inherit_cache = True


@compiles(epoch_seconds)
def _epoch_seconds_default(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


@compiles(epoch_seconds, "sqlite")
def _epoch_seconds_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


class summed_seconds(FunctionElement[float]):
    """The sum over the rows of `later - earlier` in seconds (NULL when none has both): on
    Postgres one EXTRACT of the summed intervals, the same exact figure as a sum of
    `epoch_seconds` differences for less work per row."""

    type = Float()
    inherit_cache = True


@compiles(summed_seconds)
def _summed_seconds_default(element: summed_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM sum({later} - {earlier}))"


@compiles(summed_seconds, "sqlite")
def _summed_seconds_sqlite(element: summed_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = element.clauses
    return compiler.process(func.sum(epoch_seconds(later) - epoch_seconds(earlier)), **kw)

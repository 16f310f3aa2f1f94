"""What people (and attackers) type, as hypothesis strategies, and the checks every parser owes.

Property tests of each parser (quick capture, `/log`, plain-word requests, CSV rows, modal
values) draw from these: short lines built from the grammars' own pieces mixed with arbitrary
text, and 40,000-character pastes made by repeating a short unit. They assert that a parser
either reads the input or refuses it with the product's friendly `CRMError`, that a paste is
handled in bounded time, and (for the entry points that write) that a refusal leaves every
table as it was.

The time bound is a complexity guard, not a benchmark: a linear parser handles 40,000
characters in a few milliseconds to a few tens of them, a quadratic one (the email scan of
issue 8 took 4.6 s) in seconds. `QUICK` is far above the first and far below the second, and a
slow first try is retried once, so a busy machine does not fail it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import CRMError
from core.models import Base

PASTE_LENGTH = 40_000
QUICK = 0.5  # seconds per call on a 40,000-character input

# Pieces of the grammars and of what goes wrong with them.
PIECES = (
    "Dana",
    "Smith",
    "Dana Smith",
    ",",
    ", ",
    ":",
    " ",
    "555-201-3344",
    "(555) 201-3344",
    "+1 555 201 3344",
    "4455123",
    "555-1",
    "dana@example.com",
    "dana@gmail",
    "a@",
    "@",
    "<@U123>",
    "<!channel>",
    "<#C999>",
    "$350",
    "$1,250.50",
    "$1e400",
    "$-5",
    "$",
    "via phone",
    "via",
    "at 123 Main",
    "at",
    "unit",
    "call",
    "call back Friday",
    "in 2 weeks",
    "2026-02-30",
    "12/3",
    "Feb 30",
    "next week",
    "log a call with",
    "convert",
    "follow up with",
    "the",
    "'s lead",
    "pipeline",
    "“",
    "”",
    "\u00a0",
    "\n",
    "\t",
    "\x00",
    "🔧",
    "ü",
    "0",
    "9" * 12,
)

_ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
pieces = st.one_of(st.sampled_from(PIECES), _ANY_TEXT)

#: A line as a person might type it: the grammar's pieces, in any order, with noise.
typed_lines = st.lists(pieces, max_size=24).map("".join)

#: A 40,000-character paste: one short unit (pieces or noise) repeated.
pastes = (
    st.lists(pieces, min_size=1, max_size=6)
    .map("".join)
    .filter(bool)
    .map(lambda unit: (unit * (PASTE_LENGTH // len(unit) + 1))[:PASTE_LENGTH])
)

#: Modest example counts keep the suite fast; the database ones run on two backends.
pure = settings(max_examples=80, deadline=None, database=None)
long_inputs = settings(max_examples=12, deadline=None, database=None)
with_database = settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def read_or_refuse(parse: Callable[[], Any]) -> Any:
    """Run a parser: its result, or None when it refused in words (any other error fails)."""
    try:
        return parse()
    except CRMError as error:
        assert error.message.strip(), "a refusal must say why"
        return None


def assert_quick(parse: Callable[[], Any]) -> None:
    """The parser reads or refuses within QUICK seconds (best of two, against a busy machine)."""
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        read_or_refuse(parse)
        timings.append(time.perf_counter() - started)
        if timings[-1] < QUICK:
            return
    raise AssertionError(f"took {min(timings):.2f}s on a {PASTE_LENGTH:,}-character input")


def every_table(session: Session) -> dict[str, int]:
    """The row count of every table, to show a refusal wrote nothing anywhere."""
    return {
        table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
    }


def all_or_nothing(session: Session, operation: Callable[[], Any]) -> Any:
    """Run one write operation: done, or refused in words with every table unchanged.

    Counted before anything is rolled back: the operation itself must check before it writes,
    not rely on its caller's rollback.
    """
    before = every_table(session)
    try:
        return operation()
    except CRMError as error:
        assert error.message.strip(), "a refusal must say why"
        assert every_table(session) == before, "a refusal left a partial row"
        return None

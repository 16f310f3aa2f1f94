"""Properties of the CSV entry: every row is read or the file refused in words, in linear time,
and an import that is refused writes nothing (see tests/hostile_text.py)."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from core.models import Workspace
from core.transfer.csv_import import import_contacts_csv
from core.transfer.sheet import read_contact_sheet
from tests.conftest import STAFF
from tests.hostile_text import (
    all_or_nothing,
    assert_quick,
    long_inputs,
    pastes,
    pure,
    read_or_refuse,
    typed_lines,
    with_database,
)

HEADER = ["Name", "Phone", "E-mail Address", "Notes", "Tags", "Lifecycle stage"]
rows = st.lists(st.lists(typed_lines, min_size=0, max_size=len(HEADER) + 1), max_size=6)


def sheet(cells: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *cells])
    return out.getvalue()


@pure
@given(rows)
def test_every_row_is_read_or_the_file_refused_in_words(cells: list[list[str]]) -> None:
    read = read_or_refuse(lambda: read_contact_sheet(sheet(cells), None, "US"))
    if read is not None:
        parsed, _ignored = read
        assert len(parsed) <= len(cells)


@pure
@given(typed_lines)
def test_any_text_as_a_file_is_read_or_refused_in_words(text: str) -> None:
    read_or_refuse(lambda: read_contact_sheet(text, None, "US"))


@long_inputs
@given(pastes)
def test_a_40000_character_file_is_quick(text: str) -> None:
    assert_quick(lambda: read_contact_sheet(text, None, "US"))
    assert_quick(lambda: read_contact_sheet(",".join(HEADER) + "\n" + text, None, "US"))
    assert_quick(lambda: read_contact_sheet(sheet([[text]]), None, "US"))


@with_database
@given(rows)
def test_an_import_is_done_or_refused_with_nothing_written(
    session: Session, ws: Workspace, cells: list[list[str]]
) -> None:
    all_or_nothing(
        session,
        lambda: import_contacts_csv(session=session, workspace=ws, actor=STAFF, text=sheet(cells)),
    )

"""The CSV entry caps rows and cells before reading any cell (issue 8, item 10)."""

from __future__ import annotations

import pytest

from core.errors import ImportRejected
from core.transfer.sheet import MAX_CELL, MAX_COLUMNS, read_contact_sheet


def test_a_cell_longer_than_any_field_is_refused_naming_row_and_column() -> None:
    text = "Name,Phone,Notes\nDana Smith,555-201-3344,ok\nPat Lee,555-201-3345," + "x" * (
        MAX_CELL + 1
    )
    with pytest.raises(ImportRejected) as caught:
        read_contact_sheet(text, None, "US")
    assert caught.value.message == (
        "row 3, field 'Notes': a cell of 10,001 characters is more than the 10,000 "
        "any contact field can hold."
    )


def test_a_cell_over_the_csv_modules_own_limit_is_a_refusal_not_a_traceback() -> None:
    text = 'Name,Notes\nDana,"' + "x" * 200_000 + '"\n'
    with pytest.raises(ImportRejected) as caught:
        read_contact_sheet(text, None, "US")
    assert caught.value.message.startswith("row 2: this is not a CSV file I can read")


def test_a_row_with_too_many_columns_is_refused() -> None:
    text = "Name,Phone\nDana," + "," * MAX_COLUMNS + "\n"
    with pytest.raises(ImportRejected) as caught:
        read_contact_sheet(text, None, "US")
    assert caught.value.message == (
        f"row 2: {MAX_COLUMNS + 2:,} columns is more than the {MAX_COLUMNS} a contact sheet "
        "can have."
    )


def test_a_nul_byte_is_a_refusal() -> None:
    with pytest.raises(ImportRejected):
        read_contact_sheet("Name,Phone\nDa\x00na,555-201-3344\n", None, "US")

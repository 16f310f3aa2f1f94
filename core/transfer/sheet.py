"""Reading a spreadsheet of contacts: which column is which, and every row checked.

Common headers are recognised whatever their case or punctuation (`First Name`, `Surname`,
`Phone 1 - Value`, `E-mail Address`, `Service Address`...); an explicit mapping overrides them.
Rows are numbered as a spreadsheet shows them: the header is row 1, the first contact row 2,
and a refusal names that row and the column header as the file spells it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from core.common.enums import LifecycleStage, PreferredChannel
from core.common.validation import parse_choice
from core.contacts.input import ADDRESS_LIMIT, NAME_LIMIT, NOTES_LIMIT
from core.contacts.points import normalize_email, normalize_phone
from core.errors import CRMError, ImportRejected

__all__ = ["CONTACT_COLUMNS", "IGNORE", "MAX_CELL", "MAX_COLUMNS", "SheetRow", "read_contact_sheet"]

E = TypeVar("E", bound=StrEnum)

IGNORE = "ignore"
# What a header can mean, tried on the header lower-cased with punctuation turned to spaces.
_RECOGNISED: tuple[tuple[str, str], ...] = (
    ("first_name", r"first( name)?|firstname|given( name)?|forename"),
    ("last_name", r"last( name)?|lastname|surname|family( name)?"),
    ("name", r"((full|contact|customer|client|display) )?name|contact|customer|client"),
    (
        "phone",
        r"((primary|mobile|cell|home|work|business|main|other) )?"
        r"(phone|mobile|cell|telephone|tel)( \d+)?( (value|number|no))?",
    ),
    ("email", r"((primary|work|home|personal|other) )?e ?mail( \d+)?( (value|address))?"),
    (
        "address",
        r"((service|street|home|mailing|job|site) )?address( (line )?1)?"
        r"|street( address)?|address 1 street",
    ),
    ("city", r"(address 1 )?(city|town)"),
    ("state", r"(address 1 )?(state|region|province)"),
    ("postal_code", r"(address 1 )?(zip( code)?|postal( code)?|postcode)"),
    ("notes", r"notes?|comments?|description"),
    ("tags", r"tags?|labels?|groups?|group membership|categor(y|ies)"),
    ("company", r"company( name)?|organi[sz]ation( 1)?( name)?|business( name)?|employer"),
    ("preferred_channel", r"preferred (channel|contact method|contact)|contact method"),
    ("lifecycle_stage", r"lifecycle( stage)?"),
)
CONTACT_COLUMNS = tuple(name for name, _ in _RECOGNISED)
_PATTERNS = tuple((name, re.compile(pattern)) for name, pattern in _RECOGNISED)
_MANY = {"phone", "email", "tags", "notes"}  # fields several columns may feed
_LIMITS = {
    "first_name": NAME_LIMIT,
    "last_name": NAME_LIMIT,
    "company": NAME_LIMIT,
    "address": ADDRESS_LIMIT,
    "notes": NOTES_LIMIT,
}
_SPLIT = re.compile(r":::|[;,\n]")
#: No contact field holds more than its notes (10,000 characters): a longer cell is refused.
MAX_CELL = NOTES_LIMIT
#: Google's and Outlook's contact exports have under 100 columns.
MAX_COLUMNS = 500


@dataclass(frozen=True)
class _Column:
    index: int
    header: str
    field: str


@dataclass
class SheetRow:
    number: int
    first_name: str | None = None
    last_name: str | None = None
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    address: str | None = None
    notes: str | None = None
    tags: list[str] = field(default_factory=list)
    company: str | None = None
    preferred_channel: PreferredChannel | None = None
    lifecycle_stage: LifecycleStage | None = None
    notes_header: str = "notes"

    def points(self) -> list[tuple[str, str]]:
        return [("phone", p) for p in self.phones] + [("email", e) for e in self.emails]


def _key(header: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", header.lower()).split())


def _columns(
    header: Sequence[str], mapping: Mapping[str, str] | None
) -> tuple[list[_Column], list[str]]:
    """Which column feeds which contact field, and the headers nothing reads."""
    chosen = {k.strip().lower(): v.strip().lower() or IGNORE for k, v in (mapping or {}).items()}
    present = {h.strip().lower() for h in header}
    for name, target in chosen.items():
        if name not in present:
            raise ImportRejected(
                f"there is no column '{name}' in the header ({', '.join(header)}).", row=1
            )
        if target not in CONTACT_COLUMNS and target != IGNORE:
            raise ImportRejected(
                f"'{target}' is not a contact field; use one of {', '.join(CONTACT_COLUMNS)} "
                f"or {IGNORE}.",
                row=1,
                field=name,
            )
    columns: list[_Column] = []
    ignored: list[str] = []
    for index, text in enumerate(header):
        key = _key(text)
        guess = next((name for name, p in _PATTERNS if p.fullmatch(key)), IGNORE)
        target = chosen.get(text.strip().lower(), guess)
        taken = any(c.field == target for c in columns) and target not in _MANY
        if target == IGNORE or taken:
            if text.strip():
                ignored.append(text.strip())
            continue
        columns.append(_Column(index, text.strip(), target))
    fields = {c.field for c in columns}
    if not fields & {"first_name", "last_name", "name", "phone", "email"}:
        raise ImportRejected(
            "I found no name, phone or email column in the header "
            f"({', '.join(h.strip() for h in header)}); map one, e.g. --map 'Cell=phone'.",
            row=1,
        )
    return columns, ignored


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _split_name(text: str) -> tuple[str, str | None]:
    """`Dana Smith` and `Smith, Dana` both give ("Dana", "Smith"); one word is a first name."""
    if "," in text:
        last, first = (_one_line(part) for part in text.split(",", 1))
        return (first, last or None) if first else (last, None)
    words = text.split()
    return (" ".join(words[:-1]), words[-1]) if len(words) > 1 else (text, None)


def _choice(vocabulary: type[E], value: str, column: _Column, row: int) -> E:
    try:
        return parse_choice(
            vocabulary, value, field=column.header, label=column.field.replace("_", " ")
        )
    except CRMError as error:
        raise ImportRejected(error.message, row=row, field=column.header) from None


def _parse_row(number: int, cells: Sequence[str], columns: list[_Column], region: str) -> SheetRow:
    row = SheetRow(number)
    address: dict[str, str] = {}
    notes: list[str] = []
    where: dict[str, str] = {}  # field -> header, for naming it in an error
    for column in columns:
        raw = cells[column.index].strip() if column.index < len(cells) else ""
        if not raw:
            continue
        target = column.field
        where.setdefault(target, column.header)
        try:
            if target == "phone":
                for part in filter(None, (p.strip() for p in _SPLIT.split(raw))):
                    if (phone := normalize_phone(part, region)) not in row.phones:
                        row.phones.append(phone)
            elif target == "email":
                for part in filter(None, (p.strip() for p in _SPLIT.split(raw))):
                    if (email := normalize_email(part)) not in row.emails:
                        row.emails.append(email)
        except CRMError as error:
            raise ImportRejected(error.message, row=number, field=column.header) from error
        if target == "name":
            first, last = _split_name(_one_line(raw))
            row.first_name = row.first_name or first
            row.last_name = row.last_name or last
        elif target in ("first_name", "last_name", "company"):
            setattr(row, target, _one_line(raw))
        elif target in ("address", "city", "state", "postal_code"):
            address[target] = ", ".join(_one_line(line) for line in raw.splitlines() if line)
        elif target == "notes":
            notes.append(raw)
            row.notes_header = column.header
        elif target == "tags":
            for tag in (t.strip().lstrip("* ").strip() for t in _SPLIT.split(raw)):
                if tag and tag.lower() not in {t.lower() for t in row.tags}:
                    row.tags.append(tag)
        elif target == "preferred_channel":
            row.preferred_channel = _choice(PreferredChannel, raw, column, number)
        elif target == "lifecycle_stage":
            row.lifecycle_stage = _choice(LifecycleStage, raw, column, number)
    place = " ".join(filter(None, (address.get("state"), address.get("postal_code"))))
    row.address = ", ".join(filter(None, (address.get("address"), address.get("city"), place)))
    row.address = row.address or None
    row.notes = "\n".join(notes) or None
    for name, limit in _LIMITS.items():
        value = getattr(row, name)
        if value is not None and len(value) > limit:
            header = where.get(name) or where.get("address") or name
            raise ImportRejected(
                f"{len(value):,} characters is more than the {limit:,} a {name.replace('_', ' ')} "
                "can hold.",
                row=number,
                field=header,
            )
    return row


def _check_cells(number: int, cells: list[str], header: list[str] | None) -> list[str]:
    """Refuse a row wider than a contact sheet, or a cell no field can hold, before parsing."""
    if len(cells) > MAX_COLUMNS:
        raise ImportRejected(
            f"{len(cells):,} columns is more than the {MAX_COLUMNS} a contact sheet can have.",
            row=number,
        )
    if max(map(len, cells), default=0) <= MAX_CELL and not any("\x00" in c for c in cells):
        return cells  # the usual row: nothing to name
    for index, cell in enumerate(cells):
        column = header[index] if header and index < len(header) else None
        if len(cell) > MAX_CELL:
            raise ImportRejected(
                f"a cell of {len(cell):,} characters is more than the {MAX_CELL:,} "
                "any contact field can hold.",
                row=number,
                field=column,
            )
        if "\x00" in cell:  # no database column takes one (Postgres refuses it outright)
            raise ImportRejected(
                "a cell contains a NUL character; remove it.", row=number, field=column
            )
    return cells


def _read(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Every row as checked cells (`_check_cells`): the one cap of the CSV entry."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    records: list[tuple[int, list[str]]] = []
    try:
        for number, cells in enumerate(reader, start=1):
            header = records[0][1] if records else None
            records.append((number, _check_cells(number, cells, header)))
    except csv.Error as error:  # a cell over the csv module's own limit
        raise ImportRejected(
            f"this is not a CSV file I can read ({error}).", row=len(records) + 1
        ) from None
    if not records or not any(cell.strip() for cell in records[0][1]):
        raise ImportRejected("the file is empty: the first row should name the columns.", row=1)
    return records[0][1], records[1:]


def read_contact_sheet(
    text: str, mapping: Mapping[str, str] | None, region: str
) -> tuple[list[SheetRow], list[str]]:
    """Every non-blank row, checked, and the headers nothing reads; or the first bad row."""
    header, records = _read(text)
    columns, ignored = _columns(header, mapping)
    rows = [
        _parse_row(number, cells, columns, region)
        for number, cells in records
        if any(cell.strip() for cell in cells)
    ]
    return rows, ignored

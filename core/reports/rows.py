"""What every report query shares: whom a row is about, its touchpoints, and short text.

`Touchpoint` and `summarize` are the one touchpoint type and summarizing rule: the contact card,
the follow-up drafts and the reports all read a touchpoint with `read_touchpoint`.

A record whose contact was merged away is shown under the survivor (history moved there), so
every report joins the contact and, through `merged_into_contact_id`, its survivor the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    exists,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import aliased

from core.common.enums import InteractionType
from core.common.local_dates import local_date
from core.models import Contact, Interaction, Workspace

__all__ = [
    "SUMMARY_LIMIT",
    "TOUCH_COLUMNS",
    "ShownContact",
    "Touchpoint",
    "archived_ids",
    "display_name",
    "in_play",
    "read_touchpoint",
    "shorten",
    "summarize",
    "touchpoint",
    "written_count",
    "written_day",
    "written_text",
]

SUMMARY_LIMIT = 120

# A report statement is built once a day for each limit, with today and the limit written into
# its SQL (`written_day`, `written_count`). Postgres then keeps one plan for the text: bound, the
# generic plan of a prepared statement guessed a third of a date range and planned the follow-up
# lists again on every call (1.2 ms, more than the rest of the report), ran the stale page a
# third slower, and guessed a bound limit to keep a tenth of the rows. Written in when the
# statement is built, SQLAlchemy has nothing left to render on each call (`literal_execute`
# rewrote the whole text every time, a tenth of the stale report's time: docs/performance.md).


def written_day(day: date) -> ColumnElement[date]:
    """SQL: a calendar day as a literal, as both databases compare it with a DATE column."""
    return literal_column(f"'{day.isoformat()}'", Date())


def written_text(value: str) -> ColumnElement[str]:
    """SQL: a string (an enum's value) as a literal, as in an IN list rendered once, not per
    call."""
    return literal_column("'" + value.replace("'", "''") + "'", String())


def written_count(count: int) -> ColumnElement[int]:
    """SQL: a whole number (a LIMIT) as a literal."""
    return literal_column(str(int(count)), Integer())


#: The interaction columns a touchpoint is read from.
TOUCH_COLUMNS = (
    Interaction.interaction_id,
    Interaction.type,
    Interaction.timestamp,
    Interaction.ai_summary,
    Interaction.subject,
    Interaction.body,
)


def display_name(first: str | None, last: str | None) -> str | None:
    """A person's name as shown, or None when there is none."""
    name = " ".join(part.strip() for part in (first, last) if part and part.strip())
    return name or None


def shorten(text: str | None, limit: int) -> str:
    """One line of at most `limit` characters, cut at a word with an ellipsis."""
    flat = " ".join((text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


def archived_ids() -> Select[tuple[str]]:
    """SQL: the ids of contacts archived by themselves, whose records leave the lists.

    A contact merged away is archived too, but its records moved to the survivor, so it is
    not one of them. A probe of the partial index `ix_contacts_left_out` (migration
    0015_stale_page).
    """
    archived = aliased(Contact)
    return select(archived.contact_id).where(
        archived.archived, archived.merged_into_contact_id.is_(None)
    )


def in_play(contact_id: Any) -> ColumnElement[bool]:
    """A record not of an archived contact (`archived_ids`): archived ones leave the lists and
    digests."""
    ids = archived_ids().subquery("archived")
    return ~exists().where(ids.c.contact_id == contact_id)


class ShownContact:
    """The contact a report names for a row: the survivor of a merge, else the contact itself."""

    def __init__(self) -> None:
        self.contact = aliased(Contact)
        self.survivor = aliased(Contact)

    @property
    def columns(self) -> tuple[Any, Any, Any]:
        """`contact_id`, `first_name`, `last_name` of the contact to show."""
        return (
            func.coalesce(self.survivor.contact_id, self.contact.contact_id).label("contact_id"),
            func.coalesce(self.survivor.first_name, self.contact.first_name).label("first_name"),
            func.coalesce(self.survivor.last_name, self.contact.last_name).label("last_name"),
        )

    def join(self, query: Select[Any], contact_id: Any) -> Select[Any]:
        """Outer-join the contact with this id, then its survivor, onto `query`."""
        return query.outerjoin(self.contact, self.contact.contact_id == contact_id).outerjoin(
            self.survivor, self.survivor.contact_id == self.contact.merged_into_contact_id
        )


@dataclass(frozen=True)
class Touchpoint:
    """One interaction as the card, a draft or a report mentions it: what, when, a short summary."""

    interaction_id: str
    type: InteractionType
    timestamp: datetime
    local_date: date
    summary: str


def summarize(ai_summary: str | None, subject: str | None, body: str | None) -> str:
    """One line read at a glance: the AI summary, else `Subject: body`, cut at a word."""
    if ai_summary and ai_summary.strip():
        return shorten(ai_summary, SUMMARY_LIMIT)
    parts = (" ".join((part or "").split()) for part in (subject, body))
    return shorten(": ".join(part for part in parts if part), SUMMARY_LIMIT)


def read_touchpoint(workspace: Workspace, row: Any) -> Touchpoint:
    """A touchpoint from a row of `TOUCH_COLUMNS` or an `Interaction`."""
    values = (row.interaction_id, row.type, row.timestamp, row.ai_summary, row.subject, row.body)
    return touchpoint(workspace, values)


def touchpoint(workspace: Workspace, values: Sequence[Any]) -> Touchpoint:
    """A touchpoint from the values of `TOUCH_COLUMNS`, in their order."""
    interaction_id, type_, timestamp, ai_summary, subject, body = values
    return Touchpoint(
        interaction_id=interaction_id,
        type=InteractionType(type_),
        timestamp=timestamp,
        local_date=local_date(workspace, timestamp),
        summary=summarize(ai_summary, subject, body),
    )

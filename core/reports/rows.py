"""What every report query shares: whom a row is about, its touchpoints, and short text.

`Touchpoint` and `summarize` are the one touchpoint type and summarizing rule: the contact card,
the follow-up drafts and the reports all read a touchpoint with `read_touchpoint`.

A record whose contact was merged away is shown under the survivor (history moved there), so
every report joins the contact and, through `merged_into_contact_id`, its survivor the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, bindparam, exists, func, select
from sqlalchemy.orm import aliased

from core.common.enums import InteractionType
from core.common.local_dates import local_date
from core.models import Contact, Interaction, Workspace

__all__ = [
    "SUMMARY_LIMIT",
    "TODAY",
    "TOUCH_COLUMNS",
    "ShownContact",
    "Touchpoint",
    "archived_ids",
    "display_name",
    "in_play",
    "read_touchpoint",
    "shorten",
    "summarize",
]

SUMMARY_LIMIT = 120

#: The parameter `today` of a report statement, written into its SQL (so each statement is one
#: text a day, whose plan Postgres keeps). Bound, the generic plan Postgres keeps for a prepared
#: statement guessed a third of a date range: it planned the follow-up lists again on every call
#: (1.2 ms, more than the rest of the report), and ran the stale page a third slower.
TODAY = bindparam("today", type_=Date(), literal_execute=True)

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
    return Touchpoint(
        interaction_id=row.interaction_id,
        type=InteractionType(row.type),
        timestamp=row.timestamp,
        local_date=local_date(workspace, row.timestamp),
        summary=summarize(row.ai_summary, row.subject, row.body),
    )

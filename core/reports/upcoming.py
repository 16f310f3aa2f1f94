"""Follow-ups promised for later: the week ahead, and each lead's and contact's next one.

A follow-up set for Friday must show before Friday (issue 15): `upcoming_followups` is
`/followups upcoming` and the App Home's "Coming up" (pending, due after today and within
`UPCOMING_DAYS`, paged in SQL with its total summed from the follow-up tallies);
`next_followups` is the line on a lead or contact card (each record's earliest pending
follow-up, overdue ones included, one statement for any number of records). Rows are
`core.reports.followups` items, so every list and card words a follow-up the same way.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Date, Integer, ScalarSelect, Select, String, bindparam, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from core.common.enums import FollowUpStatus
from core.common.local_dates import local_today
from core.models import FollowUpTally, Interaction, Workspace
from core.reports.followups import FollowUpItem, followup_item, item_rows

__all__ = [
    "UPCOMING_DAYS",
    "NextFollowUps",
    "UpcomingFollowUps",
    "next_followups",
    "upcoming",
]

UPCOMING_DAYS = 7

_IN_ORDER = (Interaction.follow_up_date, Interaction.timestamp, Interaction.interaction_id)


@dataclass(frozen=True)
class UpcomingFollowUps:
    """One page of the follow-ups due after today and up to `until`, and how many in all."""

    today: date
    until: date
    items: tuple[FollowUpItem, ...]
    total: int
    offset: int = 0


def upcoming(
    session: Session,
    *,
    workspace: Workspace,
    now: datetime,
    limit: int,
    offset: int = 0,
    days: int = UPCOMING_DAYS,
) -> UpcomingFollowUps:
    """Pending follow-ups due in the next `days` days (not today's), soonest first, one page."""
    if limit < 1 or offset < 0:
        raise ValueError("limit must be at least 1 and offset not negative")
    today = local_today(workspace, now)
    until = today + timedelta(days=days)
    params = {
        "ws": workspace.workspace_id,
        "today": today,
        "until": until,
        "limit": limit,
        "offset": offset,
    }
    rows = session.execute(_upcoming_statement(), params).all()
    total = rows[0].total if rows else _count_upcoming(session, workspace, today, until, offset)
    items = tuple(followup_item(row, today) for row in rows)
    return UpcomingFollowUps(today, until, items, total, offset)


@cache
def _upcoming_statement() -> Select[Any]:
    """One page with its total, built once (building it per call cost several times more than
    running it); parameters `ws`, `today`, `until`, `limit` and `offset`.

    The total is summed from `followup_tallies` (a row per date), not counted over every
    follow-up of the week (docs/performance.md).
    """
    ranked = (
        select(Interaction.interaction_id.label("ranked_id"), _tallied().label("total"))
        .where(
            Interaction.workspace_id == bindparam("ws"),
            Interaction.follow_up_status == FollowUpStatus.pending,
            Interaction.follow_up_date > bindparam("today", type_=Date()),
            Interaction.follow_up_date <= bindparam("until", type_=Date()),
        )
        .order_by(*_IN_ORDER)
        # A literal, as in stale_leads.py: bound, Postgres planned every call.
        .limit(bindparam("limit", type_=Integer(), literal_execute=True))
        .offset(bindparam("offset", type_=Integer()))
        .subquery("ranked")
    )
    return item_rows(ranked).order_by(*_IN_ORDER)


def _tallied() -> ScalarSelect[Any]:
    """SQL: the pending follow-ups due after `today` and up to `until`, from the tallies."""
    return (
        select(func.coalesce(func.sum(FollowUpTally.follow_ups), 0))
        .where(
            FollowUpTally.workspace_id == bindparam("ws"),
            FollowUpTally.follow_up_date > bindparam("today", type_=Date()),
            FollowUpTally.follow_up_date <= bindparam("until", type_=Date()),
        )
        .scalar_subquery()
    )


def _count_upcoming(
    session: Session, workspace: Workspace, today: date, until: date, offset: int
) -> int:
    """A page past the end has no row to carry the total: sum it (only then)."""
    if offset == 0:
        return 0
    params = {"ws": workspace.workspace_id, "today": today, "until": until}
    return int(session.scalar(select(_tallied()), params) or 0)


@dataclass(frozen=True)
class NextFollowUps:
    """Each lead's and each contact's earliest pending follow-up (absent: none pending)."""

    by_lead: dict[str, FollowUpItem] = field(default_factory=dict)
    by_contact: dict[str, FollowUpItem] = field(default_factory=dict)


def next_followups(
    session: Session,
    *,
    workspace: Workspace,
    now: datetime,
    lead_ids: Collection[str] = (),
    contact_ids: Collection[str] = (),
) -> NextFollowUps:
    """The next follow-up of each lead and contact named, in one statement (none when none named).

    The pending follow-ups of every record named are ranked twice, per lead and per contact,
    soonest first; each record keeps its first.
    """
    leads, contacts = sorted(set(lead_ids)), sorted(set(contact_ids))
    if not (leads or contacts):
        return NextFollowUps()
    today = local_today(workspace, now)
    params = {"ws": workspace.workspace_id, "lead_ids": leads, "contact_ids": contacts}
    found = NextFollowUps()
    for row in session.execute(_next_statement(), params):
        item = followup_item(row, today)
        if row.lead_rank == 1 and row.for_lead in leads:
            found.by_lead[row.for_lead] = item
        if row.contact_rank == 1 and row.for_contact in contacts:
            found.by_contact[row.for_contact] = item
    return found


@cache
def _next_statement() -> Select[Any]:
    """Built once (building it per call cost more than running it, on every contact card):
    parameters `ws`, `lead_ids` and `contact_ids`."""
    ranked = (
        select(
            Interaction.interaction_id.label("ranked_id"),
            Interaction.lead_id.label("for_lead"),
            Interaction.contact_id.label("for_contact"),
            _first(Interaction.lead_id).label("lead_rank"),
            _first(Interaction.contact_id).label("contact_rank"),
            func.count().over().label("total"),
        )
        .where(
            Interaction.workspace_id == bindparam("ws", type_=String()),
            Interaction.follow_up_status == FollowUpStatus.pending,
            or_(
                Interaction.lead_id.in_(bindparam("lead_ids", expanding=True)),
                Interaction.contact_id.in_(bindparam("contact_ids", expanding=True)),
            ),
        )
        .subquery("ranked")
    )
    query = item_rows(ranked).add_columns(
        ranked.c.for_lead, ranked.c.for_contact, ranked.c.lead_rank, ranked.c.contact_rank
    )
    return query.where(or_(ranked.c.lead_rank == 1, ranked.c.contact_rank == 1))


def _first(key: InstrumentedAttribute[Any]) -> Any:
    """1 for the soonest pending follow-up of each `key` (lead or contact), then 2, 3..."""
    return func.row_number().over(partition_by=key, order_by=_IN_ORDER)

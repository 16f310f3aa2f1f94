"""The daily stale-lead check: which new or working leads went quiet (docs/product.md, Definitions).

A lead is stale when at least `stale_after_business_days` business days (weekends and the
workspace country's public holidays excluded) passed since its last touchpoint: the newest of
its creation and every interaction linked to it or to its contact. One statement on Postgres
(two on SQLite) however many leads, returning frozen dataclasses a renderer can show without
further I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache, partial
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    and_,
    bindparam,
    func,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from core.activity.last_touch import lead_touch_as_of
from core.common.business_days import business_day_cutoff
from core.common.enums import STALE_CANDIDATE_STATUSES
from core.common.local_dates import local_date, local_midnight, local_today
from core.models import Contact, Interaction, Lead, TouchTally, Workspace
from core.platform.column_types import UTCDateTime
from core.platform.driver_rows import report_rows
from core.reports.left_out import left_out_contacts, not_left_out
from core.reports.rows import (
    TOUCH_COLUMNS,
    ShownContact,
    Touchpoint,
    display_name,
    read_touchpoint,
    touchpoint,
    written_count,
    written_day,
    written_text,
)

__all__ = ["StaleLead", "StaleLeadReport", "stale_leads"]


@dataclass(frozen=True)
class StaleLead:
    """One quiet lead, with what the nudge says about it."""

    lead_id: str
    title: str
    contact_id: str | None
    contact_name: str | None
    created_on: date
    last_touch_at: datetime
    days_since: int
    last_touch: Touchpoint | None
    today: date
    owner: str | None = None  # the lead's owner (Slack user id), so a person sees theirs first


@dataclass(frozen=True)
class StaleLeadReport:
    """The stale leads listed (oldest touch first) and how many there are in all."""

    today: date
    cutoff: date
    business_days: int
    items: tuple[StaleLead, ...]
    total: int

    @property
    def more(self) -> int:
        """Stale leads beyond the ones listed (the post's "and N more")."""
        return self.total - len(self.items)


def stale_leads(
    session: Session, *, workspace: Workspace, now: datetime, limit: int | None = None
) -> StaleLeadReport:
    """New or working leads untouched for `stale_after_business_days` business days, oldest first.

    A lead is stale when its last touch (the newest of its creation and every interaction
    linked to it or its contact: `Lead.last_touch_at`) falls on or before the business-day
    cutoff date, i.e. before local midnight starting the day after. One statement on Postgres:
    the page with the total and the newest touchpoint of each lead listed (SQLite reads the
    touchpoints in a second). One more when some lead was touched after `now` (a report for a
    past time), whose page is read again judging those leads on their history up to `now`.
    """
    if limit is not None and limit < 1:
        raise ValueError("limit must be at least 1 (or None for every stale lead)")
    ws = workspace.workspace_id
    today = local_today(workspace, now)
    n = workspace.stale_after_business_days
    cutoff = business_day_cutoff(today, n, workspace.holiday_country)
    stale_before = local_midnight(workspace, cutoff + timedelta(days=1))

    # The UTC day `stale_before` falls in: the tallies count the days before it, the index the
    # part of it before `stale_before`.
    stale_day = stale_before.astimezone(UTC).date()
    params = {
        "ws": ws,
        "now": now,
        "stale_before": stale_before,
        "stale_day": stale_day,
        "stale_day_start": datetime.combine(stale_day, time(), UTC),
    }
    # Rows through the driver on Postgres (core/platform/driver_rows.py): no ORM entity, and
    # neither the ORM's nor SQLAlchemy Core's result handling, which cost more than they gave.
    connection = session.connection()
    # Postgres reads each listed lead's newest touch in the same statement (LATERAL, which
    # SQLite lacks; SQLite reads them in a second one).
    lateral = connection.dialect.name == "postgresql"
    page_statement = partial(_page_statement, today=today, limit=limit, lateral=lateral)
    rows = report_rows(connection, page_statement(as_of_history=False), params)
    if rows[0][0]:  # touched after `now`: a report for a past time, judged on history
        rows = report_rows(connection, page_statement(as_of_history=True), params)
    page = [row for row in rows if row[_LEAD_ID] is not None]  # NULLs when none is stale
    total = page[0][_TOTAL] if page else 0
    if lateral:
        touches = {
            row[_LEAD_ID]: touchpoint(workspace, row[_TOUCH:])
            for row in page
            if row[_TOUCH] is not None
        }
    else:
        touches = _newest_touches(session, workspace, now, [row[_LEAD_ID] for row in page])
    items = tuple(_stale_lead(row, workspace, today, touches) for row in page)
    return StaleLeadReport(today=today, cutoff=cutoff, business_days=n, items=items, total=total)


def _stale_lead(
    row: Any, workspace: Workspace, today: date, touches: dict[str, Touchpoint]
) -> StaleLead:
    """One row of `_page_statement` as the nudge shows it.

    Unpacked by position, in `_page_statement`'s column order: read by name, its columns cost
    as much as the rest of the report's Python (docs/performance.md).
    """
    _, lead_id, title, created_at, owner, _, last_touch, _, contact_id, first, last = row[:11]
    return StaleLead(
        lead_id=lead_id,
        title=title,
        contact_id=contact_id,
        contact_name=display_name(first, last),
        created_on=local_date(workspace, created_at),
        last_touch_at=last_touch,
        days_since=(today - local_date(workspace, last_touch)).days,
        last_touch=touches.get(lead_id),
        today=today,
        owner=owner,
    )


#: Where a row of `_page_statement` has the lead's id, the total, and (with `lateral`) the touch.
_LEAD_ID, _TOTAL, _TOUCH = 1, 7, 11

#: The candidate statuses as an IN list written into the SQL (bound, SQLAlchemy rendered the list
#: on every call, and `report_rows` takes only statements it need not render per call).
_CANDIDATES = [written_text(status.value) for status in STALE_CANDIDATE_STATUSES]


@lru_cache(maxsize=16)
def _page_statement(
    *, today: date, limit: int | None, as_of_history: bool, lateral: bool
) -> Select[Any]:
    """The page of stale leads with the total, built once a day for each limit, with both
    written in (core/reports/rows.py: building it per call cost more than running it):
    parameters `ws`, `now`, `stale_before`, `stale_day` and `stale_day_start`. Its columns:
    `touched_after`, then the lead's `lead_id`, `title`, `created_at`, `owner`,
    `lead_contact_id`, `last_touch`, then `total`, then the contact shown (`ShownContact`);
    with `lateral`, then its lead's newest touch (`TOUCH_COLUMNS`, NULL when none), read by
    probing the lead's and its contact's interactions per listed lead: a join no plan can turn
    into a scan of every interaction, as joining the page to them did (docs/performance.md).

    `last_touch_at` (core/activity/last_touch.py) is kept with every interaction write, so the
    page is, per status, the first `limit` rows of the (workspace_id, status, last_touch_at)
    index in order: no stale lead beyond the page is sorted (docs/performance.md). For the
    present the total is summed from `touch_tallies` whatever the book's size, for a past time
    counted from a range of the index. Leads touched after `now` (a report for a past time) are
    judged on their history up to `now`, computed for those few rows alone: only
    `as_of_history` carries that part, since planning it cost more than the rest of the
    statement took to run, and a report for the present has no such lead. Every row says in
    `touched_after` whether there is one (a row of NULLs carries it when no lead is stale).
    """
    now = bindparam("now", type_=UTCDateTime())
    stale_before = bindparam("stale_before", type_=UTCDateTime())
    last_touch = lead_touch_as_of(now)
    # Touched by `now`: the column is the last touch. Touched after: only the history counts.
    # The page for the present is used only when no candidate was touched after `now` (else it
    # is read again `as_of_history`), so there the column needs no bound at `now`.
    by_column: ColumnElement[bool] = Lead.last_touch_at < stale_before
    if as_of_history:
        by_column = and_(Lead.last_touch_at <= now, by_column)
    by_history = and_(Lead.last_touch_at > now, last_touch < stale_before)

    on_day = written_day(today)
    not_snoozed = or_(Lead.snoozed_until.is_(None), Lead.snoozed_until < on_day)

    left_out_cte = left_out_contacts()  # read once by every filter and count below
    left_out = select(left_out_cte.c.contact_id)

    def candidates(*where: ColumnElement[bool]) -> list[ColumnElement[bool]]:
        return [
            Lead.workspace_id == bindparam("ws"),
            *where,
            not_snoozed,
            # No nudge to chase someone who asked to be left alone, nor an archived contact.
            not_left_out(left_out_cte, Lead.contact_id),
        ]

    columns = (
        Lead.lead_id,
        Lead.title,
        Lead.created_at,
        Lead.owner,
        Lead.contact_id.label("lead_contact_id"),
    )
    # One ordered scan per status (a range of the index each), merged and cut below. The limit
    # is rendered as a literal: bound, Postgres's generic plan for the prepared statement
    # guessed 10% of the rows and it planned every call instead (docs/performance.md).
    parts: list[Select[Any]] = []
    for status in STALE_CANDIDATE_STATUSES:
        part = (
            select(*columns, Lead.last_touch_at.label("last_touch"))
            .where(*candidates(Lead.status == status, by_column))
            .order_by(Lead.last_touch_at, Lead.created_at, Lead.lead_id)
        )
        parts.append(part if limit is None else part.limit(written_count(limit)))
    if as_of_history:
        parts.append(
            select(*columns, last_touch.label("last_touch")).where(
                *candidates(Lead.status.in_(_CANDIDATES), by_history)
            )
        )
    merged = union_all(*(part.subquery().select() for part in parts)).subquery("merged")
    # The total is the stale candidates (tallied for the present, a range of the index for a
    # past time), less the few leads of contacts the reports leave out (found from those
    # contacts, not by probing each stale lead's), plus those touched after `now`. Separate
    # counts: in one, the planner charged every stale lead the history subqueries only the few
    # touched after `now` run, and that estimate turned on Postgres's JIT compiler, which took
    # seconds (docs/performance.md).
    in_status = Lead.status.in_(_CANDIDATES)
    in_range = (Lead.workspace_id == bindparam("ws"), in_status, by_column, not_snoozed)
    left_out_count = _count(*in_range, Lead.contact_id.in_(left_out))
    if as_of_history:
        total = _count(*in_range) - left_out_count + _count(*candidates(in_status, by_history))
    else:
        total = _tallied_total(by_column, on_day) - left_out_count
    stale = select(merged, total.label("total")).order_by(
        merged.c.last_touch, merged.c.created_at, merged.c.lead_id
    )
    if limit is not None:
        stale = stale.limit(written_count(limit))
    # Names are joined to the page only, not to every stale lead the total counts.
    listed = stale.subquery("listed")
    shown = ShownContact()
    named = shown.join(
        select(listed, *shown.columns).select_from(listed), listed.c.lead_contact_id
    ).subquery("named")
    # Whether any candidate was touched after `now`: the newest touch of each status, one
    # backward step of the same index each whatever the plan (as an EXISTS, the generic plan
    # Postgres reuses for a prepared statement scanned the whole table when none was).
    touched = or_(
        *(
            select(func.max(Lead.last_touch_at))
            .where(Lead.workspace_id == bindparam("ws"), Lead.status == status)
            .scalar_subquery()
            > now
            for status in STALE_CANDIDATE_STATUSES
        )
    )
    flag = select(touched.label("touched_after")).subquery("flag")
    rows = select(flag.c.touched_after, *named.c).select_from(flag.outerjoin(named, true()))
    if lateral:
        newest = (
            select(*TOUCH_COLUMNS)
            .where(_touch_of(named.c.lead_id, named.c.lead_contact_id, named.c.contact_id))
            .order_by(*_NEWEST_FIRST)
            .limit(written_count(1))
            .lateral("newest")
        )
        rows = rows.add_columns(*newest.c).outerjoin(newest, true())
    return rows.order_by(named.c.last_touch, named.c.created_at, named.c.lead_id)


_NEWEST_FIRST = (Interaction.timestamp.desc(), Interaction.interaction_id.desc())


def _touch_of(lead_id: Any, contact_id: Any, survivor_id: Any) -> ColumnElement[bool]:
    """SQL: an interaction by `now` on the lead, its contact, or the survivor that contact was
    merged into (whose history the merge moved there)."""
    return and_(
        Interaction.workspace_id == bindparam("ws"),
        Interaction.timestamp <= bindparam("now", type_=UTCDateTime()),
        or_(
            Interaction.lead_id == lead_id,
            Interaction.contact_id == contact_id,
            Interaction.contact_id == survivor_id,
        ),
    )


def _count(*where: ColumnElement[bool]) -> ColumnElement[int]:
    return select(func.count()).select_from(Lead).where(*where).scalar_subquery()


def _tallied_total(
    by_column: ColumnElement[bool], on_day: ColumnElement[date]
) -> ColumnElement[int]:
    """The candidates touched before `stale_before` that are not snoozed, for a report at the
    present (no candidate touched after `now`), whatever their number: the tallies of the whole
    UTC days before `stale_day`, plus the index's count of the part of that day before
    `stale_before`, less the few leads snoozed now, found from `ix_leads_snoozed`.
    """
    in_status = Lead.status.in_(_CANDIDATES)
    tallied = (
        select(func.coalesce(func.sum(TouchTally.leads), 0))
        .where(
            TouchTally.workspace_id == bindparam("ws"),
            TouchTally.status.in_(_CANDIDATES),
            TouchTally.touch_day < bindparam("stale_day", type_=Date()),
        )
        .scalar_subquery()
    )
    day_start = bindparam("stale_day_start", type_=UTCDateTime())
    partial_day = _count(
        Lead.workspace_id == bindparam("ws"), in_status, by_column, Lead.last_touch_at >= day_start
    )
    snoozed = _count(
        Lead.workspace_id == bindparam("ws"),
        Lead.snoozed_until >= on_day,
        # Always true; bounded on both sides, the range reads as narrow to the generic plan
        # Postgres keeps for the prepared statement (one bound guesses a third of the leads),
        # so it can keep one plan instead of planning every call (docs/performance.md).
        Lead.snoozed_until <= bindparam("latest_day", date.max, type_=Date()),
        in_status,
        by_column,
    )
    return tallied + partial_day - snoozed


def _newest_touches(
    session: Session, workspace: Workspace, now: datetime, lead_ids: list[str]
) -> dict[str, Touchpoint]:
    """The newest interaction of each lead or its contact, in one windowed statement (SQLite)."""
    params = {"ws": workspace.workspace_id, "now": now, "lead_ids": lead_ids}
    rows = session.connection().execute(_touches_statement(), params).all()
    return {row.for_lead: read_touchpoint(workspace, row) for row in rows}


@cache
def _touches_statement() -> Select[Any]:
    """Built once; parameters `ws`, `now` and `lead_ids`."""
    contact = aliased(Contact)
    leads = (
        select(Lead.lead_id, Lead.contact_id, contact.merged_into_contact_id)
        .outerjoin(contact, contact.contact_id == Lead.contact_id)
        .where(
            Lead.workspace_id == bindparam("ws"),
            Lead.lead_id.in_(bindparam("lead_ids", expanding=True)),
        )
        .subquery("page")
    )
    ranked = (
        select(
            leads.c.lead_id.label("for_lead"),
            *TOUCH_COLUMNS,
            func.row_number()
            .over(partition_by=leads.c.lead_id, order_by=_NEWEST_FIRST)
            .label("rank"),
        )
        .join(
            Interaction,
            _touch_of(leads.c.lead_id, leads.c.contact_id, leads.c.merged_into_contact_id),
        )
        .subquery("ranked")
    )
    return select(ranked).where(ranked.c.rank == 1)

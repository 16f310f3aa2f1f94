"""The weekly pipeline summary (docs/product.md, Definitions).

Each report is a fixed handful of aggregate statements whatever the data size. Day counts are
differences of local dates, computed in SQL by `core.common.local_dates`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    func,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from core.common.enums import (
    OPEN_LEAD_STATUSES,
    InteractionType,
    OpportunityStage,
    PipelineStage,
)
from core.common.local_dates import (
    EPOCH,
    local_date,
    local_day_number,
    local_today,
    summed_seconds,
)
from core.models import DealTally, Lead, LeadTally, Opportunity, Workspace
from core.platform.column_types import UTCDateTime
from core.reports.rows import ShownContact, archived_ids, display_name, in_play

__all__ = [
    "OldestOpenLead",
    "PastDueLead",
    "PipelineSummary",
    "one_decimal",
    "leads_past_expected_close",
    "pipeline_summary",
]

WEEK = timedelta(days=7)
# What counts as the business answering an inquiry: a message sent to the customer (the
# triggers that keep `leads.first_reply_at`, migration 0019, name the same two).
REPLY_TYPES = (InteractionType.email_outbound, InteractionType.sms)
_TENTH = Decimal("0.1")


def one_decimal(total: int | Decimal, count: int) -> Decimal | None:
    """An average shown to one decimal (half up), or None when there is nothing to average."""
    if count == 0:
        return None
    return (Decimal(total) / Decimal(count)).quantize(_TENTH, rounding=ROUND_HALF_UP)


# --- pipeline summary -----------------------------------------------------------------------


@dataclass(frozen=True)
class OldestOpenLead:
    lead_id: str
    title: str
    contact_id: str | None
    contact_name: str | None
    age_days: int
    stage: PipelineStage


@dataclass(frozen=True)
class PastDueLead:
    """An open lead whose expected close date has passed."""

    lead_id: str
    title: str
    contact_id: str | None
    contact_name: str | None
    stage: PipelineStage
    expected_close_date: date
    days_past: int


@dataclass(frozen=True)
class PipelineSummary:
    today: date
    window_start: datetime
    window_end: datetime
    first_close_date: date
    new_leads: int
    follow_up_count: int
    follow_up_avg_age_days: Decimal | None
    proposals_out_count: int
    proposals_out_value: Decimal
    won_count: int
    won_value: Decimal
    lost_count: int
    oldest_open_lead: OldestOpenLead | None
    # The page of them asked for (`pipeline_summary`'s `past_due_limit` and `past_due_offset`)
    # and how many there are in all; `past_expected_close_offset` is where the page starts.
    past_expected_close: tuple[PastDueLead, ...]
    past_expected_close_total: int
    # Leads created in the window that got a first reply (email or text), and the average
    # hours from the inquiry to it; None when no such lead got one.
    replied_leads: int = 0
    response_avg_hours: Decimal | None = None
    past_expected_close_offset: int = 0


def pipeline_summary(
    session: Session,
    *,
    workspace: Workspace,
    now: datetime,
    past_due_limit: int | None = None,
    past_due_offset: int = 0,
) -> PipelineSummary:
    """The pipeline over the 7 x 24 hours before `now`; three statements, each built once.

    New leads: created_at in (now - 7 days, now]. Won / lost: close_date is a date, so the
    window in dates is every D with local_date(now - 7 days) < D <= today. Snapshot figures
    (follow-up, proposals out, oldest, past expected close) count open leads created by `now`.
    Of the leads past their expected close date it loads only the `past_due_limit` after the
    first `past_due_offset` (None: all), and counts them all: a book can have thousands.
    """
    today = local_today(workspace, now)
    window_start = now - WEEK
    first_close_date = local_date(workspace, window_start) + timedelta(days=1)
    params = {
        "ws": workspace.workspace_id,
        "now": now,
        "window_start": window_start,
        "first_close_date": first_close_date,
        "today": today,
        "due_before": today,
        "today_number": (today - EPOCH).days,
        "zone": workspace.timezone,
    }
    # Each statement on the session's connection: through the session, the ORM's handling of
    # a select of mapped attributes cost 0.1 ms a statement (docs/performance.md).
    figures = session.connection().execute(_figures_statement(), params).one()
    past_due = _past_expected_close(
        session, workspace, params, limit=past_due_limit, offset=past_due_offset
    )
    return PipelineSummary(
        today=today,
        window_start=window_start,
        window_end=now,
        first_close_date=first_close_date,
        new_leads=figures.new_leads,
        follow_up_count=int(figures.follow_up_count),
        follow_up_avg_age_days=one_decimal(
            int(figures.follow_up_age_total), int(figures.follow_up_count)
        ),
        proposals_out_count=int(figures.estimates_count + figures.proposals_count),
        proposals_out_value=Decimal(figures.estimates_value) + Decimal(figures.proposals_value),
        won_count=figures.won_count,
        won_value=Decimal(figures.won_value),
        lost_count=figures.lost_count,
        replied_leads=figures.replied_leads,
        response_avg_hours=one_decimal(
            Decimal(str(figures.response_seconds)) / 3600, figures.replied_leads
        ),
        oldest_open_lead=_oldest_open_lead(session, workspace, params),
        past_expected_close=past_due,
        past_expected_close_total=figures.past_due_count,
        past_expected_close_offset=past_due_offset,
    )


# Today as a literal where the leads past their expected close date are picked: with
# `expected_close_date < $today` Postgres's generic plan for the prepared statement guessed a
# third of the open leads, so it planned the statement again on every call. Written in, the
# statement is one text a day and its plan, kept, is estimated from the dates themselves.
_DUE_BEFORE = bindparam("due_before", type_=Date(), literal_execute=True)


def _open_at_now(*where: Any) -> ColumnElement[bool]:
    """Open leads (docs/product.md, Definitions) that existed at the `now` parameter, but an
    archived contact's."""
    return and_(
        Lead.workspace_id == bindparam("ws"),
        Lead.status.in_(OPEN_LEAD_STATUSES),
        Lead.created_at <= bindparam("now", type_=UTCDateTime()),
        in_play(Lead.contact_id),
        *where,
    )


@cache
def _figures_statement() -> Select[Any]:
    """Every figure in one row, each read from an index or a tally whatever the book's size:
    the week's new leads with their first replies (an index-only range of the week), the open
    leads at follow-up or estimate sent (their tallies less the few the tally cannot tell
    apart), the deals out (their tally) and those closed in the window (an index range).
    Built once (building it per call cost more than running it); parameters: see
    `pipeline_summary`."""
    ws = bindparam("ws", type_=String())
    now = bindparam("now", type_=UTCDateTime())
    today = bindparam("today", type_=Date())
    today_number = bindparam("today_number", type_=Integer())
    new_leads = (
        select(
            func.count().label("new_leads"),
            func.count(Lead.first_reply_at).label("replied_leads"),
            func.coalesce(summed_seconds(Lead.first_reply_at, Lead.created_at), 0).label(
                "response_seconds"
            ),
        )
        .where(
            Lead.workspace_id == ws,
            Lead.created_at > bindparam("window_start", type_=UTCDateTime()),
            Lead.created_at <= now,
        )
        .subquery("new_leads")
    )

    stages = (PipelineStage.follow_up, PipelineStage.estimate_sent)
    tally_follow_up = LeadTally.pipeline_stage == PipelineStage.follow_up
    tally_estimate = LeadTally.pipeline_stage == PipelineStage.estimate_sent
    tallied = (
        select(
            func.coalesce(func.sum(LeadTally.leads).filter(tally_follow_up), 0).label(
                "follow_up_count"
            ),
            func.coalesce(
                func.sum(LeadTally.leads * today_number - LeadTally.created_days).filter(
                    tally_follow_up
                ),
                0,
            ).label("follow_up_age_total"),
            func.coalesce(func.sum(LeadTally.leads).filter(tally_estimate), 0).label(
                "estimates_count"
            ),
            func.coalesce(func.sum(LeadTally.estimated_value).filter(tally_estimate), 0).label(
                "estimates_value"
            ),
        )
        .where(
            LeadTally.workspace_id == ws,
            LeadTally.pipeline_stage.in_(stages),
            LeadTally.status.in_(OPEN_LEAD_STATUSES),
        )
        .subquery("tallied")
    )

    follow_up = Lead.pipeline_stage == PipelineStage.follow_up
    estimate_sent = Lead.pipeline_stage == PipelineStage.estimate_sent
    age = today_number - local_day_number(Lead.created_at, bindparam("zone", type_=String()))

    def open_figures(name: str, *where: ColumnElement[bool]) -> Any:
        """The same four figures counted from the leads themselves, for the few `where` picks."""
        return (
            select(
                func.count().filter(follow_up).label("follow_up_count"),
                func.coalesce(func.sum(age).filter(follow_up), 0).label("follow_up_age_total"),
                func.count().filter(estimate_sent).label("estimates_count"),
                func.coalesce(func.sum(Lead.estimated_value).filter(estimate_sent), 0).label(
                    "estimates_value"
                ),
            )
            .where(
                Lead.workspace_id == ws,
                Lead.pipeline_stage.in_(stages),
                Lead.status.in_(OPEN_LEAD_STATUSES),
                *where,
            )
            .subquery(name)
        )

    # The tally counts every open lead; less those created after `now` (none for the present:
    # one probe of the index) and those of archived contacts, found from those contacts. The
    # newest lead (one index step) bounds the first range above, so a generic plan guesses it
    # narrow, not a third of the leads, and Postgres keeps one plan for the statement.
    newest = select(func.max(Lead.created_at)).where(Lead.workspace_id == ws).scalar_subquery()
    later = open_figures("later_open", Lead.created_at > now, Lead.created_at <= newest)
    archived = open_figures(
        "archived_open", Lead.created_at <= now, Lead.contact_id.in_(archived_ids())
    )
    open_leads = (
        select(
            *(
                # Typed as the figure (a money column reads back as money, not its storage).
                type_coerce(
                    tallied.c[name] - later.c[name] - archived.c[name], archived.c[name].type
                ).label(name)
                for name in archived.c.keys()
            )
        )
        .select_from(tallied.join(later, true()).join(archived, true()))
        .subquery("open_leads")
    )

    proposals = (
        select(
            func.coalesce(func.sum(DealTally.deals), 0).label("proposals_count"),
            func.coalesce(func.sum(DealTally.amount), 0).label("proposals_value"),
        )
        .where(DealTally.workspace_id == ws, DealTally.stage == OpportunityStage.proposal_sent)
        .subquery("proposals")
    )
    closed_in_window = and_(
        Opportunity.close_date >= bindparam("first_close_date", type_=Date()),
        Opportunity.close_date <= today,
    )
    won = Opportunity.stage == OpportunityStage.won
    lost = Opportunity.stage == OpportunityStage.lost
    closed = (
        select(
            func.count().filter(won).label("won_count"),
            func.coalesce(func.sum(Opportunity.amount).filter(won), 0).label("won_value"),
            func.count().filter(lost).label("lost_count"),
        )
        .where(
            Opportunity.workspace_id == ws,
            Opportunity.stage.in_((OpportunityStage.won, OpportunityStage.lost)),
            closed_in_window,
        )
        .subquery("closed")
    )
    # As `_past_due_statement` picks them: a range of the expected-close index per open status.
    past_due = (
        select(func.count().label("past_due_count"))
        .where(_open_at_now(Lead.expected_close_date < _DUE_BEFORE))
        .subquery("past_due")
    )
    return (
        select(*new_leads.c, *open_leads.c, *proposals.c, *closed.c, *past_due.c)
        .select_from(new_leads)
        .join(open_leads, true())
        .join(proposals, true())
        .join(closed, true())
        .join(past_due, true())
    )


def _oldest_open_lead(
    session: Session, workspace: Workspace, params: dict[str, Any]
) -> OldestOpenLead | None:
    row = session.connection().execute(_oldest_statement(), params).first()
    if row is None:
        return None
    return OldestOpenLead(
        lead_id=row.lead_id,
        title=row.title,
        contact_id=row.contact_id,
        contact_name=display_name(row.first_name, row.last_name),
        age_days=(params["today"] - local_date(workspace, row.created_at)).days,
        stage=PipelineStage(row.pipeline_stage),
    )


# A literal limit: bound, Postgres's generic plan for the prepared statement guessed a tenth of
# the leads for each `LIMIT $n`, so it planned the statement on every call (0.8 ms at full size).
_ONE = bindparam("one", 1, type_=Integer(), literal_execute=True)


@cache
def _oldest_statement() -> Select[Any]:
    """The first open lead created: the first of each open status (each a probe of the
    (workspace, status, created_at) index; one range over all three would read every closed
    lead older than it), then the first of those three."""
    firsts = [
        select(Lead.lead_id, Lead.created_at)
        .where(_open_at_now(Lead.status == status))
        .order_by(Lead.created_at, Lead.lead_id)
        .limit(_ONE)
        .subquery()
        for status in OPEN_LEAD_STATUSES
    ]
    first = union_all(*(select(*each.c) for each in firsts)).subquery("firsts")
    shown = ShownContact()
    query = select(Lead.lead_id, Lead.title, Lead.pipeline_stage, Lead.created_at, *shown.columns)
    return (
        shown.join(query.join(first, first.c.lead_id == Lead.lead_id), Lead.contact_id)
        .order_by(Lead.created_at, Lead.lead_id)
        .limit(_ONE)
    )


def _past_expected_close(
    session: Session,
    workspace: Workspace,
    params: dict[str, Any],
    *,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[PastDueLead, ...]:
    today: date = params["today"]
    statement = _past_due_statement(paged=limit is not None)
    if limit is not None:
        limit, offset = max(limit, 0), max(offset, 0)
        params = {**params, "limit": limit, "offset": offset, "reach": offset + limit}
    return tuple(
        PastDueLead(
            lead_id=row.lead_id,
            title=row.title,
            contact_id=row.contact_id,
            contact_name=display_name(row.first_name, row.last_name),
            stage=PipelineStage(row.pipeline_stage),
            expected_close_date=row.expected_close_date,
            days_past=(today - row.expected_close_date).days,
        )
        for row in session.connection().execute(statement, params)
    )


@cache
def _past_due_statement(*, paged: bool) -> Select[Any]:
    """Open leads past their expected close date, oldest date first: a range of the
    (workspace, status, expected_close_date) index per open status.

    `paged`: only the `limit` after the first `offset`, written into the SQL (as `_ONE`), so
    Postgres keeps one plan. Each status's range is read in the index's order and stops after
    `offset + limit` of its leads (the page is among those), so a page reads that many index
    entries per status, not every late lead (one range over all three sorted all of them).
    """
    order = (Lead.expected_close_date, Lead.created_at, Lead.lead_id)
    shown = ShownContact()
    query = select(
        Lead.lead_id, Lead.title, Lead.pipeline_stage, Lead.expected_close_date, *shown.columns
    )
    if not paged:
        return (
            shown.join(query, Lead.contact_id)
            .where(_open_at_now(Lead.expected_close_date < _DUE_BEFORE))
            .order_by(*order)
        )
    reach = bindparam("reach", type_=Integer(), literal_execute=True)
    firsts = [
        select(Lead.lead_id)
        .where(_open_at_now(Lead.status == status, Lead.expected_close_date < _DUE_BEFORE))
        .order_by(*order)
        .limit(reach)
        .subquery()
        for status in OPEN_LEAD_STATUSES
    ]
    first = union_all(*(select(*each.c) for each in firsts)).subquery("firsts")
    return (
        shown.join(query.join(first, first.c.lead_id == Lead.lead_id), Lead.contact_id)
        .order_by(*order)
        .limit(bindparam("limit", type_=Integer(), literal_execute=True))
        .offset(bindparam("offset", type_=Integer(), literal_execute=True))
    )


def leads_past_expected_close(
    session: Session, *, workspace: Workspace, now: datetime
) -> tuple[PastDueLead, ...]:
    """Open leads (created by `now`) whose expected close date is before today, oldest first."""
    today = local_today(workspace, now)
    params = {"ws": workspace.workspace_id, "now": now, "today": today, "due_before": today}
    return _past_expected_close(session, workspace, params)

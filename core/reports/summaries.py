"""The weekly pipeline summary and the monthly win/loss summary (docs/product.md, Definitions).

Each report is a fixed handful of aggregate statements whatever the data size. Day counts are
differences of local dates, computed in SQL by `core.common.local_dates`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from core.common.enums import (
    OPEN_LEAD_STATUSES,
    DisqualificationReason,
    InteractionType,
    LeadSource,
    LeadStatus,
    LossReason,
    OpportunityStage,
    PipelineStage,
)
from core.common.local_dates import (
    age_in_days,
    day_number,
    epoch_seconds,
    local_date,
    local_day_number,
    local_midnight,
    local_today,
    prepare_local_dates,
)
from core.models import Interaction, Lead, Opportunity, Workspace
from core.reports.rows import ShownContact, display_name, open_lead_at

__all__ = [
    "OldestOpenLead",
    "PastDueLead",
    "PipelineSummary",
    "ReasonCount",
    "SourceAmount",
    "SourceCount",
    "WinLossSummary",
    "leads_past_expected_close",
    "pipeline_summary",
    "previous_month",
    "win_loss",
]

WEEK = timedelta(days=7)
# What counts as the business answering an inquiry: a message sent to the customer.
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
    past_expected_close: tuple[PastDueLead, ...]
    # Leads created in the window that got a first reply (email or text), and the average
    # hours from the inquiry to it; None when no such lead got one.
    replied_leads: int = 0
    response_avg_hours: Decimal | None = None


def pipeline_summary(session: Session, *, workspace: Workspace, now: datetime) -> PipelineSummary:
    """The pipeline over the 7 x 24 hours before `now`; three statements.

    New leads: created_at in (now - 7 days, now]. Won / lost: close_date is a date, so the
    window in dates is every D with local_date(now - 7 days) < D <= today. Snapshot figures
    (follow-up, proposals out, oldest, past expected close) count open leads created by `now`.
    """
    prepare_local_dates(session)
    ws = workspace.workspace_id
    today = local_today(workspace, now)
    window_start = now - WEEK
    first_close_date = local_date(workspace, window_start) + timedelta(days=1)

    def count_leads(*where: Any) -> Any:
        return select(func.count(Lead.lead_id)).where(Lead.workspace_id == ws, *where)

    def opportunities(column: Any, *where: Any) -> Any:
        return select(column).where(Opportunity.workspace_id == ws, *where)

    open_lead = open_lead_at(workspace, now)
    follow_up = and_(open_lead, Lead.pipeline_stage == PipelineStage.follow_up)
    estimate_sent = and_(open_lead, Lead.pipeline_stage == PipelineStage.estimate_sent)
    proposal_sent = Opportunity.stage == OpportunityStage.proposal_sent
    closed_in_window = and_(
        Opportunity.close_date >= first_close_date, Opportunity.close_date <= today
    )
    won = and_(Opportunity.stage == OpportunityStage.won, closed_in_window)
    lost = and_(Opportunity.stage == OpportunityStage.lost, closed_in_window)
    zero = Decimal(0)
    first_reply = (
        select(func.min(Interaction.timestamp))
        .where(
            Interaction.lead_id == Lead.lead_id,
            Interaction.type.in_(REPLY_TYPES),
            Interaction.timestamp >= Lead.created_at,
        )
        .correlate(Lead)
        .scalar_subquery()
    )
    replies = (
        select(Lead.created_at.label("asked"), first_reply.label("answered"))
        .where(Lead.workspace_id == ws, Lead.created_at > window_start, Lead.created_at <= now)
        .subquery()
    )
    figures = session.execute(
        select(
            count_leads(Lead.created_at > window_start, Lead.created_at <= now)
            .scalar_subquery()
            .label("new_leads"),
            count_leads(follow_up).scalar_subquery().label("follow_up_count"),
            select(func.coalesce(func.sum(age_in_days(workspace, Lead.created_at, today)), 0))
            .where(Lead.workspace_id == ws, follow_up)
            .scalar_subquery()
            .label("follow_up_age_total"),
            count_leads(estimate_sent).scalar_subquery().label("estimates_count"),
            select(func.coalesce(func.sum(Lead.estimated_value), zero))
            .where(Lead.workspace_id == ws, estimate_sent)
            .scalar_subquery()
            .label("estimates_value"),
            opportunities(func.count(Opportunity.opportunity_id), proposal_sent)
            .scalar_subquery()
            .label("proposals_count"),
            opportunities(func.coalesce(func.sum(Opportunity.amount), zero), proposal_sent)
            .scalar_subquery()
            .label("proposals_value"),
            opportunities(func.count(Opportunity.opportunity_id), won)
            .scalar_subquery()
            .label("won_count"),
            opportunities(func.coalesce(func.sum(Opportunity.amount), zero), won)
            .scalar_subquery()
            .label("won_value"),
            opportunities(func.count(Opportunity.opportunity_id), lost)
            .scalar_subquery()
            .label("lost_count"),
            select(func.count(replies.c.answered)).scalar_subquery().label("replied_leads"),
            select(
                func.coalesce(
                    func.sum(epoch_seconds(replies.c.answered) - epoch_seconds(replies.c.asked)),
                    0,
                )
            )
            .scalar_subquery()
            .label("response_seconds"),
        )
    ).one()
    return PipelineSummary(
        today=today,
        window_start=window_start,
        window_end=now,
        first_close_date=first_close_date,
        new_leads=figures.new_leads,
        follow_up_count=figures.follow_up_count,
        follow_up_avg_age_days=one_decimal(
            int(figures.follow_up_age_total), figures.follow_up_count
        ),
        proposals_out_count=figures.estimates_count + figures.proposals_count,
        proposals_out_value=figures.estimates_value + figures.proposals_value,
        won_count=figures.won_count,
        won_value=figures.won_value,
        lost_count=figures.lost_count,
        replied_leads=figures.replied_leads,
        response_avg_hours=one_decimal(
            Decimal(str(figures.response_seconds)) / 3600, figures.replied_leads
        ),
        oldest_open_lead=_oldest_open_lead(session, workspace, now, today),
        past_expected_close=leads_past_expected_close(session, workspace=workspace, now=now),
    )


def _open_leads_with_contact(workspace: Workspace, now: datetime, *columns: Any) -> Any:
    """Open leads at `now` with the given columns and the contact each is shown under."""
    shown = ShownContact()
    query = select(Lead.lead_id, Lead.title, Lead.pipeline_stage, *columns, *shown.columns)
    return shown.join(query, Lead.contact_id).where(open_lead_at(workspace, now))


def _oldest_open_lead(
    session: Session, workspace: Workspace, now: datetime, today: date
) -> OldestOpenLead | None:
    row = session.execute(
        _open_leads_with_contact(workspace, now, Lead.created_at)
        .order_by(Lead.created_at, Lead.lead_id)
        .limit(1)
    ).first()
    if row is None:
        return None
    return OldestOpenLead(
        lead_id=row.lead_id,
        title=row.title,
        contact_id=row.contact_id,
        contact_name=display_name(row.first_name, row.last_name),
        age_days=(today - local_date(workspace, row.created_at)).days,
        stage=PipelineStage(row.pipeline_stage),
    )


def leads_past_expected_close(
    session: Session, *, workspace: Workspace, now: datetime
) -> tuple[PastDueLead, ...]:
    """Open leads (created by `now`) whose expected close date is before today, oldest first."""
    today = local_today(workspace, now)
    rows = session.execute(
        _open_leads_with_contact(workspace, now, Lead.expected_close_date)
        .where(Lead.expected_close_date < today)
        .order_by(Lead.expected_close_date, Lead.created_at, Lead.lead_id)
    ).all()
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
        for row in rows
    )


# --- win / loss -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonCount:
    reason: str  # a DisqualificationReason / LossReason value, or "not_given"
    count: int


@dataclass(frozen=True)
class SourceCount:
    source: LeadSource
    count: int


@dataclass(frozen=True)
class SourceAmount:
    source: LeadSource | None  # None: won deals with no lead behind them
    amount: Decimal
    count: int


@dataclass(frozen=True)
class WinLossSummary:
    month_start: date
    month_end: date
    leads_created: int
    converted: int
    disqualified: int
    disqualified_by_reason: tuple[ReasonCount, ...]
    still_open: int
    won_count: int
    won_amount: Decimal
    lost_count: int
    lost_by_reason: tuple[ReasonCount, ...]
    top_sources_by_leads: tuple[SourceCount, ...]
    top_sources_by_won_amount: tuple[SourceAmount, ...]
    avg_days_to_win: Decimal | None


NOT_GIVEN = "not_given"


def previous_month(today: date) -> tuple[date, date]:
    """First and last local date of the calendar month before `today`'s."""
    month_end = today.replace(day=1) - timedelta(days=1)
    return month_end.replace(day=1), month_end


def _by_count(counts: dict[str, int]) -> tuple[ReasonCount, ...]:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(ReasonCount(reason, count) for reason, count in ranked)


def win_loss(session: Session, *, workspace: Workspace, now: datetime) -> WinLossSummary:
    """Last calendar month: leads created by outcome, deals closed, sources, days to win.

    Leads count when created in the month (local dates); deals when their close_date is in it.
    Won amounts are credited to the source of the deal's lead. Four statements.
    """
    prepare_local_dates(session)
    ws = workspace.workspace_id
    month_start, month_end = previous_month(local_today(workspace, now))
    created_in_month = and_(
        Lead.workspace_id == ws,
        Lead.created_at >= local_midnight(workspace, month_start),
        Lead.created_at < local_midnight(workspace, month_end + timedelta(days=1)),
    )
    closed_in_month = and_(
        Opportunity.workspace_id == ws,
        Opportunity.close_date >= month_start,
        Opportunity.close_date <= month_end,
    )

    outcomes = session.execute(
        select(Lead.status, Lead.disqualification_reason, func.count(Lead.lead_id).label("n"))
        .where(created_in_month)
        .group_by(Lead.status, Lead.disqualification_reason)
    ).all()
    by_status: dict[LeadStatus, int] = {}
    disqualified: dict[str, int] = {}
    for status, reason, n in outcomes:
        by_status[LeadStatus(status)] = by_status.get(LeadStatus(status), 0) + n
        if status == LeadStatus.disqualified:
            key = DisqualificationReason(reason).value if reason else NOT_GIVEN
            disqualified[key] = disqualified.get(key, 0) + n

    sources = session.execute(
        select(Lead.source, func.count(Lead.lead_id).label("n"))
        .where(created_in_month)
        .group_by(Lead.source)
    ).all()

    closed = session.execute(
        select(
            Opportunity.stage,
            Opportunity.loss_reason,
            func.count(Opportunity.opportunity_id).label("n"),
            func.coalesce(func.sum(Opportunity.amount), Decimal(0)).label("amount"),
        )
        .where(
            closed_in_month,
            Opportunity.stage.in_((OpportunityStage.won, OpportunityStage.lost)),
        )
        .group_by(Opportunity.stage, Opportunity.loss_reason)
    ).all()
    won_count, won_amount, lost = 0, Decimal(0), dict[str, int]()
    for stage, reason, n, amount in closed:
        if stage == OpportunityStage.won:
            won_count, won_amount = won_count + n, won_amount + amount
        else:
            key = LossReason(reason).value if reason else NOT_GIVEN
            lost[key] = lost.get(key, 0) + n

    days_to_win = day_number(Opportunity.close_date) - local_day_number(
        Lead.created_at, workspace.timezone
    )
    won_by_source = session.execute(
        select(
            Lead.source,
            func.count(Opportunity.opportunity_id).label("n"),
            func.coalesce(func.sum(Opportunity.amount), Decimal(0)).label("amount"),
            func.count(Lead.lead_id).label("with_lead"),
            func.coalesce(func.sum(days_to_win), 0).label("days"),
        )
        .select_from(Opportunity)
        .outerjoin(Lead, and_(Lead.lead_id == Opportunity.lead_id, Lead.workspace_id == ws))
        .where(closed_in_month, Opportunity.stage == OpportunityStage.won)
        .group_by(Lead.source)
    ).all()

    return WinLossSummary(
        month_start=month_start,
        month_end=month_end,
        leads_created=sum(by_status.values()),
        converted=by_status.get(LeadStatus.converted, 0),
        disqualified=by_status.get(LeadStatus.disqualified, 0),
        disqualified_by_reason=_by_count(disqualified),
        still_open=sum(by_status.get(status, 0) for status in OPEN_LEAD_STATUSES),
        won_count=won_count,
        won_amount=won_amount,
        lost_count=sum(lost.values()),
        lost_by_reason=_by_count(lost),
        top_sources_by_leads=tuple(
            SourceCount(LeadSource(s), n)
            for s, n in sorted(sources, key=lambda row: (-row.n, str(row.source)))
        ),
        top_sources_by_won_amount=tuple(
            SourceAmount(LeadSource(row.source) if row.source else None, row.amount, row.n)
            for row in sorted(
                won_by_source, key=lambda row: (-row.amount, -row.n, str(row.source or "~"))
            )
        ),
        avg_days_to_win=one_decimal(
            int(sum(row.days for row in won_by_source)),
            sum(row.with_lead for row in won_by_source),
        ),
    )

"""The weekly pipeline summary (docs/product.md, Definitions).

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
    InteractionType,
    OpportunityStage,
    PipelineStage,
)
from core.common.local_dates import (
    age_in_days,
    epoch_seconds,
    local_date,
    local_today,
    prepare_local_dates,
)
from core.models import Interaction, Lead, Opportunity, Workspace
from core.reports.rows import ShownContact, display_name, open_lead_at

__all__ = [
    "OldestOpenLead",
    "PastDueLead",
    "PipelineSummary",
    "one_decimal",
    "leads_past_expected_close",
    "pipeline_summary",
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

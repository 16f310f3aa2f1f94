"""The monthly win/loss summary: leads by outcome, deals won and lost, sources, days to close.

The previous calendar month in the workspace's timezone (docs/product.md, Definitions); a
fixed two aggregate statements whatever the data size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from core.common.enums import (
    OPEN_LEAD_STATUSES,
    DisqualificationReason,
    LeadSource,
    LeadStatus,
    LossReason,
    OpportunityStage,
)
from core.common.local_dates import (
    day_number,
    local_day_number,
    local_midnight,
    local_today,
)
from core.models import Lead, Opportunity, Workspace
from core.reports.summaries import one_decimal

__all__ = [
    "ReasonCount",
    "SourceAmount",
    "SourceCount",
    "WinLossSummary",
    "previous_month",
    "win_loss",
]


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
    Won amounts are credited to the source of the deal's lead. Two statements: the month's
    leads grouped by every key the summary splits them by (a few dozen rows at most), and its
    closed deals likewise, folded here; a round trip costs more than the folding.
    """
    ws = workspace.workspace_id
    month_start, month_end = previous_month(local_today(workspace, now))

    by_outcome = (
        select(
            Lead.status,
            Lead.disqualification_reason,
            Lead.source,
            func.count(Lead.lead_id).label("n"),
        )
        .where(
            Lead.workspace_id == ws,
            Lead.created_at >= local_midnight(workspace, month_start),
            Lead.created_at < local_midnight(workspace, month_end + timedelta(days=1)),
        )
        .group_by(Lead.status, Lead.disqualification_reason, Lead.source)
    )
    # On the session's connection: through the session, the ORM's handling of a select of
    # mapped attributes cost 0.1 ms a statement (docs/performance.md).
    leads = session.connection().execute(by_outcome).all()
    by_status: dict[LeadStatus, int] = {}
    disqualified: dict[str, int] = {}
    sources: dict[str, int] = {}
    for status, reason, source, n in leads:
        by_status[LeadStatus(status)] = by_status.get(LeadStatus(status), 0) + n
        sources[source] = sources.get(source, 0) + n
        if status == LeadStatus.disqualified:
            key = DisqualificationReason(reason).value if reason else NOT_GIVEN
            disqualified[key] = disqualified.get(key, 0) + n

    days_to_win = day_number(Opportunity.close_date) - local_day_number(
        Lead.created_at, workspace.timezone
    )
    by_deal_outcome = (
        select(
            Opportunity.stage,
            Opportunity.loss_reason,
            Lead.source,
            func.count(Opportunity.opportunity_id).label("n"),
            func.coalesce(func.sum(Opportunity.amount), Decimal(0)).label("amount"),
            func.count(Lead.lead_id).label("with_lead"),
            func.coalesce(func.sum(days_to_win), 0).label("days"),
        )
        .select_from(Opportunity)
        .outerjoin(Lead, and_(Lead.lead_id == Opportunity.lead_id, Lead.workspace_id == ws))
        .where(
            Opportunity.workspace_id == ws,
            Opportunity.close_date >= month_start,
            Opportunity.close_date <= month_end,
            Opportunity.stage.in_((OpportunityStage.won, OpportunityStage.lost)),
        )
        .group_by(Opportunity.stage, Opportunity.loss_reason, Lead.source)
    )
    closed = session.connection().execute(by_deal_outcome).all()
    won_count, won_amount, won_with_lead, won_days = 0, Decimal(0), 0, 0
    won_by_source: dict[str | None, tuple[int, Decimal]] = {}
    lost: dict[str, int] = {}
    for stage, reason, source, n, amount, with_lead, days in closed:
        if stage == OpportunityStage.won:
            won_count, won_amount = won_count + n, won_amount + amount
            won_with_lead, won_days = won_with_lead + with_lead, won_days + int(days)
            count_so_far, amount_so_far = won_by_source.get(source, (0, Decimal(0)))
            won_by_source[source] = (count_so_far + n, amount_so_far + amount)
        else:
            key = LossReason(reason).value if reason else NOT_GIVEN
            lost[key] = lost.get(key, 0) + n

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
            SourceCount(LeadSource(source), n)
            for source, n in sorted(sources.items(), key=lambda item: (-item[1], str(item[0])))
        ),
        top_sources_by_won_amount=tuple(
            SourceAmount(LeadSource(source) if source else None, amount, n)
            for source, (n, amount) in sorted(
                won_by_source.items(),
                key=lambda item: (-item[1][1], -item[1][0], str(item[0] or "~")),
            )
        ),
        avg_days_to_win=one_decimal(won_days, won_with_lead),
    )

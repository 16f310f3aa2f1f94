"""The oracles of the pipeline tallies' tests: the figures as `/pipeline` computed them before the
tallies (its statement, kept here verbatim), and each tally and first reply computed in Python
from the base rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    func,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import Session

from core.common.enums import OPEN_LEAD_STATUSES, OpportunityStage, PipelineStage
from core.common.local_dates import EPOCH, epoch_seconds, local_day_number
from core.models import DealTally, Interaction, Lead, LeadTally, Opportunity, Workspace
from core.platform.column_types import UTCDateTime
from core.reports.rows import archived_ids
from core.reports.summaries import REPLY_TYPES

Key = tuple[str, ...]


def lead_tallies(session: Session, workspace_id: str) -> dict[Key, tuple[int, Decimal, int]]:
    """What the lead tally holds per (status, stage), read back (keys summing to zero left out)."""
    rows = session.execute(
        select(
            LeadTally.status,
            LeadTally.pipeline_stage,
            func.sum(LeadTally.leads),
            func.sum(LeadTally.estimated_value),
            func.sum(LeadTally.created_days),
        )
        .where(LeadTally.workspace_id == workspace_id)
        .group_by(LeadTally.status, LeadTally.pipeline_stage)
    )
    held = {(str(s), str(p)): (int(n), Decimal(v), int(d)) for s, p, n, v, d in rows}
    return {key: sums for key, sums in held.items() if sums != (0, Decimal(0), 0)}


def counted_leads(session: Session, workspace_id: str) -> dict[Key, tuple[int, Decimal, int]]:
    """The same, counted from the leads in Python (local dates with zoneinfo)."""
    workspace = session.get(Workspace, workspace_id)
    assert workspace is not None
    zone = ZoneInfo(workspace.timezone)
    sums: dict[Key, list[Any]] = defaultdict(lambda: [0, Decimal(0), 0])
    query = select(Lead.status, Lead.pipeline_stage, Lead.estimated_value, Lead.created_at)
    for status, stage, value, created_at in session.execute(
        query.where(Lead.workspace_id == workspace_id)
    ):
        key = sums[(str(status), str(stage))]
        key[0] += 1
        key[1] += value or Decimal(0)
        key[2] += (created_at.astimezone(zone).date() - EPOCH).days
    return {key: (n, Decimal(v), d) for key, (n, v, d) in sums.items()}


def deal_tallies(session: Session, workspace_id: str) -> dict[str, tuple[int, Decimal]]:
    rows = session.execute(
        select(DealTally.stage, func.sum(DealTally.deals), func.sum(DealTally.amount))
        .where(DealTally.workspace_id == workspace_id)
        .group_by(DealTally.stage)
    )
    held = {str(stage): (int(n), Decimal(v)) for stage, n, v in rows}
    return {key: sums for key, sums in held.items() if sums != (0, Decimal(0))}


def counted_deals(session: Session, workspace_id: str) -> dict[str, tuple[int, Decimal]]:
    sums: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    query = select(Opportunity.stage, Opportunity.amount)
    for stage, amount in session.execute(query.where(Opportunity.workspace_id == workspace_id)):
        sums[str(stage)][0] += 1
        sums[str(stage)][1] += amount or Decimal(0)
    return {key: (n, Decimal(v)) for key, (n, v) in sums.items()}


def first_replies(session: Session, workspace_id: str) -> dict[str, datetime | None]:
    """Each lead's `first_reply_at`, read from the table (not from objects the session holds)."""
    query = select(Lead.lead_id, Lead.first_reply_at).where(Lead.workspace_id == workspace_id)
    return dict(session.execute(query).tuples().all())


def counted_first_replies(session: Session, workspace_id: str) -> dict[str, datetime | None]:
    """The first reply of each lead, from its interactions in Python."""
    created = dict(
        session.execute(
            select(Lead.lead_id, Lead.created_at).where(Lead.workspace_id == workspace_id)
        )
        .tuples()
        .all()
    )
    first: dict[str, datetime | None] = dict.fromkeys(created)
    replies = select(Interaction.lead_id, Interaction.timestamp).where(
        Interaction.type.in_(REPLY_TYPES), Interaction.lead_id.in_(list(created))
    )
    for lead_id, at in session.execute(replies).tuples():
        assert lead_id is not None
        was = first[lead_id]
        if at >= created[lead_id] and (was is None or at < was):
            first[lead_id] = at
    return first


# --- /pipeline's figures statement before the tallies (core/reports/summaries.py) --------------


@cache
def old_figures_statement() -> Select[Any]:
    """Every figure in one row: one pass over the week's new leads, one over the open leads at
    follow-up or estimate sent, one over the open and recently closed deals. Built once
    (building it per call cost more than running it); parameters: see `pipeline_summary`."""
    ws = bindparam("ws", type_=String())
    now = bindparam("now", type_=UTCDateTime())
    today = bindparam("today", type_=Date())
    first_reply = (
        select(func.min(Interaction.timestamp))
        .where(
            Interaction.lead_id == Lead.lead_id,
            # Inline, so the partial index ix_interactions_lead_replies serves any plan.
            Interaction.type.in_(
                bindparam("reply_types", list(REPLY_TYPES), expanding=True, literal_execute=True)
            ),
            Interaction.timestamp >= Lead.created_at,
        )
        .correlate(Lead)
        .scalar_subquery()
    )
    week = (
        select(Lead.created_at.label("asked"), first_reply.label("answered"))
        .where(
            Lead.workspace_id == ws,
            Lead.created_at > bindparam("window_start", type_=UTCDateTime()),
            Lead.created_at <= now,
        )
        .cte("week")
        # Materialized so the first reply is looked up once per lead, not once per use.
        .prefix_with("MATERIALIZED")
    )
    new_leads = select(
        func.count().label("new_leads"),
        func.count(week.c.answered).label("replied_leads"),
        func.coalesce(
            func.sum(epoch_seconds(week.c.answered) - epoch_seconds(week.c.asked)), 0
        ).label("response_seconds"),
    ).subquery("new_leads")

    follow_up = Lead.pipeline_stage == PipelineStage.follow_up
    estimate_sent = Lead.pipeline_stage == PipelineStage.estimate_sent
    age = bindparam("today_number", type_=Integer()) - local_day_number(
        Lead.created_at, bindparam("zone", type_=String())
    )

    def open_figures(name: str, *where: ColumnElement[bool]) -> Any:
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
                Lead.pipeline_stage.in_((PipelineStage.follow_up, PipelineStage.estimate_sent)),
                Lead.status.in_(OPEN_LEAD_STATUSES),
                Lead.created_at <= now,
                *where,
            )
            .subquery(name)
        )

    # Every open lead at those stages in an index-only pass (ix_leads_workspace_stage_status
    # holds each column read), less the few of archived contacts, found from those contacts:
    # leaving them out in the pass itself read every lead's row for its contact.
    every = open_figures("every_open")
    archived = open_figures("archived_open", Lead.contact_id.in_(archived_ids()))
    open_leads = (
        select(
            *(
                # Typed as the figure (a money column reads back as money, not its storage).
                type_coerce(every.c[name] - archived.c[name], every.c[name].type).label(name)
                for name in every.c.keys()
            )
        )
        .select_from(every.join(archived, true()))
        .subquery("open_leads")
    )

    proposal_sent = Opportunity.stage == OpportunityStage.proposal_sent
    closed_in_window = and_(
        Opportunity.close_date >= bindparam("first_close_date", type_=Date()),
        Opportunity.close_date <= today,
    )
    won = and_(Opportunity.stage == OpportunityStage.won, closed_in_window)
    lost = and_(Opportunity.stage == OpportunityStage.lost, closed_in_window)
    deals = (
        select(
            func.count().filter(proposal_sent).label("proposals_count"),
            func.coalesce(func.sum(Opportunity.amount).filter(proposal_sent), 0).label(
                "proposals_value"
            ),
            func.count().filter(won).label("won_count"),
            func.coalesce(func.sum(Opportunity.amount).filter(won), 0).label("won_value"),
            func.count().filter(lost).label("lost_count"),
        )
        .where(Opportunity.workspace_id == ws, or_(proposal_sent, won, lost))
        .subquery("deals")
    )
    return (
        select(*new_leads.c, *open_leads.c, *deals.c)
        .select_from(new_leads)
        .join(open_leads, true())
        .join(deals, true())
    )

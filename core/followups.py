"""The morning action list: follow-ups promised for today, and the overdue ones.

Definitions are DESIGN.md section 4: interactions with `follow_up_status = pending` and
`follow_up_date` today, the overdue ones (earlier date, still pending) under their own heading.
One statement however many rows, returning frozen dataclasses a renderer shows without I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from core.enums import (
    OPEN_LEAD_STATUSES,
    FollowUpStatus,
    InteractionType,
    OpportunityStage,
    Outcome,
    PipelineStage,
)
from core.local_dates import local_today
from core.models import Interaction, Lead, Opportunity, Workspace
from core.report_rows import TOUCH_COLUMNS, ShownContact, display_name, shorten

__all__ = ["FollowUpItem", "FollowUpKind", "FollowUpList", "followup_kind", "followups"]

TOPIC_LIMIT = 80


class FollowUpKind(StrEnum):
    """Which line of the morning list an item gets (see `followup_kind`)."""

    call_back = "call_back"
    proposal = "proposal"
    follow_up = "follow_up"


def followup_kind(
    interaction_type: InteractionType,
    outcome: Outcome,
    lead_stage: PipelineStage | None,
    opportunity_stage: OpportunityStage | None,
) -> FollowUpKind:
    """A proposal promise wins over the channel; calls and voicemails are called back."""
    if (
        outcome == Outcome.sent_proposal
        or lead_stage == PipelineStage.estimate_sent
        or opportunity_stage == OpportunityStage.proposal_sent
    ):
        return FollowUpKind.proposal
    if interaction_type == InteractionType.phone_call or outcome == Outcome.left_voicemail:
        return FollowUpKind.call_back
    return FollowUpKind.follow_up


@dataclass(frozen=True)
class FollowUpItem:
    """One promised follow-up: whom, about what, and how late it is."""

    interaction_id: str
    contact_id: str | None
    contact_name: str | None
    lead_id: str | None
    lead_title: str | None
    opportunity_id: str | None
    interaction_type: InteractionType
    outcome: Outcome
    topic: str
    follow_up_date: date
    days_overdue: int
    kind: FollowUpKind
    owner: str | None = None  # the lead's owner (Slack user id), so a person sees theirs first


@dataclass(frozen=True)
class FollowUpList:
    """Today's follow-ups and the overdue ones, as the morning list shows them."""

    today: date
    due_today: tuple[FollowUpItem, ...]
    overdue: tuple[FollowUpItem, ...]


def followups(session: Session, *, workspace: Workspace, now: datetime) -> FollowUpList:
    """Pending follow-ups due today, and the overdue ones (most late first), in one statement."""
    today = local_today(workspace, now)
    lead = aliased(Lead)
    opportunity = aliased(Opportunity)
    shown = ShownContact()
    query = (
        select(
            *TOUCH_COLUMNS,
            Interaction.outcome,
            Interaction.follow_up_date,
            Interaction.opportunity_id,
            lead.lead_id,
            lead.title.label("lead_title"),
            lead.status.label("lead_status"),
            lead.pipeline_stage,
            lead.owner.label("lead_owner"),
            opportunity.stage.label("opportunity_stage"),
            *shown.columns,
        )
        .outerjoin(opportunity, opportunity.opportunity_id == Interaction.opportunity_id)
        .outerjoin(lead, lead.lead_id == func.coalesce(Interaction.lead_id, opportunity.lead_id))
    )
    rows = session.execute(
        shown.join(
            query,
            func.coalesce(Interaction.contact_id, lead.contact_id, opportunity.contact_id),
        )
        .where(
            Interaction.workspace_id == workspace.workspace_id,
            Interaction.follow_up_status == FollowUpStatus.pending,
            Interaction.follow_up_date <= today,
        )
        .order_by(Interaction.follow_up_date, Interaction.timestamp, Interaction.interaction_id)
    ).all()
    items = [_followup_item(row, today) for row in rows]
    return FollowUpList(
        today=today,
        due_today=tuple(i for i in items if i.days_overdue == 0),
        overdue=tuple(i for i in items if i.days_overdue > 0),
    )


def _followup_item(row: Any, today: date) -> FollowUpItem:
    open_lead = row.lead_status in OPEN_LEAD_STATUSES
    topic = next(
        (t for t in (row.subject, row.ai_summary, row.body, row.lead_title) if t and t.strip()),
        "",
    )
    return FollowUpItem(
        interaction_id=row.interaction_id,
        contact_id=row.contact_id,
        contact_name=display_name(row.first_name, row.last_name),
        lead_id=row.lead_id,
        lead_title=row.lead_title,
        opportunity_id=row.opportunity_id,
        interaction_type=InteractionType(row.type),
        outcome=Outcome(row.outcome),
        topic=shorten(topic, TOPIC_LIMIT).rstrip(".!?;:,"),
        follow_up_date=row.follow_up_date,
        days_overdue=(today - row.follow_up_date).days,
        kind=followup_kind(
            InteractionType(row.type),
            Outcome(row.outcome),
            row.pipeline_stage if open_lead else None,
            row.opportunity_stage,
        ),
        owner=row.lead_owner,
    )

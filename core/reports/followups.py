"""The morning action list: follow-ups promised for today, and the overdue ones.

Definitions are docs/product.md's: interactions with `follow_up_status = pending` and
`follow_up_date` today, the overdue ones (earlier date, still pending) under their own heading.
One statement however many rows, returning frozen dataclasses a renderer shows without I/O.
With a `limit`, each list keeps its first `limit` items and the totals are counted in SQL (from
the index), so a daily post that shows ten loads ten however big the backlog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    Subquery,
    bindparam,
    exists,
    func,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from core.common.enums import (
    OPEN_LEAD_STATUSES,
    FollowUpStatus,
    InteractionType,
    OpportunityStage,
    Outcome,
    PipelineStage,
)
from core.common.local_dates import local_today
from core.contacts.do_not_contact import do_not_contact_ids
from core.models import Interaction, Lead, Opportunity, Workspace
from core.reports.rows import (
    TOUCH_COLUMNS,
    ShownContact,
    archived_ids,
    display_name,
    shorten,
)

__all__ = [
    "FollowUpItem",
    "FollowUpKind",
    "FollowUpList",
    "followup_item",
    "followup_kind",
    "followups",
    "item_rows",
]

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
    """Today's follow-ups and the overdue ones, as the morning list shows them.

    `due_today_count` / `overdue_count` are how many there are in all when the lists were
    cut by a limit (None: every one is listed); read them as `due_today_total` /
    `overdue_total`.
    """

    today: date
    due_today: tuple[FollowUpItem, ...]
    overdue: tuple[FollowUpItem, ...]
    due_today_count: int | None = None
    overdue_count: int | None = None

    @property
    def due_today_total(self) -> int:
        """Follow-ups due today in all, listed or not."""
        return len(self.due_today) if self.due_today_count is None else self.due_today_count

    @property
    def overdue_total(self) -> int:
        """Overdue follow-ups in all, listed or not."""
        return len(self.overdue) if self.overdue_count is None else self.overdue_count


def followups(
    session: Session, *, workspace: Workspace, now: datetime, limit: int | None = None
) -> FollowUpList:
    """Pending follow-ups due today, and the overdue ones (most late first), in one statement.

    With `limit`, at most that many of each list come back, with each list's total: each
    list is cut in SQL and counted from the index, and only the rows kept are joined to their
    lead, job and contact.
    """
    if limit is not None and limit < 1:
        raise ValueError("limit must be at least 1 (or None for every follow-up)")
    today = local_today(workspace, now)
    params: dict[str, Any] = {"ws": workspace.workspace_id, "today": today}
    if limit is not None:
        params["limit"] = limit
    rows = session.execute(_followups_statement(limited=limit is not None), params).all()
    items = [(followup_item(row, today), row.total) for row in rows]
    due = [(item, total) for item, total in items if item.days_overdue == 0]
    overdue = [(item, total) for item, total in items if item.days_overdue > 0]
    return FollowUpList(
        today=today,
        due_today=tuple(item for item, _ in due),
        overdue=tuple(item for item, _ in overdue),
        due_today_count=due[0][1] if due else 0,
        overdue_count=overdue[0][1] if overdue else 0,
    )


@cache
def _followups_statement(*, limited: bool) -> Select[Any]:
    """Built once (building it per call cost more than running it); parameters `ws`, `today`
    and `limit`.

    Each list is the first `limit` of a range of `ix_interactions_followups` in date order
    (sorted within a date by time), and its total a count of that range read from the index
    alone, less the few follow-ups of the contacts the lists leave out (found from those
    contacts): ranking every due row read each one's row, thousands in a big backlog.
    """
    today = bindparam("today", type_=Date())
    in_order = (Interaction.follow_up_date, Interaction.timestamp, Interaction.interaction_id)
    pending = (
        Interaction.workspace_id == bindparam("ws"),
        Interaction.follow_up_status == FollowUpStatus.pending,
    )
    # The contacts the lists leave out, once for every filter and count below: as a filter
    # repeated per list and per count, planning the statement took several times running it.
    do_not_contact = do_not_contact_ids().subquery("do_not_contact")
    left_out_cte = (
        union(select(do_not_contact.c.contact_id), archived_ids())
        .cte("left_out")
        .prefix_with("MATERIALIZED")
    )
    left_out = select(left_out_cte.c.contact_id)

    def count(*where: ColumnElement[bool]) -> ColumnElement[int]:
        return select(func.count()).select_from(Interaction).where(*where).scalar_subquery()

    parts = []
    for dated in (Interaction.follow_up_date == today, Interaction.follow_up_date < today):
        total = count(*pending, dated) - count(
            *pending, dated, Interaction.contact_id.in_(left_out)
        )
        part = (
            select(Interaction.interaction_id.label("ranked_id"), total.label("total"))
            .where(
                *pending,
                dated,
                # None of a contact marked do not contact, merged into one, or archived.
                ~exists().where(left_out_cte.c.contact_id == Interaction.contact_id),
            )
            .order_by(*in_order)
        )
        if limited:
            part = part.limit(bindparam("limit", type_=Integer()))
        parts.append(part.subquery().select())
    ranked = union_all(*parts).subquery("ranked")
    return item_rows(ranked).order_by(*in_order)


def item_rows(ranked: Subquery) -> Select[Any]:
    """The rows `followup_item` reads, for the interactions `ranked` keeps (its `ranked_id`),
    each joined to its lead, job and contact; `ranked.c.total` rides along."""
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
            ranked.c.total,
        )
        .join(ranked, ranked.c.ranked_id == Interaction.interaction_id)
        .outerjoin(opportunity, opportunity.opportunity_id == Interaction.opportunity_id)
        .outerjoin(lead, lead.lead_id == func.coalesce(Interaction.lead_id, opportunity.lead_id))
    )
    return shown.join(
        query, func.coalesce(Interaction.contact_id, lead.contact_id, opportunity.contact_id)
    )


def followup_item(row: Any, today: date) -> FollowUpItem:
    """One row of `item_rows` as the lists show it, `today` saying how late it is."""
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

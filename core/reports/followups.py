"""The morning action list: follow-ups promised for today, and the overdue ones.

Definitions are docs/product.md's: interactions with `follow_up_status = pending` and
`follow_up_date` today, the overdue ones (earlier date, still pending) under their own heading.
One statement however many rows, returning frozen dataclasses a renderer shows without I/O.
With a `limit`, each list keeps its first `limit` items and the totals are summed in SQL (from
the tallies), so a daily post that shows ten loads ten however big the backlog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Select,
    Subquery,
    bindparam,
    case,
    func,
    select,
    true,
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
from core.models import FollowUpTally, Interaction, Lead, Opportunity, Workspace
from core.platform.driver_rows import report_rows
from core.reports.left_out import left_out_contacts, not_left_out
from core.reports.rows import (
    TOUCH_COLUMNS,
    ShownContact,
    display_name,
    shorten,
    written_count,
    written_day,
    written_text,
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
_ITEM_COLUMNS = 18  # the columns of `item_rows` before `total`


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
    # Rows through the driver on Postgres (core/platform/driver_rows.py): no ORM entity, and
    # neither the ORM's nor SQLAlchemy Core's result handling, which cost more than they gave.
    statement = _followups_statement(today=today, limit=limit)
    rows = report_rows(session.connection(), statement, {"ws": workspace.workspace_id})
    items = [(followup_item(row, today), row[_ITEM_COLUMNS]) for row in rows]
    due = [(item, total) for item, total in items if item.days_overdue == 0]
    overdue = [(item, total) for item, total in items if item.days_overdue > 0]
    return FollowUpList(
        today=today,
        due_today=tuple(item for item, _ in due),
        overdue=tuple(item for item, _ in overdue),
        due_today_count=due[0][1] if due else 0,
        overdue_count=overdue[0][1] if overdue else 0,
    )


@lru_cache(maxsize=8)
def _followups_statement(*, today: date, limit: int | None) -> Select[Any]:
    """Built once a day for each limit, with both written in (core/reports/rows.py: building it
    per call cost more than running it); parameter `ws`.

    Each list is the first `limit` of a range of `ix_interactions_pending` in its order (date,
    time, id), and its total the sum of `followup_tallies` over those
    dates, less the few follow-ups of the contacts the lists leave out (found from those
    contacts): ranking every due row read each one's row, thousands in a big backlog.
    """
    in_order = (Interaction.follow_up_date, Interaction.timestamp, Interaction.interaction_id)
    pending = (
        Interaction.workspace_id == bindparam("ws"),
        # A literal: then Postgres's generic plan for the prepared statement can use the
        # partial index of the pending follow-ups (a bound status matches any, so it planned
        # every call instead, about 1 ms).
        Interaction.follow_up_status == written_text(FollowUpStatus.pending.value),
    )
    on_day = written_day(today)
    left_out_cte = left_out_contacts()  # read once by every filter and count below

    # Both lists' totals: the tallies of the dates up to today (docs/performance.md),
    # less the follow-ups of the left-out contacts, found from those contacts (probing each
    # follow-up's contact read every one of their rows: 2,000 at full size).
    due_today, overdue = Interaction.follow_up_date == on_day, Interaction.follow_up_date < on_day
    tallied = FollowUpTally.follow_ups
    every = (
        select(
            func.coalesce(
                func.sum(case((FollowUpTally.follow_up_date == on_day, tallied))), 0
            ).label("due_today"),
            func.coalesce(
                func.sum(case((FollowUpTally.follow_up_date < on_day, tallied))), 0
            ).label("overdue"),
        )
        .where(
            FollowUpTally.workspace_id == bindparam("ws"),
            FollowUpTally.follow_up_date <= on_day,
        )
        .subquery()
    )
    left_out = (
        select(
            func.count(case((due_today, 1))).label("due_today"),
            func.count(case((overdue, 1))).label("overdue"),
        )
        .select_from(left_out_cte)
        .join(Interaction, Interaction.contact_id == left_out_cte.c.contact_id)
        .where(*pending, Interaction.follow_up_date <= on_day)
        .subquery()
    )
    totals = (
        select(
            (every.c.due_today - left_out.c.due_today).label("due_today"),
            (every.c.overdue - left_out.c.overdue).label("overdue"),
        )
        .select_from(every.join(left_out, true()))
        .cte("totals")
    )

    parts = []
    for dated, total in ((due_today, totals.c.due_today), (overdue, totals.c.overdue)):
        part = (
            select(
                Interaction.interaction_id.label("ranked_id"),
                select(total).scalar_subquery().label("total"),
            )
            .where(
                *pending,
                dated,
                # None of a contact marked do not contact, merged into one, or archived.
                not_left_out(left_out_cte, Interaction.contact_id),
            )
            .order_by(*in_order)
        )
        if limit is not None:
            part = part.limit(written_count(limit))
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
            *shown.columns,  # the first _ITEM_COLUMNS columns are what `followup_item` reads
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
    """One row of `item_rows` as the lists show it, `today` saying how late it is.

    The row is unpacked by position, in `item_rows`'s column order (reading twenty columns by
    name cost more than the rest of the report's Python).
    """
    (
        interaction_id,
        interaction_type,
        _timestamp,
        ai_summary,
        subject,
        body,
        outcome,
        follow_up_date,
        opportunity_id,
        lead_id,
        lead_title,
        lead_status,
        pipeline_stage,
        lead_owner,
        opportunity_stage,
        contact_id,
        first_name,
        last_name,
    ) = row[:_ITEM_COLUMNS]
    interaction_type, outcome = InteractionType(interaction_type), Outcome(outcome)
    topic = next((t for t in (subject, ai_summary, body, lead_title) if t and t.strip()), "")
    return FollowUpItem(
        interaction_id=interaction_id,
        contact_id=contact_id,
        contact_name=display_name(first_name, last_name),
        lead_id=lead_id,
        lead_title=lead_title,
        opportunity_id=opportunity_id,
        interaction_type=interaction_type,
        outcome=outcome,
        topic=shorten(topic, TOPIC_LIMIT).rstrip(".!?;:,"),
        follow_up_date=follow_up_date,
        days_overdue=(today - follow_up_date).days,
        kind=followup_kind(
            interaction_type,
            outcome,
            pipeline_stage if lead_status in OPEN_LEAD_STATUSES else None,
            opportunity_stage,
        ),
        owner=lead_owner,
    )

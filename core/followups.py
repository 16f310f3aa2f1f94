"""The daily questions: which leads went quiet, who is owed a call today, when we last talked.

Definitions are DESIGN.md section 4. Every query is set-based: a fixed number of statements
however many rows, returning frozen dataclasses a renderer can show without further I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from core.business_days import business_day_cutoff
from core.db_types import UTCDateTime
from core.enums import (
    OPEN_LEAD_STATUSES,
    STALE_CANDIDATE_STATUSES,
    ContactPointKind,
    FollowUpStatus,
    InteractionType,
    LifecycleStage,
    OpportunityStage,
    Outcome,
    PipelineStage,
)
from core.errors import NotFound
from core.models import Contact, ContactPoint, Interaction, Lead, Opportunity, Workspace
from core.workspaces import zone

SUMMARY_LIMIT = 120
TOPIC_LIMIT = 80


class greatest(FunctionElement[datetime]):
    """The latest of several timestamps: `greatest()` on Postgres, scalar `max()` on SQLite."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(greatest)
def _greatest_default(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"greatest({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


def local_today(workspace: Workspace, now: datetime) -> date:
    """The report date: `now` read on the workspace's wall clock."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(zone(workspace)).date()


def local_midnight(workspace: Workspace, day: date) -> datetime:
    """The UTC instant a local calendar day starts, so date windows become timestamp compares."""
    return datetime.combine(day, time(0), tzinfo=zone(workspace)).astimezone(UTC)


def local_date(workspace: Workspace, instant: datetime) -> date:
    return instant.astimezone(zone(workspace)).date()


def display_name(first: str | None, last: str | None) -> str | None:
    name = " ".join(part.strip() for part in (first, last) if part and part.strip())
    return name or None


def contact_columns(contact: Any, survivor: Any) -> tuple[Any, Any, Any]:
    """The contact to show (the survivor of a merge, else the contact itself): id and name."""
    return (
        func.coalesce(survivor.contact_id, contact.contact_id).label("contact_id"),
        func.coalesce(survivor.first_name, contact.first_name).label("first_name"),
        func.coalesce(survivor.last_name, contact.last_name).label("last_name"),
    )


def shorten(text: str | None, limit: int) -> str:
    """One line of at most `limit` characters, cut at a word with an ellipsis."""
    flat = " ".join((text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


@dataclass(frozen=True)
class Touchpoint:
    """One interaction as a report mentions it: what, when, and a short summary."""

    interaction_id: str
    type: InteractionType
    timestamp: datetime
    local_date: date
    summary: str


def _touchpoint(workspace: Workspace, row: Any) -> Touchpoint:
    text = next((t for t in (row.ai_summary, row.subject, row.body) if t and t.strip()), "")
    return Touchpoint(
        interaction_id=row.interaction_id,
        type=InteractionType(row.type),
        timestamp=row.timestamp,
        local_date=local_date(workspace, row.timestamp),
        summary=shorten(text, SUMMARY_LIMIT),
    )


_TOUCH_COLUMNS = (
    Interaction.interaction_id,
    Interaction.type,
    Interaction.timestamp,
    Interaction.ai_summary,
    Interaction.subject,
    Interaction.body,
)


# --- stale leads -------------------------------------------------------------------------


@dataclass(frozen=True)
class StaleLead:
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
    linked to it or its contact, up to `now`) falls on or before the business-day cutoff date,
    i.e. before local midnight starting the day after. Two statements: page with total, touches.
    """
    ws = workspace.workspace_id
    today = local_today(workspace, now)
    n = workspace.stale_after_business_days
    cutoff = business_day_cutoff(today, n, workspace.holiday_country)
    stale_before = local_midnight(workspace, cutoff + timedelta(days=1))

    contact = aliased(Contact)
    survivor = aliased(Contact)
    candidate = and_(
        Lead.workspace_id == ws,
        Lead.status.in_(STALE_CANDIDATE_STATUSES),
        or_(Lead.snoozed_until.is_(None), Lead.snoozed_until < today),
    )
    candidate_ids = select(Lead.lead_id).where(candidate)
    candidate_contacts = select(Lead.contact_id).where(candidate, Lead.contact_id.is_not(None))
    merged_targets = select(Contact.merged_into_contact_id).where(
        Contact.workspace_id == ws, Contact.contact_id.in_(candidate_contacts)
    )
    # One aggregated pass per link kind (index (lead_id, timestamp) / (contact_id, timestamp)).
    # Merges re-point leads to the survivor; the survivor pass covers leads that still name a
    # merged-away contact (imported history).
    by_lead = _newest_by(Interaction.lead_id, candidate_ids, now, "by_lead")
    by_contact = _newest_by(Interaction.contact_id, candidate_contacts, now, "by_contact")
    by_survivor = _newest_by(Interaction.contact_id, merged_targets, now, "by_survivor")
    touch_times = (by_lead.c.ts, by_contact.c.ts, by_survivor.c.ts)
    last_touch = greatest(
        Lead.created_at, *(func.coalesce(ts, Lead.created_at) for ts in touch_times)
    )
    base = (
        select(Lead.lead_id)
        .outerjoin(contact, contact.contact_id == Lead.contact_id)
        .outerjoin(survivor, survivor.contact_id == contact.merged_into_contact_id)
        .outerjoin(by_lead, by_lead.c.key == Lead.lead_id)
        .outerjoin(by_contact, by_contact.c.key == Lead.contact_id)
        .outerjoin(by_survivor, by_survivor.c.key == contact.merged_into_contact_id)
        .where(candidate, Lead.created_at < stale_before)
        .where(*(or_(ts.is_(None), ts < stale_before) for ts in touch_times))
    )
    # The total is a COUNT window over every stale lead, computed before LIMIT: the heavy
    # aggregation runs once and only the listed page comes back.
    page_query = base.add_columns(
        Lead.title,
        Lead.created_at,
        Lead.owner,
        *contact_columns(contact, survivor),
        last_touch.label("last_touch"),
        func.count().over().label("total"),
    ).order_by(last_touch, Lead.created_at, Lead.lead_id)
    if limit is not None:
        if limit < 1:
            raise ValueError("limit must be at least 1 (or None for every stale lead)")
        page_query = page_query.limit(limit)
    page = session.execute(page_query).all()
    total = page[0].total if page else 0

    touches = _newest_touches(session, workspace, now, [row.lead_id for row in page])
    items = tuple(
        StaleLead(
            lead_id=row.lead_id,
            title=row.title,
            contact_id=row.contact_id,
            contact_name=display_name(row.first_name, row.last_name),
            created_on=local_date(workspace, row.created_at),
            last_touch_at=row.last_touch,
            days_since=(today - local_date(workspace, row.last_touch)).days,
            last_touch=touches.get(row.lead_id),
            today=today,
            owner=row.owner,
        )
        for row in page
    )
    return StaleLeadReport(today=today, cutoff=cutoff, business_days=n, items=items, total=total)


def _newest_by(key: Any, keys: Select[Any], now: datetime, name: str) -> Subquery:
    """The newest interaction time per lead (or per contact) among `keys`, up to `now`.

    `keys` are the workspace's own leads or contacts (ids are unique across workspaces), which
    scopes the pass; leaving `interactions.workspace_id` out lets Postgres answer from the
    (lead_id, timestamp) / (contact_id, timestamp) index alone: about twice as fast at
    2,000,000 interactions.
    """
    return (
        select(key.label("key"), func.max(Interaction.timestamp).label("ts"))
        .where(Interaction.timestamp <= now, key.in_(keys))
        .group_by(key)
        .subquery(name)
    )


def _newest_touches(
    session: Session, workspace: Workspace, now: datetime, lead_ids: list[str]
) -> dict[str, Touchpoint]:
    """The newest interaction of each lead or its contact, in one windowed statement."""
    contact = aliased(Contact)
    leads = (
        select(Lead.lead_id, Lead.contact_id, contact.merged_into_contact_id)
        .outerjoin(contact, contact.contact_id == Lead.contact_id)
        .where(Lead.workspace_id == workspace.workspace_id, Lead.lead_id.in_(lead_ids))
        .subquery("page")
    )
    newest_first = (Interaction.timestamp.desc(), Interaction.interaction_id.desc())
    ranked = (
        select(
            leads.c.lead_id.label("for_lead"),
            *_TOUCH_COLUMNS,
            func.row_number()
            .over(partition_by=leads.c.lead_id, order_by=newest_first)
            .label("rank"),
        )
        .join(
            Interaction,
            and_(
                Interaction.workspace_id == workspace.workspace_id,
                Interaction.timestamp <= now,
                or_(
                    Interaction.lead_id == leads.c.lead_id,
                    Interaction.contact_id == leads.c.contact_id,
                    Interaction.contact_id == leads.c.merged_into_contact_id,
                ),
            ),
        )
        .subquery("ranked")
    )
    rows = session.execute(select(ranked).where(ranked.c.rank == 1)).all()
    return {row.for_lead: _touchpoint(workspace, row) for row in rows}


# --- today's follow-ups ------------------------------------------------------------------


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
    today: date
    due_today: tuple[FollowUpItem, ...]
    overdue: tuple[FollowUpItem, ...]


def followups(session: Session, *, workspace: Workspace, now: datetime) -> FollowUpList:
    """Pending follow-ups due today, and the overdue ones (most late first), in one statement."""
    today = local_today(workspace, now)
    lead = aliased(Lead)
    opportunity = aliased(Opportunity)
    contact = aliased(Contact)
    survivor = aliased(Contact)
    rows = session.execute(
        select(
            *_TOUCH_COLUMNS,
            Interaction.outcome,
            Interaction.follow_up_date,
            Interaction.opportunity_id,
            lead.lead_id,
            lead.title.label("lead_title"),
            lead.status.label("lead_status"),
            lead.pipeline_stage,
            lead.owner.label("lead_owner"),
            opportunity.stage.label("opportunity_stage"),
            *contact_columns(contact, survivor),
        )
        .outerjoin(opportunity, opportunity.opportunity_id == Interaction.opportunity_id)
        .outerjoin(lead, lead.lead_id == func.coalesce(Interaction.lead_id, opportunity.lead_id))
        .outerjoin(
            contact,
            contact.contact_id
            == func.coalesce(Interaction.contact_id, lead.contact_id, opportunity.contact_id),
        )
        .outerjoin(survivor, survivor.contact_id == contact.merged_into_contact_id)
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


# --- "How long since we talked to [customer]?" ----------------------------------------------


@dataclass(frozen=True)
class LastTouch:
    contact_id: str
    contact_name: str
    today: date
    touch: Touchpoint | None
    days_ago: int | None


def last_touchpoint(
    session: Session, *, workspace: Workspace, contact_id: str, now: datetime
) -> LastTouch:
    """The newest interaction with a contact (or its leads, deals, merged duplicates)."""
    ws = workspace.workspace_id
    survivor = aliased(Contact)
    found = session.execute(
        select(
            *contact_columns(Contact, survivor),
        )
        .select_from(Contact)
        .outerjoin(survivor, survivor.contact_id == Contact.merged_into_contact_id)
        .where(Contact.workspace_id == ws, Contact.contact_id == contact_id)
    ).first()
    if found is None:
        raise NotFound("I couldn't find that contact.")
    people = select(Contact.contact_id).where(
        Contact.workspace_id == ws,
        or_(
            Contact.contact_id == found.contact_id,
            Contact.merged_into_contact_id == found.contact_id,
        ),
    )
    linked: ColumnElement[bool] = or_(
        Interaction.contact_id.in_(people),
        Interaction.lead_id.in_(
            select(Lead.lead_id).where(Lead.workspace_id == ws, Lead.contact_id.in_(people))
        ),
        Interaction.opportunity_id.in_(
            select(Opportunity.opportunity_id).where(
                Opportunity.workspace_id == ws, Opportunity.contact_id.in_(people)
            )
        ),
    )
    row = session.execute(
        select(*_TOUCH_COLUMNS)
        .where(Interaction.workspace_id == ws, Interaction.timestamp <= now, linked)
        .order_by(Interaction.timestamp.desc(), Interaction.interaction_id.desc())
        .limit(1)
    ).first()
    today = local_today(workspace, now)
    touch = _touchpoint(workspace, row) if row is not None else None
    return LastTouch(
        contact_id=found.contact_id,
        contact_name=display_name(found.first_name, found.last_name) or "(no name)",
        today=today,
        touch=touch,
        days_ago=(today - touch.local_date).days if touch is not None else None,
    )


# --- "Who are our newest customers?" ----------------------------------------------------------


@dataclass(frozen=True)
class CustomerSummary:
    contact_id: str
    name: str
    phone: str | None
    email: str | None
    updated_at: datetime


def newest_customers(
    session: Session, *, workspace: Workspace, limit: int = 10
) -> tuple[CustomerSummary, ...]:
    """Customers (not merged away, not archived) most recently updated first; two statements."""
    contacts = session.execute(
        select(Contact.contact_id, Contact.first_name, Contact.last_name, Contact.updated_at)
        .where(
            Contact.workspace_id == workspace.workspace_id,
            Contact.lifecycle_stage == LifecycleStage.customer,
            Contact.merged_into_contact_id.is_(None),
            Contact.archived.is_(False),
        )
        .order_by(Contact.updated_at.desc(), Contact.contact_id)
        .limit(limit)
    ).all()
    points = session.execute(
        select(ContactPoint.contact_id, ContactPoint.kind, ContactPoint.value)
        .where(ContactPoint.contact_id.in_([c.contact_id for c in contacts]))
        .order_by(ContactPoint.contact_id, ContactPoint.position, ContactPoint.id)
    ).all()
    primary: dict[tuple[str, ContactPointKind], str] = {}
    for point in points:
        primary.setdefault((point.contact_id, ContactPointKind(point.kind)), point.value)
    return tuple(
        CustomerSummary(
            contact_id=c.contact_id,
            name=display_name(c.first_name, c.last_name) or "(no name)",
            phone=primary.get((c.contact_id, ContactPointKind.phone)),
            email=primary.get((c.contact_id, ContactPointKind.email)),
            updated_at=c.updated_at,
        )
        for c in contacts
    )


# --- leads past their expected close date --------------------------------------------------


@dataclass(frozen=True)
class PastDueLead:
    lead_id: str
    title: str
    contact_id: str | None
    contact_name: str | None
    stage: PipelineStage
    expected_close_date: date
    days_past: int


def leads_past_expected_close(
    session: Session, *, workspace: Workspace, now: datetime
) -> tuple[PastDueLead, ...]:
    """Open leads (created by `now`) whose expected close date is before today, oldest first."""
    today = local_today(workspace, now)
    contact = aliased(Contact)
    survivor = aliased(Contact)
    rows = session.execute(
        select(
            Lead.lead_id,
            Lead.title,
            Lead.pipeline_stage,
            Lead.expected_close_date,
            *contact_columns(contact, survivor),
        )
        .outerjoin(contact, contact.contact_id == Lead.contact_id)
        .outerjoin(survivor, survivor.contact_id == contact.merged_into_contact_id)
        .where(
            Lead.workspace_id == workspace.workspace_id,
            Lead.status.in_(OPEN_LEAD_STATUSES),
            Lead.created_at <= now,
            Lead.expected_close_date < today,
        )
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

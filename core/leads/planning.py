"""Where a lead or a job stands and what it is worth: stage, expected close date, value, owner.

The weekly digest counts leads in follow-up, proposals out and leads past their expected
close date from these fields, so an office must be able to set them as the work moves.
Each change is its own operation: audited, and noted in the record's history as a `system`
interaction. `edit_lead_plan` and `edit_deal_plan` apply what one form changed, in the
caller's one transaction, after checking every field first (a refusal writes nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from core.activity.service import log_system_note
from core.common.enums import OPEN_LEAD_STATUSES, OpportunityStage, PipelineStage, in_words
from core.common.money import format_money, read_amount
from core.common.validation import clean_text, parse_choice
from core.errors import InvalidTransition
from core.leads.opportunities import (
    OPEN_STAGES,
    lock_opportunity,
    set_opportunity_close_date,
    set_opportunity_stage,
)
from core.leads.service import (
    assign_lead_owner,
    check_close_date,
    lock_lead,
    set_expected_close_date,
    set_lead_stage,
)
from core.models import Lead, Opportunity, Workspace
from core.platform.audit import audit, snapshot
from core.reports.wording import friendly_date

__all__ = [
    "DealPlan",
    "LeadPlan",
    "PlanEdit",
    "edit_deal_plan",
    "edit_lead_plan",
    "set_deal_amount",
    "set_estimated_value",
]

OWNER_LIMIT = 64
Record = TypeVar("Record", Lead, Opportunity)


@dataclass(frozen=True)
class LeadPlan:
    """A lead's plan as a form submits it: each field as typed or picked (core reads them)."""

    stage: PipelineStage | str
    expected_close_date: date | None = None
    estimated_value: Decimal | str | None = None
    owner: str | None = None  # None keeps the owner (a Slack user picker cannot be emptied)


@dataclass(frozen=True)
class DealPlan:
    """A job's plan as a form submits it."""

    stage: OpportunityStage | str
    amount: Decimal | str | None = None
    expected_close_date: date | None = None


@dataclass(frozen=True)
class PlanEdit(Generic[Record]):
    """The record after the edit and what changed, in words (empty when nothing did); a new
    owner is a flag, since who they are is for the surface to show (a Slack mention)."""

    record: Record
    changes: list[str] = field(default_factory=list)
    owner_changed: bool = False


def close_date_words(day: date | None) -> str:
    return friendly_date(day) if day is not None else "none"


def money_words(amount: Decimal | None) -> str:
    return format_money(amount) if amount is not None else "none"


def _note(
    session: Session,
    workspace: Workspace,
    actor: str,
    body: str,
    now: datetime,
    *,
    lead: Lead | None = None,
    opportunity: Opportunity | None = None,
) -> None:
    """The change, in the history of the lead (and its contact) or of the job."""
    log_system_note(
        session,
        workspace,
        actor=actor,
        body=body,
        lead_id=lead.lead_id if lead is not None else None,
        contact_id=lead.contact_id if lead is not None else None,
        opportunity_id=opportunity.opportunity_id if opportunity is not None else None,
        now=now,
    )


def _open_lead(session: Session, workspace: Workspace, lead_id: str) -> Lead:
    lead = lock_lead(session, workspace=workspace, lead_id=lead_id)
    if lead.status not in OPEN_LEAD_STATUSES:
        raise InvalidTransition(
            f"The {lead.title} lead is already {lead.status.value}, so I can't change it."
        )
    return lead


def _open_deal(session: Session, workspace: Workspace, opportunity_id: str) -> Opportunity:
    deal = lock_opportunity(session, workspace=workspace, opportunity_id=opportunity_id)
    if deal.stage not in OPEN_STAGES:
        raise InvalidTransition(f"{deal.name} is already {deal.stage.value}, so I can't change it.")
    return deal


# --- leads ----------------------------------------------------------------------------------------


def set_estimated_value(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    lead_id: str,
    estimated_value: Decimal | int | str | None,
    now: datetime,
) -> Lead:
    """Record the rough job size of an open lead (None clears it)."""
    value = read_amount(estimated_value, field="estimated_value")
    lead = _open_lead(session, workspace, lead_id)
    before = snapshot(lead)
    lead.estimated_value = value
    audit(session, workspace, actor=actor, action="set_estimated_value", entity=lead, before=before)
    _note(session, workspace, actor, f"Estimated value: {money_words(value)}.", now, lead=lead)
    return lead


def edit_lead_plan(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    lead_id: str,
    plan: LeadPlan,
    now: datetime,
) -> PlanEdit[Lead]:
    """Apply the stage, expected close date, value and owner one form set (what changed only)."""
    stage = parse_choice(PipelineStage, plan.stage, field="stage", label="pipeline stage")
    value = read_amount(plan.estimated_value, field="estimated_value")
    owner = clean_text(plan.owner, field="owner", label="lead owner", limit=OWNER_LIMIT)
    lead = _open_lead(session, workspace, lead_id)
    closes = check_close_date(
        workspace, now, plan.expected_close_date, kept=lead.expected_close_date
    )
    s, w, a = session, workspace, actor
    changes = []
    if stage != lead.pipeline_stage:
        set_lead_stage(session=s, workspace=w, actor=a, lead_id=lead_id, stage=stage, now=now)
        changes.append(f"stage: {in_words(stage)}")
    if closes != lead.expected_close_date:
        set_expected_close_date(
            session=s, workspace=w, actor=a, lead_id=lead_id, expected_close_date=closes, now=now
        )
        changes.append(f"expected close: {close_date_words(closes)}")
    if value != lead.estimated_value:
        set_estimated_value(
            session=s, workspace=w, actor=a, lead_id=lead_id, estimated_value=value, now=now
        )
        changes.append(f"estimated value: {money_words(value)}")
    new_owner = owner is not None and owner != lead.owner
    if owner is not None and new_owner:
        assign_lead_owner(session=s, workspace=w, actor=a, lead_id=lead_id, owner=owner, now=now)
    return PlanEdit(lead, changes, owner_changed=new_owner)


# --- jobs -----------------------------------------------------------------------------------------


def set_deal_amount(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    opportunity_id: str,
    amount: Decimal | int | str | None,
    now: datetime,
) -> Opportunity:
    """Record the amount of an open job (the quote, as it stands; None clears it)."""
    value = read_amount(amount, field="amount")
    deal = _open_deal(session, workspace, opportunity_id)
    before = snapshot(deal)
    deal.amount = value
    audit(session, workspace, actor=actor, action="set_deal_amount", entity=deal, before=before)
    _note(session, workspace, actor, f"Amount: {money_words(value)}.", now, opportunity=deal)
    return deal


def edit_deal_plan(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    opportunity_id: str,
    plan: DealPlan,
    now: datetime,
) -> PlanEdit[Opportunity]:
    """Apply the stage, amount and expected close date one form set (what changed only).

    Won and lost are not stages to pick here: they go through Mark won (the owner's
    confirmation) and Mark lost (the reason), which `set_opportunity_stage` refuses.
    """
    stage = parse_choice(OpportunityStage, plan.stage, field="stage", label="deal stage")
    value = read_amount(plan.amount, field="amount")
    deal = _open_deal(session, workspace, opportunity_id)
    closes = check_close_date(
        workspace, now, plan.expected_close_date, kept=deal.expected_close_date
    )
    s, w, a, deal_id = session, workspace, actor, opportunity_id
    changes = []
    if stage != deal.stage:
        set_opportunity_stage(
            session=s, workspace=w, actor=a, opportunity_id=deal_id, stage=stage, now=now
        )
        changes.append(f"stage: {in_words(stage)}")
    if value != deal.amount:
        set_deal_amount(
            session=s, workspace=w, actor=a, opportunity_id=deal_id, amount=value, now=now
        )
        changes.append(f"amount: {money_words(value)}")
    if closes != deal.expected_close_date:
        set_opportunity_close_date(
            session=s,
            workspace=w,
            actor=a,
            opportunity_id=deal_id,
            expected_close_date=closes,
            now=now,
        )
        changes.append(f"expected close: {close_date_words(closes)}")
    return PlanEdit(deal, changes)

"""The opportunity pipeline: stage changes, and winning (owner-confirmed) or losing a deal.

Winning sets off QuickBooks and scheduling, so it needs an owner and a confirmation that owner
issued for this deal (`core.leads.won_confirmations`, hard stop 4). Losing keeps everything:
the lead, the contact and the history stay. Each change of stage is one conditional UPDATE
(`core.platform.transitions`): of two clicks at once, one wins; the other is told.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.activity.reminders import NOTE_LIMIT, create_reminder
from core.activity.service import BODY_LIMIT, log_system_note
from core.common.enums import (
    CompanyStatus,
    LifecycleStage,
    LossReason,
    OpportunityStage,
    ReminderStatus,
    in_words,
)
from core.common.local_dates import local_today
from core.common.money import read_amount
from core.common.validation import clean_text, parse_choice
from core.errors import AlreadyDone, InvalidInput, InvalidTransition
from core.leads.handoffs import (
    HandoffEvent,
    contact_document,
    emit_handoff,
    opportunity_document,
)
from core.leads.lock_order import lock_after_contact
from core.leads.service import check_close_date
from core.leads.won_confirmations import consume_won_confirmation
from core.models import Company, Contact, Opportunity, Reminder, Workspace
from core.platform.audit import audit, snapshot
from core.platform.transitions import apply_transition
from core.reports.wording import friendly_date
from core.workspaces.service import get_in_workspace, require_owner

__all__ = [
    "REENGAGE_DAYS",
    "LostDeal",
    "WonDeal",
    "get_opportunity",
    "lock_opportunity",
    "mark_lost",
    "mark_won",
    "set_opportunity_close_date",
    "set_opportunity_stage",
    "set_reengage_reminder",
]

#: The re-engage interval the procedure suggests after a lost deal.
REENGAGE_DAYS = 90
MAX_REENGAGE_DAYS = 3650
OPEN_STAGES = (
    OpportunityStage.estimating,
    OpportunityStage.proposal_sent,
    OpportunityStage.scheduled,
)


@dataclass(frozen=True)
class WonDeal:
    """A won deal, its customer, and the QuickBooks question to put to the owner (if any)."""

    opportunity: Opportunity
    contact: Contact | None
    quickbooks_prompt: str | None


@dataclass(frozen=True)
class LostDeal:
    """A lost deal, the re-engage reminder set (if asked), else the question to offer one."""

    opportunity: Opportunity
    reminder: Reminder | None
    reengage_question: str | None


def get_opportunity(session: Session, *, workspace: Workspace, opportunity_id: str) -> Opportunity:
    """The opportunity, or NotFound when it is not in this workspace."""
    return get_in_workspace(
        session, Opportunity, opportunity_id, workspace=workspace, field="opportunity"
    )


def lock_opportunity(session: Session, *, workspace: Workspace, opportunity_id: str) -> Opportunity:
    """The deal, row-locked after its contact, for an edit (`core.leads.lock_order`)."""
    deal = get_opportunity(session, workspace=workspace, opportunity_id=opportunity_id)
    return lock_after_contact(session, deal)


def _open_opportunity(
    session: Session, workspace: Workspace, opportunity_id: str, doing: str
) -> Opportunity:
    opportunity = lock_opportunity(session, workspace=workspace, opportunity_id=opportunity_id)
    if opportunity.stage not in OPEN_STAGES:
        _refuse_closed(opportunity, doing)
    return opportunity


def _refuse_closed(opportunity: Opportunity, doing: str) -> None:
    """A closed deal: the same decision again is news already given, another is refused."""
    stage = opportunity.stage.value
    if doing == f"mark {stage}":
        raise AlreadyDone(f"{opportunity.name} is already {stage}; nothing more to do.")
    raise InvalidTransition(f"{opportunity.name} is already {stage}, so I can't {doing} it.")


def _close(
    session: Session, opportunity: Opportunity, values: Mapping[str, object], doing: str
) -> None:
    """Close the deal only if it is still at the stage read (one conditional UPDATE)."""
    if not apply_transition(
        session, opportunity, expected={"stage": opportunity.stage}, values=values
    ):
        if opportunity.stage not in OPEN_STAGES:
            _refuse_closed(opportunity, doing)
        raise AlreadyDone(
            f"{opportunity.name} just moved to {in_words(opportunity.stage)}; look again."
        )


def set_opportunity_stage(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    opportunity_id: str,
    stage: OpportunityStage | str,
    now: datetime,
) -> Opportunity:
    """Move an open deal between estimating, proposal_sent and scheduled (logged)."""
    chosen = parse_choice(OpportunityStage, stage, field="stage", label="deal stage")
    if chosen not in OPEN_STAGES:
        raise InvalidInput(
            f"Use Mark {chosen.value} to close a deal as {chosen.value}.", field="stage"
        )
    opportunity = _open_opportunity(session, workspace, opportunity_id, "move")
    before = snapshot(opportunity)
    if not apply_transition(
        session, opportunity, expected={"stage": opportunity.stage}, values={"stage": chosen}
    ):
        raise AlreadyDone(
            f"{opportunity.name} just moved to {in_words(opportunity.stage)}; look again."
        )
    audit(
        session,
        workspace,
        actor=actor,
        action="set_opportunity_stage",
        entity=opportunity,
        before=before,
    )
    body = f"Opportunity {opportunity.name} moved to {in_words(chosen)}."
    log_system_note(
        session, workspace, actor=actor, body=body, opportunity_id=opportunity_id, now=now
    )
    return opportunity


def set_opportunity_close_date(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    opportunity_id: str,
    expected_close_date: date | None,
    now: datetime,
) -> Opportunity:
    """Record when an open job should close (None clears it); a date already past is refused."""
    check_close_date(workspace, now, expected_close_date)
    opportunity = _open_opportunity(session, workspace, opportunity_id, "change the close date of")
    before = snapshot(opportunity)
    opportunity.expected_close_date = expected_close_date
    audit(
        session,
        workspace,
        actor=actor,
        action="set_opportunity_close_date",
        entity=opportunity,
        before=before,
    )
    when = friendly_date(expected_close_date) if expected_close_date else "none"
    body = f"Expected close date: {when}."
    log_system_note(
        session, workspace, actor=actor, body=body, opportunity_id=opportunity_id, now=now
    )
    return opportunity


def mark_won(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    opportunity_id: str,
    confirmation: str | None,
    amount: Decimal | int | str | None = None,
    now: datetime,
) -> WonDeal:
    """Win a deal with the owner's confirmation: customer lifecycle, close date, QuickBooks.

    `confirmation` is the token `confirm_won` issued to this owner for this deal; it is used up.
    `amount` is the final figure; a deal with none is not won without one ($0 only if given).
    """
    require_owner(workspace, actor, "mark a deal won")
    final = read_amount(amount, field="amount")
    opportunity = _open_opportunity(session, workspace, opportunity_id, "mark won")
    if final is None and opportunity.amount is None:
        raise InvalidInput(
            f"What was the final amount for {opportunity.name}? Type 0 if there was no charge.",
            field="amount",
        )
    consume_won_confirmation(
        session,
        workspace=workspace,
        actor=actor,
        opportunity=opportunity,
        token=confirmation,
        now=now,
    )
    before = snapshot(opportunity)
    won: dict[str, object] = {
        "stage": OpportunityStage.won,
        "close_date": local_today(workspace, now),
    }
    if final is not None:
        won["amount"] = final
    _close(session, opportunity, won, "mark won")
    audit(session, workspace, actor=actor, action="mark_won", entity=opportunity, before=before)

    contact = opportunity.contact
    company = session.get(Company, opportunity.company_id) if opportunity.company_id else None
    if company is None and contact is not None and contact.company_id:
        company = session.get(Company, contact.company_id)
    if contact is not None and contact.lifecycle_stage != LifecycleStage.customer:
        contact_before = snapshot(contact)
        contact.lifecycle_stage = LifecycleStage.customer
        audit(
            session,
            workspace,
            actor=actor,
            action="became_customer",
            entity=contact,
            before=contact_before,
        )
    if company is not None and company.status != CompanyStatus.active_customer:
        company_before = snapshot(company)
        company.status = CompanyStatus.active_customer
        audit(
            session,
            workspace,
            actor=actor,
            action="became_customer",
            entity=company,
            before=company_before,
        )
    body = f"Opportunity won — {opportunity.name}."
    log_system_note(
        session, workspace, actor=actor, body=body, opportunity_id=opportunity_id, now=now
    )

    emit_handoff(
        session,
        workspace=workspace,
        event=HandoffEvent.opportunity_won,
        data={
            "opportunity": opportunity_document(opportunity),
            "contact": contact_document(contact) if contact is not None else None,
            "address": contact.address if contact is not None else None,
            "amount": opportunity_document(opportunity)["amount"],
        },
        now=now,
    )
    in_quickbooks = bool(
        (contact is not None and contact.quickbooks_customer_id)
        or (company is not None and company.quickbooks_customer_id)
    )
    prompt = None
    if contact is not None and not in_quickbooks:
        prompt = f"Create {contact.full_name} in QuickBooks?"
    return WonDeal(opportunity=opportunity, contact=contact, quickbooks_prompt=prompt)


def mark_lost(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    opportunity_id: str,
    reason: LossReason | str,
    notes: str | None = None,
    reengage_in_days: int | None = None,
    now: datetime,
) -> LostDeal:
    """Lose a deal with its reason; nothing is deleted, and a re-engage reminder is offered."""
    why = parse_choice(LossReason, reason, field="reason", label="loss reason")
    clean_notes = clean_text(notes, field="notes", label="loss note", limit=BODY_LIMIT - 100)
    if reengage_in_days is not None and (
        isinstance(reengage_in_days, bool)
        or not isinstance(reengage_in_days, int)
        or not 1 <= reengage_in_days <= MAX_REENGAGE_DAYS
    ):
        raise InvalidInput(f"Re-engage in 1 to {MAX_REENGAGE_DAYS} days.", field="reengage_in_days")
    opportunity = _open_opportunity(session, workspace, opportunity_id, "mark lost")
    today = local_today(workspace, now)
    before = snapshot(opportunity)
    lost = {
        "stage": OpportunityStage.lost,
        "loss_reason": why,
        "loss_notes": clean_notes,
        "close_date": today,
    }
    _close(session, opportunity, lost, "mark lost")
    audit(session, workspace, actor=actor, action="mark_lost", entity=opportunity, before=before)
    body = f"Opportunity lost — {opportunity.name}. Reason: {in_words(why)}."
    log_system_note(
        session,
        workspace,
        actor=actor,
        body=f"{body}\n{clean_notes}" if clean_notes else body,
        opportunity_id=opportunity_id,
        now=now,
    )

    if reengage_in_days is None:
        name = opportunity.contact.full_name if opportunity.contact else opportunity.name
        question = f"Want me to set a reminder to check back with {name} in {REENGAGE_DAYS} days?"
        return LostDeal(opportunity=opportunity, reminder=None, reengage_question=question)
    reminder = _reengage(session, workspace, actor, opportunity, reengage_in_days, now)
    return LostDeal(opportunity=opportunity, reminder=reminder, reengage_question=None)


def _reengage(
    session: Session,
    workspace: Workspace,
    actor: str,
    opportunity: Opportunity,
    days: int,
    now: datetime,
) -> Reminder:
    """The re-engage reminder of a lost deal, due `days` after today."""
    name = opportunity.contact.full_name if opportunity.contact else opportunity.name
    why = in_words(opportunity.loss_reason) if opportunity.loss_reason else "no reason given"
    note = f"Check back with {name} about {opportunity.name} (lost: {why})."
    if len(note) > NOTE_LIMIT:
        note = note[: NOTE_LIMIT - 1] + "…"
    return create_reminder(
        session=session,
        workspace=workspace,
        actor=actor,
        due_date=local_today(workspace, now) + timedelta(days=days),
        note=note,
        contact_id=opportunity.contact_id,
        lead_id=opportunity.lead_id,
        opportunity_id=opportunity.opportunity_id,
        now=now,
    )


def set_reengage_reminder(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    opportunity_id: str,
    days: int = REENGAGE_DAYS,
    now: datetime,
) -> Reminder:
    """Answer "yes" to the re-engage question of a lost deal; asking twice sets one reminder."""
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_REENGAGE_DAYS:
        raise InvalidInput(f"Re-engage in 1 to {MAX_REENGAGE_DAYS} days.", field="reengage_in_days")
    opportunity = get_opportunity(session, workspace=workspace, opportunity_id=opportunity_id)
    if opportunity.stage != OpportunityStage.lost:
        raise InvalidTransition(
            f"{opportunity.name} is {in_words(opportunity.stage)}, not lost; "
            "a re-engage reminder is for a lost deal."
        )
    existing = session.scalars(
        select(Reminder)
        .where(
            Reminder.workspace_id == workspace.workspace_id,
            Reminder.opportunity_id == opportunity.opportunity_id,
            Reminder.status == ReminderStatus.pending,
        )
        .order_by(Reminder.created_at)
        .limit(1)
    ).first()
    if existing is not None:
        return existing
    return _reengage(session, workspace, actor, opportunity, days, now)

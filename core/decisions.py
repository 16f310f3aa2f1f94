"""The record a decision is about, checked before anyone is asked to decide.

A button that opens a form (Qualify, Disqualify, Mark lost, Reschedule, Edit) first makes sure
the record can still take that decision, so nobody fills in a form that would be refused.
Decisions about a draft are bound to the version the person saw: an edit or a Mark sent made
on an older version is refused. Convert says what the contact lacks instead of failing, and
the QuickBooks question is an owner's to answer even while no QuickBooks company is connected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from core.contact_history import get_contact
from core.draft_review import (
    CHANGED_SINCE_SEEN,
    SendOutcome,
    edit_draft,
    get_draft,
    mark_draft_sent,
)
from core.enums import OPEN_LEAD_STATUSES, DraftStatus, FollowUpStatus
from core.errors import ApprovalRequired, InvalidTransition
from core.interactions import get_interaction
from core.leads import contact_gaps, convert_lead, get_lead
from core.models import Contact, Draft, Interaction, Lead, Opportunity, Workspace
from core.opportunities import OPEN_STAGES, get_opportunity
from core.workspaces import require_owner

__all__ = [
    "CHANGED_WHILE_EDITING",
    "Conversion",
    "DraftShown",
    "contact_for_quickbooks",
    "convert_or_explain",
    "deal_to_decide",
    "draft_shown",
    "draft_to_edit",
    "edit_draft_as_seen",
    "follow_up_to_reschedule",
    "lead_to_decide",
    "mark_sent_as_seen",
    "SentByHand",
]

CHANGED_WHILE_EDITING = (
    "The draft changed while you were editing; close this and edit the new version."
)
_SETTLED = (DraftStatus.sent, DraftStatus.discarded)


def lead_to_decide(session: Session, *, workspace: Workspace, lead_id: str) -> Lead:
    """An open lead (qualify, disqualify); a closed one is refused with its state."""
    lead = get_lead(session, workspace=workspace, lead_id=lead_id)
    if lead.status not in OPEN_LEAD_STATUSES:
        raise InvalidTransition(f"The {lead.title} lead is already {lead.status.value}.")
    return lead


def deal_to_decide(session: Session, *, workspace: Workspace, opportunity_id: str) -> Opportunity:
    """An open job (mark lost); a won or lost one is refused with its stage."""
    deal = get_opportunity(session, workspace=workspace, opportunity_id=opportunity_id)
    if deal.stage not in OPEN_STAGES:
        raise InvalidTransition(f"{deal.name} is already {deal.stage.value}.")
    return deal


def follow_up_to_reschedule(
    session: Session, *, workspace: Workspace, interaction_id: str
) -> Interaction:
    """A follow-up still pending; a done or cancelled one cannot move."""
    item = get_interaction(session, workspace=workspace, interaction_id=interaction_id)
    if item.follow_up_status != FollowUpStatus.pending:
        raise InvalidTransition(f"That follow-up is {item.follow_up_status.value}.")
    return item


@dataclass(frozen=True)
class Conversion:
    """A lead converted to a job, or the contact details it still needs (nothing written)."""

    lead: Lead
    opportunity: Opportunity | None = None
    missing: list[str] = field(default_factory=list)


def convert_or_explain(
    session: Session, *, workspace: Workspace, actor: str, lead_id: str, now: datetime
) -> Conversion:
    """Convert the lead (procedure: contact complete first), or say what its contact lacks."""
    lead = get_lead(session, workspace=workspace, lead_id=lead_id)
    missing = contact_gaps(lead.contact)
    if lead.status in OPEN_LEAD_STATUSES and missing:
        return Conversion(lead, missing=missing)
    opportunity = convert_lead(
        session=session, workspace=workspace, actor=actor, lead_id=lead_id, now=now
    )
    return Conversion(lead, opportunity=opportunity)


def contact_for_quickbooks(
    session: Session, *, workspace: Workspace, actor: str, contact_id: str
) -> Contact:
    """The contact an owner was asked about; refused to non-owners and if already in QuickBooks."""
    require_owner(workspace, actor, "create a customer in QuickBooks")
    contact = get_contact(session, workspace=workspace, contact_id=contact_id)
    if contact.quickbooks_customer_id:
        raise InvalidTransition(
            f"{contact.full_name} is already in QuickBooks "
            f"(customer {contact.quickbooks_customer_id})."
        )
    return contact


# --- drafts: decisions bound to the version seen ------------------------------------------------


@dataclass(frozen=True)
class DraftShown:
    """A draft as its review message shows it: with the name of the person it goes to."""

    draft: Draft
    contact_name: str | None


def draft_shown(session: Session, *, workspace: Workspace, draft: Draft) -> DraftShown:
    """The draft with its contact's name (the contact it was written for, or its survivor)."""
    if draft.contact_id is None:
        return DraftShown(draft, None)
    contact = get_contact(session, workspace=workspace, contact_id=draft.contact_id)
    return DraftShown(draft, contact.full_name)


def draft_to_edit(
    session: Session, *, workspace: Workspace, actor: str, draft_id: str, version: int
) -> Draft:
    """The draft an owner opens in the Edit form: still open, and the version they saw."""
    require_owner(workspace, actor, "edit drafts")
    draft = get_draft(session, workspace=workspace, draft_id=draft_id)
    if draft.status in _SETTLED:
        raise InvalidTransition(f"This draft was already {draft.status.value}; it can't change.")
    if draft.version != version:
        raise ApprovalRequired(CHANGED_SINCE_SEEN)
    return draft


def edit_draft_as_seen(
    session: Session,
    *,
    workspace: Workspace,
    actor: str,
    draft_id: str,
    version: int | None,
    body: str,
    subject: str | None,
    now: datetime,
) -> DraftShown:
    """Save an owner's edit as a new version, unless the draft changed while they edited it."""
    current = get_draft(session, workspace=workspace, draft_id=draft_id)
    if current.status not in _SETTLED and version is not None and current.version != version:
        raise ApprovalRequired(CHANGED_WHILE_EDITING, field="body")
    draft = edit_draft(
        session=session,
        workspace=workspace,
        actor=actor,
        draft_id=draft_id,
        body=body,
        subject=subject,
        now=now,
    )
    return draft_shown(session, workspace=workspace, draft=draft)


@dataclass(frozen=True)
class SentByHand:
    """What Mark sent recorded (or found already recorded), with the draft as now shown."""

    outcome: SendOutcome
    shown: DraftShown


def mark_sent_as_seen(
    session: Session,
    *,
    workspace: Workspace,
    actor: str,
    draft_id: str,
    version: int,
    now: datetime,
) -> SentByHand:
    """Record that the text of `version` was sent by hand; a newer version needs approval first."""
    current = get_draft(session, workspace=workspace, draft_id=draft_id)
    if current.status != DraftStatus.sent and current.version != version:
        raise ApprovalRequired(CHANGED_SINCE_SEEN)
    outcome = mark_draft_sent(
        session=session, workspace=workspace, actor=actor, draft_id=draft_id, now=now
    )
    return SentByHand(outcome, draft_shown(session, workspace=workspace, draft=outcome.draft))

"""Lead and job decisions checked before anyone is asked to decide.

A button that opens a form (Qualify, Convert, Disqualify, Mark lost) first makes sure the record can
still take that decision, so nobody fills in a form that would be refused. Convert says what
the contact lacks instead of failing; the QuickBooks question is an owner's to answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from core.common.enums import OPEN_LEAD_STATUSES
from core.contacts.history import get_contact
from core.errors import InvalidTransition
from core.leads.opportunities import OPEN_STAGES, get_opportunity
from core.leads.service import contact_gaps, convert_lead, get_lead
from core.models import Contact, Lead, Opportunity, Workspace
from core.workspaces.service import require_owner

__all__ = [
    "Conversion",
    "contact_for_quickbooks",
    "convert_or_explain",
    "deal_to_decide",
    "lead_to_convert",
    "lead_to_decide",
]


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


@dataclass(frozen=True)
class Conversion:
    """A lead converted to a job, or the contact details it still needs (nothing written)."""

    lead: Lead
    opportunity: Opportunity | None = None
    missing: list[str] = field(default_factory=list)


def lead_to_convert(session: Session, *, workspace: Workspace, lead_id: str) -> Conversion:
    """An open lead about to be converted, with what its contact lacks (nothing written)."""
    lead = lead_to_decide(session, workspace=workspace, lead_id=lead_id)
    return Conversion(lead, missing=contact_gaps(lead.contact))


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

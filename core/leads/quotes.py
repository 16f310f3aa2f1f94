""" "What did we quote Dana?": the estimates on a person's leads and the amounts of their jobs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.common.enums import LeadStatus
from core.contacts.history import get_contact
from core.models import Contact, Lead, Opportunity, Workspace

__all__ = ["QUOTES_SHOWN", "Quotes", "quoted_to"]

#: The newest leads and jobs shown (each list), so a long-time customer's answer stays short.
QUOTES_SHOWN = 5


@dataclass(frozen=True)
class Quotes:
    """A person's jobs with their amounts and their leads not yet jobs with their estimates."""

    contact: Contact
    leads: list[Lead]
    deals: list[Opportunity]


def quoted_to(session: Session, *, workspace: Workspace, contact_id: str) -> Quotes:
    """The person's newest jobs and the leads that did not become one (two limited queries)."""
    contact = get_contact(session, workspace=workspace, contact_id=contact_id)
    deals = list(
        session.scalars(
            select(Opportunity)
            .where(
                Opportunity.workspace_id == workspace.workspace_id,
                Opportunity.contact_id == contact.contact_id,
            )
            .order_by(Opportunity.created_at.desc(), Opportunity.opportunity_id)
            .limit(QUOTES_SHOWN)
        )
    )
    leads = list(
        session.scalars(
            select(Lead)
            .where(
                Lead.workspace_id == workspace.workspace_id,
                Lead.contact_id == contact.contact_id,
                Lead.status.not_in((LeadStatus.converted, LeadStatus.disqualified)),
            )
            .order_by(Lead.created_at.desc(), Lead.lead_id)
            .limit(QUOTES_SHOWN)
        )
    )
    return Quotes(contact, leads, deals)

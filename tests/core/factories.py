"""Test data made straight with the models (no core operation involved), every field overridable.

Each helper adds the row, flushes and returns it. Phones and emails must already be normalized
(E.164, lower-case): they go into `contact_points` as given. Pass `created_at=` (or
`timestamp=` for interactions) to put a record in the past.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.enums import InteractionType, LeadSource, ReminderStatus
from core.matching import set_contact_points
from core.models import Company, Contact, Interaction, Lead, Opportunity, Reminder, new_id


def _save(session: Session, row: Any) -> Any:
    session.add(row)
    session.flush()
    return row


def make_company(
    session: Session, workspace_id: str, name: str = "Acme Rentals", **fields: Any
) -> Company:
    fields.setdefault("company_id", new_id("co"))
    company: Company = _save(session, Company(workspace_id=workspace_id, name=name, **fields))
    return company


def make_contact(
    session: Session,
    workspace_id: str,
    first_name: str = "Dana",
    last_name: str | None = "Smith",
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
    address: str | None = None,
    **fields: Any,
) -> Contact:
    fields.setdefault("contact_id", new_id("ct"))
    contact = Contact(
        workspace_id=workspace_id,
        first_name=first_name,
        last_name=last_name,
        address=address,
        **fields,
    )
    set_contact_points(contact, phones=phones, emails=emails)
    saved: Contact = _save(session, contact)
    return saved


def make_lead(
    session: Session,
    workspace_id: str,
    contact: Contact | None = None,
    title: str = "Leaky faucet at 123 Main",
    source: LeadSource = LeadSource.phone_call,
    estimated_value: Decimal | None = None,
    **fields: Any,
) -> Lead:
    fields.setdefault("lead_id", new_id("ld"))
    if contact is not None:
        fields.setdefault("contact_id", contact.contact_id)
    lead: Lead = _save(
        session,
        Lead(
            workspace_id=workspace_id,
            title=title,
            source=source,
            estimated_value=estimated_value,
            **fields,
        ),
    )
    return lead


def make_opportunity(
    session: Session,
    workspace_id: str,
    contact: Contact | None = None,
    lead: Lead | None = None,
    name: str = "Kitchen remodel",
    amount: Decimal | None = None,
    **fields: Any,
) -> Opportunity:
    fields.setdefault("opportunity_id", new_id("op"))
    if contact is not None:
        fields.setdefault("contact_id", contact.contact_id)
        fields.setdefault("company_id", contact.company_id)
    if lead is not None:
        fields.setdefault("lead_id", lead.lead_id)
        fields.setdefault("contact_id", lead.contact_id)
    opportunity: Opportunity = _save(
        session, Opportunity(workspace_id=workspace_id, name=name, amount=amount, **fields)
    )
    return opportunity


def make_interaction(
    session: Session,
    workspace_id: str,
    contact: Contact | None = None,
    lead: Lead | None = None,
    opportunity: Opportunity | None = None,
    type: InteractionType = InteractionType.note,
    body: str | None = "Talked about the job.",
    **fields: Any,
) -> Interaction:
    fields.setdefault("interaction_id", new_id("ix"))
    if contact is not None:
        fields.setdefault("contact_id", contact.contact_id)
    if lead is not None:
        fields.setdefault("lead_id", lead.lead_id)
        fields.setdefault("contact_id", lead.contact_id)
    if opportunity is not None:
        fields.setdefault("opportunity_id", opportunity.opportunity_id)
        fields.setdefault("contact_id", opportunity.contact_id)
    interaction: Interaction = _save(
        session, Interaction(workspace_id=workspace_id, type=type, body=body, **fields)
    )
    return interaction


def make_reminder(
    session: Session,
    workspace_id: str,
    due_date: date,
    contact: Contact | None = None,
    note: str = "Check back in.",
    **fields: Any,
) -> Reminder:
    fields.setdefault("reminder_id", new_id("rm"))
    fields.setdefault("status", ReminderStatus.pending)
    if contact is not None:
        fields.setdefault("contact_id", contact.contact_id)
    reminder: Reminder = _save(
        session, Reminder(workspace_id=workspace_id, due_date=due_date, note=note, **fields)
    )
    return reminder

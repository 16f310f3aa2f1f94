"""Contacts: adding a customer without duplicates (hard stop 3), and companies by name.

Editing and archiving live in `core.contacts.edits`, merging in `core.contacts.merges`, the
contact card in `core.contacts.history`, checking input in `core.contacts.input`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.common.enums import LifecycleStage
from core.common.validation import parse_optional_choice
from core.contacts.claims import claim_contact_points
from core.contacts.history import get_contact
from core.contacts.input import (
    ContactInput,
    NormalizedContact,
    check_notes_length,
    friendly_phone,
    join_notes,
    merge_tags,
    reconcile_name,
    validate_contact_input,
)
from core.contacts.matching import ContactMatch, set_contact_points
from core.errors import DuplicateContact, DuplicateMatch, InvalidTransition
from core.models import Company, Contact, Workspace, new_id
from core.platform.audit import audit, snapshot

__all__ = [
    "AddedContact",
    "DuplicateDecision",
    "add_customer",
    "contact_line",
    "create_contact",
    "duplicate_question",
    "find_or_create_company",
]


class DuplicateDecision(StrEnum):
    """What the person chose when a new customer matched an existing one (hard stop 3)."""

    use_existing = "use_existing"
    merge = "merge"
    create_separate = "create_separate"


@dataclass(frozen=True)
class AddedContact:
    contact: Contact
    decision: DuplicateDecision | None
    created: bool
    confirmation_text: str


def contact_line(contact: Contact, region: str) -> str:
    """The name and the best way to reach them: `Dana Smith, (555) 201-3344`."""
    if contact.phones:
        reach = friendly_phone(contact.phones[0], region)
    elif contact.emails:
        reach = contact.emails[0]
    else:
        reach = "no phone on file"
    return f"{contact.full_name}, {reach}"


def _confirmation(contact: Contact, decision: DuplicateDecision | None, region: str) -> str:
    line = contact_line(contact, region)
    ask = "Want to log any notes or open a lead for them?"
    if decision == DuplicateDecision.use_existing:
        return f"Using the existing contact: {line}. Nothing was changed. {ask}"
    if decision == DuplicateDecision.merge:
        return f"Updated: {line}. I've added the new details to their existing record. {ask}"
    return f"Added: {line}. I've noted them as a new prospect. {ask}"


def find_or_create_company(
    *, session: Session, workspace: Workspace, actor: str, name: str
) -> Company:
    """The workspace's company of that name (ignoring case), made the first time it is named."""
    company = session.scalars(
        select(Company)
        .where(
            Company.workspace_id == workspace.workspace_id, func.lower(Company.name) == name.lower()
        )
        .order_by(Company.created_at)
        .limit(1)
    ).first()
    if company is None:
        company = Company(company_id=new_id("co"), workspace_id=workspace.workspace_id, name=name)
        session.add(company)
        audit(session, workspace, actor=actor, action="create_company", entity=company)
    return company


def duplicate_question(
    matches: Sequence[ContactMatch],
    proposed: dict[str, Any],
    *,
    lead_id: str | None = None,
    lead_contact_id: str | None = None,
) -> DuplicateContact:
    """The duplicate decision to put to the person (Use existing / Merge / Create separate)."""
    return DuplicateContact(
        matches=[
            DuplicateMatch(m.contact.contact_id, m.contact.full_name, list(m.matched_on))
            for m in matches
        ],
        proposed=proposed,
        lead_id=lead_id,
        lead_contact_id=lead_contact_id,
    )


def create_contact(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    data: NormalizedContact,
    action: str = "create_contact",
    audit_extra: dict[str, Any] | None = None,
) -> Contact:
    """Write a validated contact as a new prospect; callers claim its points first (claims.py)."""
    company = (
        find_or_create_company(
            session=session, workspace=workspace, actor=actor, name=data.company_name
        )
        if data.company_name
        else None
    )
    contact = Contact(
        contact_id=new_id("ct"),
        workspace_id=workspace.workspace_id,
        first_name=data.first_name,
        last_name=data.last_name,
        company_id=company.company_id if company else None,
        address=data.address,
        preferred_channel=data.preferred_channel,
        lifecycle_stage=LifecycleStage.prospect,
        tags=data.stored_tags,
        notes=data.stored_notes,
    )
    set_contact_points(contact, phones=data.phones, emails=data.emails)
    session.add(contact)
    entry = audit(session, workspace, actor=actor, action=action, entity=contact)
    if audit_extra:
        entry.after = {**(entry.after or {}), **audit_extra}
    if company is not None and company.primary_contact_id is None:
        company.primary_contact_id = contact.contact_id
    return contact


def _merge_details(
    session: Session, *, workspace: Workspace, actor: str, contact: Contact, data: NormalizedContact
) -> None:
    """Fill the existing contact's blanks; differing names and addresses go to the notes."""
    fill_last, aside = reconcile_name(
        contact.first_name, contact.last_name, data.first_name, data.last_name
    )
    asides = [aside] if aside else []
    last_name = contact.last_name or fill_last
    address = contact.address or data.address
    if data.address and contact.address and data.address.casefold() != contact.address.casefold():
        asides.append(f"Another address given: {data.address}")
    channel = contact.preferred_channel or data.preferred_channel
    if data.preferred_channel and channel != data.preferred_channel:
        asides.append(f"Also said they prefer: {data.preferred_channel.value}")
    company: Company | None = None
    if data.company_name:
        if contact.company_id is None:
            company = find_or_create_company(
                session=session, workspace=workspace, actor=actor, name=data.company_name
            )
        else:
            asides.append(f"Company given: {data.company_name}")
    notes = join_notes(contact.notes, *asides, data.stored_notes)
    check_notes_length(notes)

    before = snapshot(contact)
    contact.last_name = last_name
    contact.address = address
    contact.preferred_channel = channel
    contact.tags = merge_tags(contact.tags or [], data.stored_tags)
    contact.notes = notes
    if company is not None:
        contact.company_id = company.company_id
    set_contact_points(contact, phones=data.phones, emails=data.emails)
    audit(session, workspace, actor=actor, action="merge_details", entity=contact, before=before)


def add_customer(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    data: ContactInput,
    decision: DuplicateDecision | str | None = None,
    match_contact_id: str | None = None,
) -> AddedContact:
    """Add a new customer, refusing a phone or email match until someone decides (hard stop 3)."""
    region = workspace.default_phone_region
    normalized = validate_contact_input(data, region=region)
    choice = parse_optional_choice(
        DuplicateDecision, decision, field="decision", label="duplicate decision"
    )
    matches = claim_contact_points(
        session, workspace=workspace, phones=normalized.phones, emails=normalized.emails
    )
    chose_existing = choice in (DuplicateDecision.use_existing, DuplicateDecision.merge)
    if chose_existing and match_contact_id:
        # Only a contact of this workspace can be chosen (another's is NotFound), and choosing
        # one is never a reason to create a contact.
        get_contact(session, workspace=workspace, contact_id=match_contact_id)
    if chose_existing and not matches:
        raise InvalidTransition(
            "That contact no longer shares a phone or email with the one you entered, so "
            "nothing was changed; add the customer again to see who matches now."
        )
    if not matches:
        contact = create_contact(session=session, workspace=workspace, actor=actor, data=normalized)
        return AddedContact(contact, None, True, _confirmation(contact, None, region))
    if choice is None:
        raise duplicate_question(matches, normalized.as_proposed())

    if choice == DuplicateDecision.create_separate:
        acknowledged = {
            "duplicate_acknowledged_by": actor,
            "duplicate_of": [m.contact.contact_id for m in matches],
        }
        contact = create_contact(
            session=session,
            workspace=workspace,
            actor=actor,
            data=normalized,
            action="create_contact_despite_duplicate",
            audit_extra=acknowledged,
        )
        return AddedContact(contact, choice, True, _confirmation(contact, None, region))

    if match_contact_id is None and len(matches) == 1:
        match_contact_id = matches[0].contact.contact_id
    chosen = next((m.contact for m in matches if m.contact.contact_id == match_contact_id), None)
    if chosen is None:
        raise duplicate_question(matches, normalized.as_proposed())
    if choice == DuplicateDecision.merge:
        _merge_details(session, workspace=workspace, actor=actor, contact=chosen, data=normalized)
    return AddedContact(chosen, choice, False, _confirmation(chosen, choice, region))

"""Answering the duplicate question (hard stop 3): Use existing, Merge or Create separate.

The question comes from adding a customer whose phone or email is known, or from a capture
saved as a lead on a known contact although it gave another name. For a capture the answer
also settles the lead: it stays on (or moves to) the contact chosen, or moves with its
interactions to the separate contact. The move is a conditional UPDATE on the contact the
lead was saved on, so a question is answered once however many times it is clicked.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from core.contacts.input import ContactInput
from core.contacts.service import AddedContact, DuplicateDecision, add_customer
from core.errors import InvalidTransition
from core.leads.service import get_lead
from core.models import Interaction, Lead, Workspace
from core.platform.audit import audit, snapshot

__all__ = ["decide_duplicate"]


def decide_duplicate(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    data: ContactInput,
    decision: DuplicateDecision | str,
    match_contact_id: str | None = None,
    lead_id: str | None = None,
    lead_contact_id: str | None = None,
) -> AddedContact:
    """Carry out the person's answer; for a saved capture, put its lead on the chosen contact."""
    lead = get_lead(session, workspace=workspace, lead_id=lead_id) if lead_id else None
    if lead is not None and lead.contact_id != lead_contact_id:
        raise _already_decided(lead)
    added = add_customer(
        session=session,
        workspace=workspace,
        actor=actor,
        data=data,
        decision=decision,
        match_contact_id=match_contact_id,
    )
    if lead is None or lead.contact_id == added.contact.contact_id:
        return added
    before = snapshot(lead)
    session.flush()  # the separate contact exists before the lead points at it
    moved = session.execute(
        update(Lead)
        .where(Lead.lead_id == lead.lead_id, Lead.contact_id == lead_contact_id)
        .values(contact_id=added.contact.contact_id)
    )
    if cast(CursorResult[Any], moved).rowcount != 1:  # answered first elsewhere: roll back
        session.refresh(lead)
        raise _already_decided(lead)
    session.execute(
        update(Interaction)
        .where(Interaction.lead_id == lead.lead_id, Interaction.contact_id == lead_contact_id)
        .values(contact_id=added.contact.contact_id)
    )
    audit(session, workspace, actor=actor, action="move_lead", entity=lead, before=before)
    return added


def _already_decided(lead: Lead) -> InvalidTransition:
    who = lead.contact.full_name if lead.contact is not None else "another contact"
    return InvalidTransition(
        f"That was already decided: the {lead.title} lead is on {who}'s record. Nothing changed."
    )

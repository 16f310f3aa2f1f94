"""Where a contact's history lives: following merges, moving history in a merge, the card."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.activity.last_touch import refresh_last_touch
from core.common.enums import OPEN_LEAD_STATUSES, LifecycleStage
from core.common.local_dates import local_today
from core.contacts.input import NOTES_LIMIT, join_notes, merge_tags
from core.contacts.lookups import newest_interaction_with
from core.contacts.matching import set_contact_points
from core.errors import InvalidInput, InvalidTransition, NotFound
from core.models import (
    Company,
    Contact,
    Draft,
    Interaction,
    Lead,
    Opportunity,
    Reminder,
    Workspace,
    utcnow,
)
from core.platform.audit import audit, snapshot
from core.reports.rows import Touchpoint, read_touchpoint

_LIFECYCLE_RANK = {
    LifecycleStage.prospect: 0,
    LifecycleStage.past_customer: 1,
    LifecycleStage.customer: 2,
}


def load_contact(session: Session, workspace: Workspace, contact_id: str) -> Contact:
    """The contact row itself (merged or not), or NotFound outside this workspace."""
    contact = session.scalars(
        select(Contact).where(
            Contact.workspace_id == workspace.workspace_id, Contact.contact_id == contact_id
        )
    ).first()
    if contact is None:
        raise NotFound(f"There is no contact {contact_id} in this workspace.", field="contact_id")
    return contact


def get_contact(session: Session, *, workspace: Workspace, contact_id: str) -> Contact:
    """The contact, or the one it was merged into (where its history now lives)."""
    contact = load_contact(session, workspace, contact_id)
    for _ in range(10):  # merges re-point earlier merges, so one hop is the rule
        if contact.merged_into_contact_id is None:
            break
        contact = load_contact(session, workspace, contact.merged_into_contact_id)
    return contact


def merge_contacts(
    *, session: Session, workspace: Workspace, actor: str, survivor_id: str, other_id: str
) -> Contact:
    """Fold a duplicate into the survivor: its history moves, the record itself stays, archived."""
    if survivor_id == other_id:
        raise InvalidInput("A contact cannot be merged into itself.", field="other_id")
    survivor = load_contact(session, workspace, survivor_id)
    other = load_contact(session, workspace, other_id)
    for contact in (survivor, other):
        if contact.merged_into_contact_id is not None:
            raise InvalidTransition(
                f"{contact.full_name} was already merged into another contact.",
                field="contact_id",
            )
    if survivor.archived:
        raise InvalidTransition(
            f"{survivor.full_name} is archived; keep an active contact instead.",
            field="survivor_id",
        )
    scope = workspace.workspace_id
    now = utcnow()
    for model in (Lead, Interaction, Opportunity, Draft, Reminder):
        session.execute(
            update(model)
            .where(model.workspace_id == scope, model.contact_id == other_id)
            .values(contact_id=survivor_id, updated_at=now)
        )
    session.execute(
        update(Company)
        .where(Company.workspace_id == scope, Company.primary_contact_id == other_id)
        .values(primary_contact_id=survivor_id, updated_at=now)
    )
    session.execute(
        update(Contact)
        .where(
            Contact.workspace_id == scope,
            Contact.merged_into_contact_id == other_id,
        )
        .values(merged_into_contact_id=survivor_id, updated_at=now)
    )

    survivor_before, other_before = snapshot(survivor), snapshot(other)
    set_contact_points(survivor, phones=other.phones, emails=other.emails)
    survivor.last_name = survivor.last_name or other.last_name
    survivor.address = survivor.address or other.address
    survivor.company_id = survivor.company_id or other.company_id
    survivor.preferred_channel = survivor.preferred_channel or other.preferred_channel
    survivor.quickbooks_customer_id = (
        survivor.quickbooks_customer_id or other.quickbooks_customer_id
    )
    if _LIFECYCLE_RANK[other.lifecycle_stage] > _LIFECYCLE_RANK[survivor.lifecycle_stage]:
        survivor.lifecycle_stage = other.lifecycle_stage
    survivor.tags = merge_tags(survivor.tags or [], other.tags or [])
    if other.do_not_contact and not survivor.do_not_contact:  # the person's wish survives too
        survivor.do_not_contact = True
        survivor.do_not_contact_at = other.do_not_contact_at
        survivor.do_not_contact_by = other.do_not_contact_by
        survivor.do_not_contact_reason = other.do_not_contact_reason
    if other.notes:
        heading = f"From merged contact {other.full_name} ({other.contact_id}):"
        notes = join_notes(survivor.notes, f"{heading}\n{other.notes}") or ""
        if len(notes) > NOTES_LIMIT:  # the full text stays on the merged record
            notes = notes[: NOTES_LIMIT - 1] + "…"
        survivor.notes = notes
    other.archived = True
    other.merged_into_contact_id = survivor_id
    audit(
        session,
        workspace,
        actor=actor,
        action="merge_contacts",
        entity=survivor,
        before=survivor_before,
    )
    audit(session, workspace, actor=actor, action="merged_into", entity=other, before=other_before)
    # The other contact's interactions and leads moved: recompute both contacts and their leads.
    refresh_last_touch(session, workspace_id=scope, contact_ids=(survivor_id, other_id))
    for record in list(session.identity_map.values()):  # re-pointed rows already in memory
        if isinstance(record, Lead | Opportunity) and record.contact_id == survivor_id:
            session.expire(record, ["contact"])
    return survivor


@dataclass(frozen=True)
class ContactCard:
    """Everything `/customer` shows about one person, loaded up front."""

    contact: Contact
    company_name: str | None
    open_leads: list[Lead] = field(default_factory=list)
    last_touchpoint: Touchpoint | None = None
    days_since_last_touch: int | None = None


def contact_card(
    session: Session, *, workspace: Workspace, contact_id: str, now: datetime
) -> ContactCard:
    """What `/customer` shows: details, company, open leads and the last touchpoint."""
    contact = get_contact(session, workspace=workspace, contact_id=contact_id)
    scope = workspace.workspace_id
    company_name = (
        session.scalar(
            select(Company.name).where(
                Company.workspace_id == scope, Company.company_id == contact.company_id
            )
        )
        if contact.company_id
        else None
    )
    open_leads = list(
        session.scalars(
            select(Lead)
            .where(
                Lead.workspace_id == scope,
                Lead.contact_id == contact.contact_id,
                Lead.status.in_(OPEN_LEAD_STATUSES),
            )
            .order_by(Lead.created_at.desc(), Lead.lead_id)
        ).unique()
    )
    newest = newest_interaction_with(
        session, workspace=workspace, contact_id=contact.contact_id, now=now
    )
    if newest is None:
        return ContactCard(contact, company_name, open_leads)
    touch = read_touchpoint(workspace, newest)
    days = (local_today(workspace, now) - touch.local_date).days
    return ContactCard(contact, company_name, open_leads, touch, days)

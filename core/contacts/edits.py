"""Editing a contact from its card (docs/product.md, "The contact card").

Every phone or email a contact gains goes through `claim_contact_points` (hard stop 3): one
that is another contact's is refused with the duplicate question, and nothing of the edit is
written until the person answers it (`edit_contact` with their decision).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.common.enums import ContactPointKind, LifecycleStage, PreferredChannel
from core.common.validation import parse_optional_choice
from core.contacts.claims import claim_contact_points
from core.contacts.companies import get_company
from core.contacts.history import get_contact, load_contact
from core.contacts.input import (
    clean_contact_text,
    clean_tags,
    normalize_emails,
    normalize_phones,
    proposed_values,
)
from core.contacts.matching import set_contact_points
from core.contacts.merges import merge_contacts
from core.contacts.service import DuplicateDecision, duplicate_question, find_or_create_company
from core.errors import DuplicateContact, InvalidInput, InvalidTransition
from core.models import Company, Contact, Workspace
from core.platform.audit import audit, snapshot

__all__ = [
    "EDIT_OF",
    "KEEP",
    "COMPANY_CHOICES",
    "ContactEdit",
    "EditedContact",
    "company_choices",
    "edit_contact",
    "update_contact",
]

EDIT_OF = "edit_of"
"""The key of a duplicate question's proposal that says it is an edit of that contact."""


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP
"""Sentinel for `update_contact`: this field was not given, leave it as it is."""


COMPANY_CHOICES = 100
"""Companies the Edit contact form offers to pick (Slack's limit for a static select)."""


def company_choices(
    session: Session, *, workspace: Workspace, limit: int = COMPANY_CHOICES
) -> list[tuple[str, str]]:
    """(company_id, name) of the workspace's companies by name, limited in SQL."""
    rows = session.execute(
        select(Company.company_id, Company.name)
        .where(Company.workspace_id == workspace.workspace_id)
        .order_by(Company.name, Company.company_id)
        .limit(limit)
    )
    return [(company_id, name) for company_id, name in rows]


def _company(
    session: Session,
    workspace: Workspace,
    actor: str,
    company_id: str | None,
    company_name: str | None,
) -> Company | None:
    """The company to link: a new name (found or made), else the one picked, else none."""
    name = clean_contact_text("company_name", company_name)
    if name:
        return find_or_create_company(session=session, workspace=workspace, actor=actor, name=name)
    if not company_id:
        return None
    return get_company(session, workspace=workspace, company_id=company_id)


def _set_points(
    contact: Contact, session: Session, kind: ContactPointKind, values: Sequence[str]
) -> None:
    """Make the contact's phones (or emails) exactly `values`, in that order."""
    for point in [p for p in contact.points if p.kind == kind and p.value not in values]:
        contact.points.remove(point)
        session.delete(point)
    if kind == ContactPointKind.phone:
        set_contact_points(contact, phones=values)
    else:
        set_contact_points(contact, emails=values)
    order = {value: n for n, value in enumerate(values)}
    ranked = sorted(
        contact.points,
        key=lambda p: (
            p.kind != ContactPointKind.phone,
            order.get(p.value, len(order)),
            p.position,
        ),
    )
    for position, point in enumerate(ranked):
        point.position = position
    contact.points.sort(key=lambda p: p.position)  # as a fresh load would order them


def update_contact(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    contact_id: str,
    first_name: str | _Keep = KEEP,
    last_name: str | None | _Keep = KEEP,
    phones: Sequence[str] | _Keep = KEEP,
    emails: Sequence[str] | _Keep = KEEP,
    phones_to_add: Sequence[str] = (),
    emails_to_add: Sequence[str] = (),
    address: str | None | _Keep = KEEP,
    preferred_channel: str | None | _Keep = KEEP,
    notes: str | None | _Keep = KEEP,
    tags: Sequence[str] | _Keep = KEEP,
    lifecycle_stage: str | _Keep = KEEP,
    company_id: str | None | _Keep = KEEP,
    company_name: str | None = None,
    allow_duplicate: bool = False,
) -> Contact:
    """Edit a contact; a phone or email that is another contact's is refused unless allowed.

    `phones` / `emails` replace the lists (order kept); `*_to_add` only add. A new
    `company_name` links the company of that name (made the first time it is named);
    otherwise `company_id` links that company, or None none.
    """
    contact = get_contact(session, workspace=workspace, contact_id=contact_id)
    if contact.merged_into_contact_id is not None:  # pragma: no cover - get_contact follows
        raise InvalidTransition("That contact was merged; edit the one it was merged into.")
    changes: dict[str, Any] = {}
    if not isinstance(first_name, _Keep):
        changes["first_name"] = clean_contact_text("first_name", first_name, required=True)
    if not isinstance(last_name, _Keep):
        changes["last_name"] = clean_contact_text("last_name", last_name)
    if not isinstance(address, _Keep):
        changes["address"] = clean_contact_text("address", address)
    if not isinstance(preferred_channel, _Keep):
        changes["preferred_channel"] = parse_optional_choice(
            PreferredChannel,
            preferred_channel,
            field="preferred_channel",
            label="preferred channel",
        )
    if not isinstance(notes, _Keep):
        changes["notes"] = clean_contact_text("notes", notes)
    if not isinstance(tags, _Keep):
        changes["tags"] = list(clean_tags(tags))
    if not isinstance(lifecycle_stage, _Keep):
        stage = parse_optional_choice(
            LifecycleStage, lifecycle_stage, field="lifecycle_stage", label="stage"
        )
        if stage is None:
            raise InvalidInput("Choose the contact's stage.", field="lifecycle_stage")
        changes["lifecycle_stage"] = stage
    region = workspace.default_phone_region
    phone_list = None if isinstance(phones, _Keep) else normalize_phones(phones, region)
    email_list = None if isinstance(emails, _Keep) else normalize_emails(emails)
    if not isinstance(company_id, _Keep) or company_name:
        company = _company(
            session,
            workspace,
            actor,
            None if isinstance(company_id, _Keep) else company_id,
            company_name,
        )
        changes["company_id"] = company.company_id if company else None
        if company is not None and company.primary_contact_id is None:
            company.primary_contact_id = contact.contact_id
    new_phones = [
        p
        for p in (*(phone_list or ()), *normalize_phones(phones_to_add, region))
        if p not in contact.phones
    ]
    new_emails = [
        e
        for e in (*(email_list or ()), *normalize_emails(emails_to_add))
        if e not in contact.emails
    ]
    if new_phones or new_emails:  # locked even when allowed, so the edit waits for a capture
        taken = claim_contact_points(
            session,
            workspace=workspace,
            phones=list(dict.fromkeys(new_phones)),
            emails=list(dict.fromkeys(new_emails)),
            exclude_contact_id=contact.contact_id,
        )
        if taken and not allow_duplicate:
            proposed = {
                "contact_id": contact.contact_id,
                "phones_to_add": new_phones,
                "emails_to_add": new_emails,
            }
            raise duplicate_question(taken, proposed)

    before = snapshot(contact)
    before.update(phones=contact.phones, emails=contact.emails)
    for name, value in changes.items():
        setattr(contact, name, value)
    if phone_list is not None:
        _set_points(contact, session, ContactPointKind.phone, phone_list)
    if email_list is not None:
        _set_points(contact, session, ContactPointKind.email, email_list)
    set_contact_points(contact, phones=normalize_phones(phones_to_add, region))
    set_contact_points(contact, emails=normalize_emails(emails_to_add))
    entry = audit(
        session, workspace, actor=actor, action="update_contact", entity=contact, before=before
    )
    entry.after = {**(entry.after or {}), "phones": contact.phones, "emails": contact.emails}
    if allow_duplicate and (new_phones or new_emails):
        entry.after["duplicate_acknowledged_by"] = actor
    return contact


@dataclass(frozen=True)
class ContactEdit:
    """The Edit contact form as submitted: every field; a blank one is cleared."""

    first_name: str
    last_name: str | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    address: str | None = None
    preferred_channel: str | None = None
    tags: tuple[str, ...] = ()
    notes: str | None = None
    lifecycle_stage: str | None = None
    company_id: str | None = None
    company_name: str | None = None

    def as_proposed(self, contact_id: str) -> dict[str, Any]:
        """JSON for the duplicate buttons: the whole edit, and which contact it is of."""
        return {
            EDIT_OF: contact_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "phones": list(self.phones),
            "emails": list(self.emails),
            "address": self.address,
            "preferred_channel": self.preferred_channel,
            "tags": list(self.tags),
            "notes": self.notes,
            "lifecycle_stage": self.lifecycle_stage,
            "company_id": self.company_id,
            "company_name": self.company_name,
        }

    @classmethod
    def from_proposed(cls, proposed: Mapping[str, Any]) -> ContactEdit:
        """The edit a duplicate button carried back (a field left out was blank)."""
        return cls(**proposed_values(fields(cls), proposed))


@dataclass(frozen=True)
class EditedContact:
    contact: Contact
    confirmation_text: str


def _apply(
    session: Session,
    workspace: Workspace,
    actor: str,
    contact_id: str,
    edit: ContactEdit,
    *,
    allow_duplicate: bool = False,
    leave_out: Sequence[str] = (),
) -> Contact:
    return update_contact(
        session=session,
        workspace=workspace,
        actor=actor,
        contact_id=contact_id,
        first_name=edit.first_name,
        last_name=edit.last_name,
        phones=[
            p
            for p in normalize_phones(edit.phones, workspace.default_phone_region)
            if p not in leave_out
        ],
        emails=[e for e in normalize_emails(edit.emails) if e not in leave_out],
        address=edit.address,
        preferred_channel=edit.preferred_channel,
        tags=edit.tags,
        notes=edit.notes,
        lifecycle_stage=edit.lifecycle_stage or LifecycleStage.prospect.value,
        company_id=edit.company_id,
        company_name=edit.company_name,
        allow_duplicate=allow_duplicate,
    )


def edit_contact(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    contact_id: str,
    edit: ContactEdit,
    decision: DuplicateDecision | str | None = None,
    match_contact_id: str | None = None,
) -> EditedContact:
    """Save the Edit contact form; a phone or email of another contact asks first (hard stop 3).

    The answers: **Create separate** keeps both contacts and gives this one the phone or email
    too; **Use existing** leaves it with the other contact and saves the rest of the edit;
    **Merge** folds that contact into this one, then saves the edit.
    """
    choice = parse_optional_choice(
        DuplicateDecision, decision, field="decision", label="duplicate decision"
    )
    contact = get_contact(session, workspace=workspace, contact_id=contact_id)
    try:
        if choice is None:
            saved = _apply(session, workspace, actor, contact.contact_id, edit)
            return EditedContact(saved, f"Saved {saved.full_name}'s details.")
        if choice == DuplicateDecision.create_separate:
            saved = _apply(
                session, workspace, actor, contact.contact_id, edit, allow_duplicate=True
            )
            return EditedContact(
                saved, f"Saved {saved.full_name}'s details; the other contact keeps its own record."
            )
        if choice == DuplicateDecision.merge:
            if not match_contact_id:
                raise InvalidInput("Choose which contact to merge.", field="decision")
            other = load_contact(session, workspace, match_contact_id)
            merge_contacts(
                session=session,
                workspace=workspace,
                actor=actor,
                survivor_id=contact.contact_id,
                other_id=other.contact_id,
            )
            saved = _apply(session, workspace, actor, contact.contact_id, edit)
            return EditedContact(
                saved, f"Merged {other.full_name} into {saved.full_name} and saved the details."
            )
        region = workspace.default_phone_region
        taken = claim_contact_points(
            session,
            workspace=workspace,
            phones=normalize_phones(edit.phones, region),
            emails=normalize_emails(edit.emails),
            exclude_contact_id=contact.contact_id,
        )
        theirs = [value for match in taken for value in match.matched_on]
        saved = _apply(session, workspace, actor, contact.contact_id, edit, leave_out=theirs)
        return EditedContact(
            saved,
            f"Saved {saved.full_name}'s details; the matching phone or email stays with the "
            "existing contact.",
        )
    except DuplicateContact as question:  # ask with the whole edit, so the answer can save it
        raise DuplicateContact(
            matches=question.matches, proposed=edit.as_proposed(contact.contact_id)
        ) from None

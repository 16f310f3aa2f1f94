"""Putting a contact in QuickBooks: the owner's confirmed claim, then the recorded answer.

Hard stop 5: only an owner, only confirmed, and never twice. The claim is committed before
QuickBooks is called (the owner's confirmation is in the audit log by then) and carries the
`requestid` every call of that attempt sends, so a retry after a crash or a timeout gets
QuickBooks' first answer back instead of a second customer. A definite refusal (a validation
fault, a taken name) starts a new attempt, since QuickBooks would replay the refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.activity.service import log_system_note
from core.common.enums import QuickBooksPushStatus
from core.errors import (
    ConfirmationRequired,
    InvalidTransition,
    QuickBooksNameTaken,
    QuickBooksProblem,
    QuickBooksRejected,
)
from core.leads.handoffs import HandoffEvent, contact_document, emit_handoff
from core.models import Company, Contact, QuickBooksPush, Workspace, new_id
from core.platform.audit import audit, snapshot
from core.ports import CustomerRecord, QuickBooksCustomer
from core.workspaces.service import get_in_workspace, require_owner

__all__ = [
    "PushChoice",
    "PushClaim",
    "claim_quickbooks_push",
    "customer_record",
    "distinct_name",
    "fail_quickbooks_push",
    "offer_quickbooks_match",
    "propose_quickbooks_name",
    "record_quickbooks_customer",
]

_ID_LIMIT = 64
_NAME_LIMIT = 100  # QuickBooks' DisplayName limit
_NUMBERED = re.compile(r"^(?P<name>.*) \((?P<n>\d+)\)$")


class PushChoice(StrEnum):
    """Which button the owner pressed."""

    create = "create"  # Create in QuickBooks: look for the customer first, else create
    create_new = "create_new"  # Create new / Retry: create without looking again
    link = "link"  # Link: the customer QuickBooks already has, found and shown
    rename = "rename"  # Create as the distinct name proposed after a clash


@dataclass(frozen=True)
class PushClaim:
    """A committed claim: what to send, with which `requestid`, and whether to look first."""

    push_id: str
    contact_id: str
    contact_name: str
    request_id: str
    customer: CustomerRecord
    look_first: bool
    offered_customer_id: str | None


def _display_name(name: str) -> str:
    """QuickBooks refuses colons, tabs and newlines in names, and names over 100 characters."""
    return " ".join(re.sub(r"[:\t\r\n]", " ", name).split())[:_NAME_LIMIT]


def distinct_name(taken: str) -> str:
    """The next free-looking name after a clash: "Dana Smith (2)", then "(3)"."""
    numbered = _NUMBERED.match(taken)
    if numbered:
        stem, n = numbered.group("name"), int(numbered.group("n")) + 1
    else:
        stem, n = taken, 2
    suffix = f" ({n})"
    return stem[: _NAME_LIMIT - len(suffix)] + suffix


def customer_record(session: Session, contact: Contact, display_name: str) -> CustomerRecord:
    """The QuickBooks Customer fields from the contact (and its company)."""
    company = session.get(Company, contact.company_id) if contact.company_id else None
    phones, emails = contact.phones, contact.emails
    address = contact.address or (company.billing_address if company is not None else None)
    return CustomerRecord(
        display_name=display_name,
        given_name=contact.first_name or None,
        family_name=contact.last_name or None,
        company_name=company.name if company is not None else None,
        phone=phones[0] if phones else (company.main_phone if company is not None else None),
        email=emails[0] if emails else None,
        address=address or None,
    )


def _push_for(session: Session, workspace: Workspace, contact_id: str) -> QuickBooksPush | None:
    return session.scalars(
        select(QuickBooksPush)
        .where(
            QuickBooksPush.workspace_id == workspace.workspace_id,
            QuickBooksPush.contact_id == contact_id,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()


def _contact(session: Session, workspace: Workspace, contact_id: str) -> Contact:
    # Locked (Postgres): a second tap waits for the first one's transaction.
    return get_in_workspace(
        session, Contact, contact_id, workspace=workspace, field="contact", lock=True
    )


def claim_quickbooks_push(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    contact_id: str,
    confirmed: bool,
    choice: PushChoice,
) -> PushClaim:
    """The owner's yes, recorded (audit `confirm_quickbooks_customer`) before any call."""
    require_owner(workspace, actor, "create a customer in QuickBooks")
    contact = _contact(session, workspace, contact_id)
    name = contact.full_name
    if contact.quickbooks_customer_id:
        raise InvalidTransition(
            f"{name} is already in QuickBooks (customer {contact.quickbooks_customer_id})."
        )
    if confirmed is not True:
        raise ConfirmationRequired(f"Create {name} in QuickBooks? Please confirm first.")
    push = _push_for(session, workspace, contact.contact_id)
    status = push.status if push is not None else None
    if choice is PushChoice.link and status is not QuickBooksPushStatus.offered:
        raise InvalidTransition(f"There is no QuickBooks customer waiting to be linked to {name}.")
    if choice is PushChoice.rename and status is not QuickBooksPushStatus.renaming:
        raise InvalidTransition(f"There is no new name waiting for {name}.")
    before = snapshot(push) if push is not None else None
    if push is None:
        push = QuickBooksPush(
            push_id=new_id("qbp"),
            workspace_id=workspace.workspace_id,
            contact_id=contact.contact_id,
            status=QuickBooksPushStatus.claimed,
            attempt=1,
            display_name=_display_name(name) or contact.contact_id,
            confirmed_by=actor,
        )
        session.add(push)
        look_first = choice is PushChoice.create
    else:
        # A claim left `claimed` may have reached QuickBooks before a crash: resend it as is.
        look_first = choice is PushChoice.create and push.status is QuickBooksPushStatus.failed
        push.confirmed_by = actor
    offered = push.customer_id if push.status is QuickBooksPushStatus.offered else None
    if choice is not PushChoice.link:
        push.status = QuickBooksPushStatus.claimed
        push.customer_id = None
    push.error = None
    audit(
        session,
        workspace,
        actor=actor,
        action="confirm_quickbooks_customer",
        entity=push,
        before=before,
    )
    return PushClaim(
        push_id=push.push_id,
        contact_id=contact.contact_id,
        contact_name=name,
        request_id=push.request_id,
        customer=customer_record(session, contact, push.display_name),
        look_first=look_first,
        offered_customer_id=offered,
    )


def _claimed_push(session: Session, workspace: Workspace, push_id: str) -> QuickBooksPush:
    return get_in_workspace(
        session, QuickBooksPush, push_id, workspace=workspace, field="push", lock=True
    )


def record_quickbooks_customer(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    push_id: str,
    customer: QuickBooksCustomer,
    linked: bool,
    now: datetime,
) -> Contact:
    """Keep QuickBooks' customer id on the contact (and its company when it has none)."""
    # Contact first, then the claim: the order `claim_quickbooks_push` locks them in.
    unlocked = get_in_workspace(session, QuickBooksPush, push_id, workspace=workspace, field="push")
    contact = _contact(session, workspace, unlocked.contact_id)
    push = _claimed_push(session, workspace, push_id)
    customer_id = customer.customer_id.strip()
    if not customer_id or len(customer_id) > _ID_LIMIT:
        raise QuickBooksRejected(
            f"QuickBooks answered without a usable customer id for {contact.full_name}; "
            "nothing was saved."
        )
    if contact.quickbooks_customer_id == customer_id:
        return contact  # the same answer recorded by a concurrent tap
    if contact.quickbooks_customer_id:
        raise InvalidTransition(
            f"{contact.full_name} is already in QuickBooks "
            f"(customer {contact.quickbooks_customer_id})."
        )
    action = "link_quickbooks_customer" if linked else "create_quickbooks_customer"
    before = snapshot(contact)
    contact.quickbooks_customer_id = customer_id
    audit(session, workspace, actor=actor, action=action, entity=contact, before=before)
    company = session.get(Company, contact.company_id) if contact.company_id else None
    if company is not None and not company.quickbooks_customer_id:
        company_before = snapshot(company)
        company.quickbooks_customer_id = customer_id
        audit(session, workspace, actor=actor, action=action, entity=company, before=company_before)
    push_before = snapshot(push)
    push.status, push.customer_id, push.error = QuickBooksPushStatus.done, customer_id, None
    audit(session, workspace, actor=actor, action=action, entity=push, before=push_before)
    what = "Linked to QuickBooks customer" if linked else "Created in QuickBooks as customer"
    log_system_note(
        session,
        workspace,
        actor=actor,
        body=f"{what} {customer_id} ({customer.display_name}).",
        now=now,
        contact_id=contact.contact_id,
    )
    emit_handoff(  # invoicing takes it from here
        session,
        workspace=workspace,
        event=HandoffEvent.quickbooks_customer_linked,
        data={"contact": contact_document(contact), "quickbooks_customer_id": customer_id},
        now=now,
    )
    return contact


def offer_quickbooks_match(
    *, session: Session, workspace: Workspace, push_id: str, found: QuickBooksCustomer
) -> QuickBooksPush:
    """QuickBooks already has this customer: keep the candidate until the owner says Link."""
    push = _claimed_push(session, workspace, push_id)
    push.status, push.customer_id = QuickBooksPushStatus.offered, found.customer_id[:_ID_LIMIT]
    return push


def propose_quickbooks_name(
    *, session: Session, workspace: Workspace, push_id: str, taken: QuickBooksNameTaken
) -> QuickBooksPush:
    """Another customer has the name: propose a distinct one, as a new attempt."""
    push = _claimed_push(session, workspace, push_id)
    push.status = QuickBooksPushStatus.renaming
    push.display_name = distinct_name(taken.display_name or push.display_name)
    push.attempt += 1
    push.error = taken.message
    return push


def fail_quickbooks_push(
    *, session: Session, workspace: Workspace, push_id: str, problem: QuickBooksProblem
) -> QuickBooksPush:
    """Keep why QuickBooks said no; a definite refusal makes the next try a new attempt."""
    push = _claimed_push(session, workspace, push_id)
    push.status = QuickBooksPushStatus.failed
    push.error = problem.message
    if isinstance(problem, QuickBooksRejected):
        push.attempt += 1  # QuickBooks would replay this refusal for the same requestid
    return push

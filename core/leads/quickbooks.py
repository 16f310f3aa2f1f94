"""Creating the customer in QuickBooks: owner only, explicitly confirmed, never twice (hard stop 5).

Core defines the small interface it needs; the real QuickBooks Online adapter lives in
`core/integrations/` and tests pass a recording fake.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from core.errors import ConfirmationRequired, CRMError, InvalidTransition
from core.models import Company, Contact, Workspace
from core.platform.audit import audit, snapshot
from core.ports import QuickBooksCustomers
from core.workspaces.service import get_in_workspace, require_owner

logger = logging.getLogger(__name__)

__all__ = [
    "create_quickbooks_customer",
    "decline_quickbooks_prompt",
]

_ID_LIMIT = 64


def create_quickbooks_customer(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    contact_id: str,
    confirmed: bool,
    quickbooks: QuickBooksCustomers,
) -> Contact:
    """Push a contact to QuickBooks once the owner has said yes, and keep the returned id.

    Every check runs before QuickBooks is called; if QuickBooks fails, nothing is stored.
    """
    require_owner(workspace, actor, "create a customer in QuickBooks")
    # Lock the row (Postgres): a second click waits, then sees the stored id and stops.
    contact = get_in_workspace(
        session, Contact, contact_id, workspace=workspace, field="contact", lock=True
    )
    name = contact.full_name
    if contact.quickbooks_customer_id:
        raise InvalidTransition(
            f"{name} is already in QuickBooks (customer {contact.quickbooks_customer_id})."
        )
    if confirmed is not True:
        raise ConfirmationRequired(f"Create {name} in QuickBooks? Please confirm first.")
    company = session.get(Company, contact.company_id) if contact.company_id else None
    phones, emails = contact.phones, contact.emails
    try:
        customer_id = quickbooks.create_customer(
            display_name=name,
            given_name=contact.first_name or None,
            family_name=contact.last_name or None,
            email=emails[0] if emails else None,
            phone=phones[0] if phones else None,
            address=contact.address or None,
            company_name=company.name if company is not None else None,
        )
    except CRMError:
        raise
    except Exception as error:
        logger.exception("QuickBooks did not create the customer for contact %s", contact_id)
        reason = " ".join(str(error).split())[:200] or type(error).__name__
        raise CRMError(
            f"QuickBooks did not create {name} ({reason}). "
            "Nothing was saved; try again in a moment."
        ) from error
    customer_id = str(customer_id or "").strip()
    if not customer_id or len(customer_id) > _ID_LIMIT:
        raise CRMError(
            f"QuickBooks answered without a usable customer id for {name}; nothing was saved."
        )

    before = snapshot(contact)
    contact.quickbooks_customer_id = customer_id
    audit(
        session,
        workspace,
        actor=actor,
        action="create_quickbooks_customer",
        entity=contact,
        before=before,
    )
    if company is not None and not company.quickbooks_customer_id:
        company_before = snapshot(company)
        company.quickbooks_customer_id = customer_id
        audit(
            session,
            workspace,
            actor=actor,
            action="create_quickbooks_customer",
            entity=company,
            before=company_before,
        )
    return contact


def decline_quickbooks_prompt(
    *, session: Session, workspace: Workspace, actor: str, contact_id: str
) -> Contact:
    """Record the owner's "Not now" to the QuickBooks question; nothing else changes."""
    require_owner(workspace, actor, "answer the QuickBooks question")
    contact = get_in_workspace(
        session, Contact, contact_id, workspace=workspace, field="contact", lock=True
    )
    audit(
        session,
        workspace,
        actor=actor,
        action="decline_quickbooks_prompt",
        entity=contact,
        before=snapshot(contact),
    )
    return contact

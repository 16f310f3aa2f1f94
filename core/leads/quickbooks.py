"""The owner's "Not now" to the QuickBooks question (hard stop 5).

Creating or linking the customer is `core.quickbooks` (claim, call, record).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.models import Contact, Workspace
from core.platform.audit import audit, snapshot
from core.workspaces.service import get_in_workspace, require_owner

__all__ = ["decline_quickbooks_prompt"]


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

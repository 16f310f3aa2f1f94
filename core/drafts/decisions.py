"""Draft decisions bound to the version the person saw.

An edit or a Mark sent made on an older version than the one now stored is refused, so an
owner never approves or records text they did not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core.common.enums import DraftStatus
from core.contacts.history import get_contact
from core.drafts.review import CHANGED_SINCE_SEEN, edit_draft, get_draft
from core.drafts.sending import SendOutcome, mark_draft_sent
from core.errors import ApprovalRequired, InvalidTransition
from core.models import Draft, Workspace
from core.workspaces.service import require_owner

__all__ = [
    "CHANGED_WHILE_EDITING",
    "DraftShown",
    "SentByHand",
    "draft_shown",
    "draft_to_edit",
    "edit_draft_as_seen",
    "mark_sent_as_seen",
]

CHANGED_WHILE_EDITING = (
    "The draft changed while you were editing; close this and edit the new version."
)
_SETTLED = (DraftStatus.sent, DraftStatus.discarded)


@dataclass(frozen=True)
class DraftShown:
    """A draft as its review message shows it: with the name of the person it goes to."""

    draft: Draft
    contact_name: str | None
    do_not_contact: bool = False  # the contact asked not to be contacted: Approve is refused


def draft_shown(session: Session, *, workspace: Workspace, draft: Draft) -> DraftShown:
    """The draft with its contact's name (the contact it was written for, or its survivor)."""
    if draft.contact_id is None:
        return DraftShown(draft, None)
    contact = get_contact(session, workspace=workspace, contact_id=draft.contact_id)
    return DraftShown(draft, contact.full_name, contact.do_not_contact)


def draft_to_edit(
    session: Session, *, workspace: Workspace, actor: str, draft_id: str, version: int
) -> Draft:
    """The draft an owner opens in the Edit form: still open, and the version they saw."""
    require_owner(workspace, actor, "edit drafts")
    draft = get_draft(session, workspace=workspace, draft_id=draft_id)
    if draft.status in _SETTLED:
        raise InvalidTransition(f"This draft was already {draft.status.value}; it can't change.")
    if draft.version != version:
        raise ApprovalRequired(CHANGED_SINCE_SEEN)
    return draft


def edit_draft_as_seen(
    session: Session,
    *,
    workspace: Workspace,
    actor: str,
    draft_id: str,
    version: int | None,
    body: str,
    subject: str | None,
    now: datetime,
) -> DraftShown:
    """Save an owner's edit as a new version, unless the draft changed while they edited it."""
    current = get_draft(session, workspace=workspace, draft_id=draft_id)
    if current.status not in _SETTLED and version is not None and current.version != version:
        raise ApprovalRequired(CHANGED_WHILE_EDITING, field="body")
    draft = edit_draft(
        session=session,
        workspace=workspace,
        actor=actor,
        draft_id=draft_id,
        body=body,
        subject=subject,
        now=now,
    )
    return draft_shown(session, workspace=workspace, draft=draft)


@dataclass(frozen=True)
class SentByHand:
    """What Mark sent recorded (or found already recorded), with the draft as now shown."""

    outcome: SendOutcome
    shown: DraftShown


def mark_sent_as_seen(
    session: Session,
    *,
    workspace: Workspace,
    actor: str,
    draft_id: str,
    version: int,
    now: datetime,
) -> SentByHand:
    """Record that the text of `version` was sent by hand; a newer version needs approval first."""
    current = get_draft(session, workspace=workspace, draft_id=draft_id)
    if current.status != DraftStatus.sent and current.version != version:
        raise ApprovalRequired(CHANGED_SINCE_SEEN)
    outcome = mark_draft_sent(
        session=session, workspace=workspace, actor=actor, draft_id=draft_id, now=now
    )
    return SentByHand(outcome, draft_shown(session, workspace=workspace, draft=outcome.draft))

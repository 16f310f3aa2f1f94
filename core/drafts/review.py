"""The owner-review gate for drafts (hard stop 1): read, approve, edit, discard.

Nothing reaches a customer unless an owner approved exactly the version being sent (or an
owner turned on `auto_send`); sending itself is `core.drafts.sending`, and the whole path
from Approve to the sent message is `core.drafts.flows`. Approving and discarding are each one
conditional UPDATE from the state read (`core.platform.transitions`): of two clicks at once
one changes the draft and writes the audit row; the other is told it already happened.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.common.enums import DraftStatus
from core.contacts.do_not_contact import refuse_if_do_not_contact
from core.drafts.compose import BODY_LIMIT, SUBJECT_LIMIT
from core.errors import AlreadyDone, ApprovalRequired, InvalidInput, InvalidTransition, NotFound
from core.models import Draft, Workspace
from core.platform.audit import audit, snapshot
from core.platform.transitions import apply_transition
from core.workspaces.service import require_owner

__all__ = [
    "CHANGED_SINCE_SEEN",
    "approve_draft",
    "discard_draft",
    "edit_draft",
    "get_draft",
    "load_draft",
    "pending_drafts",
    "record_review_messages",
]

CHANGED_SINCE_SEEN = "The draft changed since you saw it; review the new version."
_EDITABLE = (DraftStatus.pending_approval, DraftStatus.approved, DraftStatus.failed)


def get_draft(
    session: Session, *, workspace: Workspace, draft_id: str, lock: bool = False
) -> Draft:
    """One draft of this workspace, read afresh; `lock` holds it (Postgres) for a decision."""
    return load_draft(session, workspace, draft_id, lock=lock)


def pending_drafts(session: Session, *, workspace: Workspace) -> list[Draft]:
    """Drafts waiting for an owner's review, oldest first."""
    return list(
        session.scalars(
            select(Draft)
            .where(
                Draft.workspace_id == workspace.workspace_id,
                Draft.status == DraftStatus.pending_approval,
            )
            .order_by(Draft.created_at, Draft.draft_id)
        )
    )


def _as_read(draft: Draft) -> dict[str, object]:
    """The columns a review decision was taken on; the change applies only if they still hold."""
    return {
        "status": draft.status,
        "version": draft.version,
        "approved_version": draft.approved_version,
    }


def _moved_on(draft: Draft) -> str:
    """What someone who lost a race to change the draft is told (the draft as it now is)."""
    if draft.status in (DraftStatus.sent, DraftStatus.discarded, DraftStatus.approved):
        return f"This draft was already {draft.status.value}."
    return CHANGED_SINCE_SEEN


def load_draft(session: Session, workspace: Workspace, draft_id: str, *, lock: bool) -> Draft:
    """Read the committed row; `lock` holds it (Postgres) so reviews never overwrite a send."""
    query = (
        select(Draft)
        .where(Draft.workspace_id == workspace.workspace_id, Draft.draft_id == draft_id)
        .execution_options(populate_existing=True)
    )
    draft = session.scalar(query.with_for_update() if lock else query)
    if draft is None:
        raise NotFound("That draft is not in this workspace.")
    return draft


def approve_draft(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    draft_id: str,
    version: int,
    now: datetime,
) -> Draft:
    """Record an owner's approval of exactly the version they read (hard stop 1)."""
    require_owner(workspace, actor, "approve drafts")
    draft = load_draft(session, workspace, draft_id, lock=True)
    if draft.status in (DraftStatus.sent, DraftStatus.discarded):
        raise InvalidTransition(f"This draft was already {draft.status.value}.")
    if draft.version != version:
        raise ApprovalRequired(CHANGED_SINCE_SEEN)
    refuse_if_do_not_contact(session, workspace=workspace, contact_id=draft.contact_id)
    if draft.status == DraftStatus.approved and draft.approved_version == version:
        return draft
    before = snapshot(draft)
    approval = dict(
        status=DraftStatus.approved,
        approved_by=actor,
        approved_at=now,
        approved_version=version,
        error=None,
        updated_at=now,
    )
    if not apply_transition(session, draft, expected=_as_read(draft), values=approval):
        raise AlreadyDone(_moved_on(draft))
    audit(session, workspace, actor=actor, action="approve_draft", entity=draft, before=before)
    return draft


def edit_draft(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    draft_id: str,
    body: str,
    subject: str | None = None,
    now: datetime,
) -> Draft:
    """Change the text; any earlier approval no longer counts (a new version needs review)."""
    require_owner(workspace, actor, "edit drafts")
    if not body or not body.strip():
        raise InvalidInput("The message can't be empty.", field="body")
    if len(body) > BODY_LIMIT:
        raise InvalidInput(f"The message is over {BODY_LIMIT:,} characters.", field="body")
    if subject is not None and len(subject) > SUBJECT_LIMIT:
        raise InvalidInput(f"The subject is over {SUBJECT_LIMIT} characters.", field="subject")
    draft = load_draft(session, workspace, draft_id, lock=True)
    if draft.status not in _EDITABLE:
        raise InvalidTransition(f"This draft was already {draft.status.value}; it can't change.")
    before = snapshot(draft)
    draft.body = body
    if subject is not None:
        draft.subject = subject.strip() or None
    draft.version += 1
    draft.status = DraftStatus.pending_approval
    draft.approved_by = draft.approved_at = draft.approved_version = None
    draft.error = None
    draft.updated_at = now
    audit(session, workspace, actor=actor, action="edit_draft", entity=draft, before=before)
    return draft


def discard_draft(
    *, session: Session, workspace: Workspace, actor: str, draft_id: str, now: datetime
) -> Draft:
    """Drop a draft from the queue; the row stays as history."""
    require_owner(workspace, actor, "discard drafts")
    draft = load_draft(session, workspace, draft_id, lock=True)
    if draft.status == DraftStatus.sent:
        raise InvalidTransition("This draft was already sent; it can't be discarded.")
    if draft.status == DraftStatus.discarded:
        return draft
    before = snapshot(draft)
    discarded = dict(status=DraftStatus.discarded, updated_at=now)
    if not apply_transition(session, draft, expected=_as_read(draft), values=discarded):
        raise AlreadyDone(_moved_on(draft))
    audit(session, workspace, actor=actor, action="discard_draft", entity=draft, before=before)
    return draft


def record_review_messages(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    draft_id: str,
    refs: list[dict[str, str]],
    now: datetime,
) -> Draft:
    """Keep where the draft was posted for review (channel, ts), so every copy can be updated."""
    kept = [{"channel": str(r["channel"]), "ts": str(r["ts"])} for r in refs]
    draft = load_draft(session, workspace, draft_id, lock=False)
    before = snapshot(draft)
    draft.review_refs = kept
    draft.updated_at = now
    audit(
        session, workspace, actor=actor, action="post_draft_for_review", entity=draft, before=before
    )
    return draft

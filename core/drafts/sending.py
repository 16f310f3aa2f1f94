"""Sending a draft at most once, in two transactions, and recording a message sent by hand.

1. `claim_draft_for_sending` takes the approved draft with one conditional UPDATE (status
   `sent`); the caller commits it. However many clicks, retries or processes race, one wins.
2. `deliver_claimed_draft`, in a second transaction, hands the claimed draft to the provider
   and records the outcome: the provider's message id and the outbound interaction, or the
   failure (status `failed`, `error`; an owner re-approves to retry).

`core.drafts.flows` runs both transactions in order for every path that sends. If the process
dies between the two, the committed claim keeps the draft `sent` with no `sent_message_id` and
no outbound interaction (`sent_interaction_id` stays None): the message may not have gone out,
but it is never sent a second time; `core.drafts.unconfirmed_sends` shows such drafts to the
owners, who settle each by hand. Phone follow-ups, texts, and email with no mailbox connected
are sent by hand and recorded with `mark_draft_sent`, one transaction (nothing external
happens).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Update, update
from sqlalchemy.orm import Session

from core.activity.service import record_interaction
from core.common.enums import DraftChannel, DraftStatus, InteractionType
from core.contacts.do_not_contact import refuse_if_do_not_contact
from core.drafts.compose import BODY_LIMIT
from core.drafts.review import CHANGED_SINCE_SEEN, load_draft
from core.errors import ApprovalRequired, CRMError, DoNotContact, InvalidTransition
from core.models import Draft, Interaction, Workspace
from core.platform.audit import audit, snapshot
from core.ports import DraftSender

__all__ = [
    "AUTO_SEND_ACTOR",
    "SendClaim",
    "SendOutcome",
    "claim_draft_for_sending",
    "deliver_claimed_draft",
    "log_sent_message",
    "mark_draft_sent",
]

logger = logging.getLogger(__name__)

AUTO_SEND_ACTOR = "system:auto_send"

_OUTBOUND_TYPE = {
    DraftChannel.email: InteractionType.email_outbound,
    DraftChannel.sms: InteractionType.sms,
    DraftChannel.phone: InteractionType.phone_call,
}


@dataclass(frozen=True)
class SendClaim:
    """A draft taken for sending (commit, then deliver it once), or one that was sent before.

    A claim names the version and the moment it took, so only this claim can be delivered.
    """

    draft: Draft
    claimed: bool = False
    already_sent: bool = False
    draft_id: str | None = None
    version: int | None = None
    claimed_at: datetime | None = None


@dataclass(frozen=True)
class SendOutcome:
    """What happened to a send: sent now, sent before (nothing done), or failed (recorded)."""

    draft: Draft
    sent: bool = False
    already_sent: bool = False
    failed: bool = False
    error: str | None = None
    interaction: Interaction | None = None


def _rowcount(session: Session, statement: Update) -> int:
    """Run a conditional UPDATE; how many rows it changed says who won a race."""
    result = session.execute(statement.execution_options(synchronize_session=False))
    return cast(CursorResult[Any], result).rowcount


def _claim(
    session: Session, workspace: Workspace, actor: str, action: str, draft: Draft, now: datetime
) -> bool:
    """Take the draft for sending with one conditional UPDATE; False if someone else did first.

    First the auto-send approval (when on), itself conditional, then the claim, which requires
    an approval of the very version read. On Postgres a concurrent claimer waits on the row
    lock and then finds nothing to update; on SQLite writers are serialized by the database.
    """
    # Held to the commit: a do-not-contact flag set meanwhile waits, then is seen by delivery.
    refuse_if_do_not_contact(session, workspace=workspace, contact_id=draft.contact_id, lock=True)
    ws, version = workspace.workspace_id, draft.version
    mine = (Draft.draft_id == draft.draft_id, Draft.workspace_id == ws, Draft.version == version)
    if workspace.auto_send and draft.status in (DraftStatus.pending_approval, DraftStatus.failed):
        before = snapshot(draft)
        pending = (DraftStatus.pending_approval, DraftStatus.failed)
        approval = dict(approved_by=AUTO_SEND_ACTOR, approved_at=now, approved_version=version)
        if _rowcount(
            session,
            update(Draft)
            .where(*mine, Draft.status.in_(pending))
            .values(status=DraftStatus.approved, error=None, updated_at=now, **approval),
        ):
            session.refresh(draft)
            audit(
                session,
                workspace,
                actor=AUTO_SEND_ACTOR,
                action="approve_draft",
                entity=draft,
                before=before,
            )
    elif draft.status != DraftStatus.approved or draft.approved_version != version:
        raise ApprovalRequired("An owner needs to approve this version of the draft first.")
    before = snapshot(draft)
    claimed = _rowcount(
        session,
        update(Draft)
        .where(*mine, Draft.status == DraftStatus.approved, Draft.approved_version == version)
        .values(status=DraftStatus.sent, sent_at=now, sent_by=actor, error=None, updated_at=now),
    )
    session.refresh(draft)
    if claimed == 1:
        audit(session, workspace, actor=actor, action=action, entity=draft, before=before)
    return claimed == 1


def _refuse_unsendable(draft: Draft) -> None:
    if draft.status == DraftStatus.discarded:
        raise InvalidTransition("This draft was discarded.")


def _after_lost_claim(draft: Draft) -> None:
    """Someone else moved the draft between our read and our claim: refuse unless they sent it."""
    _refuse_unsendable(draft)
    if draft.status != DraftStatus.sent:
        raise ApprovalRequired(CHANGED_SINCE_SEEN)


def claim_draft_for_sending(
    *, session: Session, workspace: Workspace, actor: str, draft_id: str, now: datetime
) -> SendClaim:
    """Take an approved draft for sending; commit before `deliver_claimed_draft` (at most once).

    The sender is never reached without approval: an unapproved version raises
    ApprovalRequired (unless `auto_send` is on, which approves it as `system:auto_send`).
    """
    draft = load_draft(session, workspace, draft_id, lock=False)
    if draft.status == DraftStatus.sent:
        return SendClaim(draft=draft, already_sent=True)
    _refuse_unsendable(draft)
    if draft.channel == DraftChannel.phone:
        raise InvalidTransition("A phone follow-up is made by hand; press Mark sent after calling.")
    if not _claim(session, workspace, actor, "claim_draft_for_sending", draft, now):
        _after_lost_claim(draft)
        return SendClaim(draft=draft, already_sent=True)
    return SendClaim(
        draft=draft, claimed=True, draft_id=draft_id, version=draft.version, claimed_at=now
    )


def deliver_claimed_draft(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    claim: SendClaim,
    sender: DraftSender,
    now: datetime,
) -> SendOutcome:
    """Hand a committed claim to the provider once and record what happened.

    Call it once per claim, in a transaction after the claim's. A failure of the sender is
    recorded on the draft (status failed, `error`) and RETURNED as `SendOutcome(failed=True,
    error=...)`, not raised, so the caller's `sessions.begin()` block commits the recorded
    failure and can show the error. To retry, an owner approves the same version again (or
    edits it and approves the new one), then it is claimed and delivered again.
    """
    if not claim.claimed or claim.draft_id is None:
        raise InvalidTransition("Only a draft claimed for sending can be delivered.")
    draft = load_draft(session, workspace, claim.draft_id, lock=True)
    this_claim = (DraftStatus.sent, claim.version, claim.claimed_at, None, None)
    found = (draft.status, draft.version, draft.sent_at, draft.sent_message_id)
    if (*found, draft.sent_interaction_id) != this_claim:
        raise InvalidTransition("This draft is not waiting for this delivery.")
    try:
        # The last look, holding the contact's row while the mailbox is reached: a flag
        # committed after the claim still stops the send (core/contacts/do_not_contact.py).
        refuse_if_do_not_contact(
            session, workspace=workspace, contact_id=draft.contact_id, lock=True
        )
        message_id = sender.send(draft)
    except Exception as error:  # recorded on the draft and returned to the caller, not swallowed
        text = (
            error.message if isinstance(error, CRMError) else (str(error) or type(error).__name__)
        )
        if not isinstance(error, CRMError):
            logger.exception("sending draft %s failed", draft.draft_id)
        before = snapshot(draft)
        draft.status = DraftStatus.failed
        draft.sent_at = draft.sent_by = None
        draft.error = text[:BODY_LIMIT]
        draft.updated_at = now
        action = "send_refused" if isinstance(error, DoNotContact) else "send_failed"
        audit(session, workspace, actor=actor, action=action, entity=draft, before=before)
        return SendOutcome(draft=draft, failed=True, error=text)
    before = snapshot(draft)
    draft.sent_message_id = message_id
    draft.updated_at = now
    audit(session, workspace, actor=actor, action="send_draft", entity=draft, before=before)
    interaction = log_sent_message(session, workspace, actor, draft, now)
    return SendOutcome(draft=draft, sent=True, interaction=interaction)


def mark_draft_sent(
    *, session: Session, workspace: Workspace, actor: str, draft_id: str, now: datetime
) -> SendOutcome:
    """Record a message the owner sent by hand (text, call, email with no mailbox connected)."""
    draft = load_draft(session, workspace, draft_id, lock=False)
    if draft.status == DraftStatus.sent:
        return SendOutcome(draft=draft, already_sent=True)
    _refuse_unsendable(draft)
    if not _claim(session, workspace, actor, "mark_draft_sent", draft, now):
        _after_lost_claim(draft)
        return SendOutcome(draft=draft, already_sent=True)
    interaction = log_sent_message(session, workspace, actor, draft, now)
    return SendOutcome(draft=draft, sent=True, interaction=interaction)


def log_sent_message(
    session: Session, workspace: Workspace, actor: str, draft: Draft, now: datetime
) -> Interaction:
    """The sent message in the contact's history, kept exactly as it went out, and linked."""
    interaction = record_interaction(
        session,
        workspace,
        actor=actor,
        type=_OUTBOUND_TYPE[draft.channel],
        timestamp=now,
        contact_id=draft.contact_id,
        lead_id=draft.lead_id,
        opportunity_id=draft.opportunity_id,
        subject=draft.subject,
        body=draft.body,
        now=now,
    )
    # The mailbox's id of what went out: a reply to it is found by its thread (docs/gmail.md).
    interaction.external_message_id = draft.sent_message_id
    draft.sent_interaction_id = interaction.interaction_id
    return interaction

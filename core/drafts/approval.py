"""The first transaction of a send: a draft approved (by an owner or by auto-send) and claimed.

Pressing **Approve** and asking for a follow-up with auto-send on each end, when the
workspace's mailbox will send the draft, in a claim (`core.drafts.sending`): `core.drafts.flows`
commits it, then delivers it with `deliver_claimed_draft` in a second transaction, so the
mailbox is reached at most once. Only email goes through the mailbox; texts and calls, and
email while no mailbox is connected, are approved and handed to the owner, who presses
**Mark sent**.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from core.common.enums import DraftChannel, DraftStatus
from core.drafts.compose import FollowUpDraft, draft_follow_up
from core.drafts.decisions import draft_shown
from core.drafts.review import approve_draft, get_draft
from core.drafts.sending import AUTO_SEND_ACTOR, SendClaim, claim_draft_for_sending
from core.models import Draft, Workspace
from core.workspaces.service import require_owner

__all__ = [
    "Approval",
    "ApprovalOutcome",
    "RequestedFollowUp",
    "approve_for_sending",
    "draft_follow_up_with_auto_send",
]


class ApprovalOutcome(StrEnum):
    """What pressing Approve did to the draft."""

    approved = "approved"  # approved now; the owner sends it by hand
    already_approved = "already_approved"  # approved before; still the owner's to send
    already_sent = "already_sent"  # sent before (by anyone); nothing done
    claimed = "claimed"  # approved and taken for the mailbox: commit, then deliver the claim


@dataclass(frozen=True)
class Approval:
    """What Approve did, the draft as it now stands (with its contact's name), and any claim."""

    outcome: ApprovalOutcome
    draft: Draft
    contact_name: str | None
    claim: SendClaim | None = None


@dataclass(frozen=True)
class RequestedFollowUp:
    """A new follow-up draft; with auto-send on, also claimed for the mailbox (deliver next)."""

    followup: FollowUpDraft
    claim: SendClaim | None = None


def _mailbox_sends(draft: Draft, mailbox_connected: bool) -> bool:
    """Only email goes through the mailbox; a text or a call is always the owner's to make."""
    return mailbox_connected and draft.channel == DraftChannel.email


def approve_for_sending(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    draft_id: str,
    version: int,
    mailbox_connected: bool,
    now: datetime,
) -> Approval:
    """An owner's Approve of the version they read: approve it, and claim it if the mailbox sends.

    A second click answers with who sent or approved it and when, instead of acting again.
    """
    draft = get_draft(session, workspace=workspace, draft_id=draft_id, lock=True)
    require_owner(workspace, actor, "approve drafts")
    if draft.status == DraftStatus.sent:
        return _approval(session, workspace, ApprovalOutcome.already_sent, draft)
    was_approved = draft.status == DraftStatus.approved and draft.approved_version == version
    draft = approve_draft(
        session=session,
        workspace=workspace,
        actor=actor,
        draft_id=draft_id,
        version=version,
        now=now,
    )
    if not _mailbox_sends(draft, mailbox_connected):
        done = ApprovalOutcome.already_approved if was_approved else ApprovalOutcome.approved
        return _approval(session, workspace, done, draft)
    claim = claim_draft_for_sending(
        session=session, workspace=workspace, actor=actor, draft_id=draft_id, now=now
    )
    if not claim.claimed:  # someone sent it between our approval and our claim
        return _approval(session, workspace, ApprovalOutcome.already_sent, claim.draft)
    return _approval(session, workspace, ApprovalOutcome.claimed, claim.draft, claim)


def _approval(
    session: Session,
    workspace: Workspace,
    outcome: ApprovalOutcome,
    draft: Draft,
    claim: SendClaim | None = None,
) -> Approval:
    shown = draft_shown(session, workspace=workspace, draft=draft)
    return Approval(outcome, draft, shown.contact_name, claim)


def draft_follow_up_with_auto_send(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    lead_id: str | None = None,
    opportunity_id: str | None = None,
    channel: str | None = None,
    mailbox_connected: bool,
    now: datetime,
) -> RequestedFollowUp:
    """Draft the follow-up asked for; with auto-send on, approve and claim it for the mailbox."""
    followup = draft_follow_up(
        session=session,
        workspace=workspace,
        actor=actor,
        lead_id=lead_id,
        opportunity_id=opportunity_id,
        channel=channel,
        now=now,
    )
    if not (workspace.auto_send and _mailbox_sends(followup.draft, mailbox_connected)):
        return RequestedFollowUp(followup)
    claim = claim_draft_for_sending(
        session=session,
        workspace=workspace,
        actor=AUTO_SEND_ACTOR,
        draft_id=followup.draft.draft_id,
        now=now,
    )
    return RequestedFollowUp(followup, claim)

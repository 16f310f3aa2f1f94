"""Every path that can send a draft, as one flow: approve -> claim -> commit -> deliver -> record.

The Approve button, the Draft follow-up button, "follow up on Dana" in plain words and any
job call these and nothing else, so the auto-send rule and the at-most-once send are decided
here once. Unlike the rest of core, these functions take a session factory (`sessions`),
because each owns its two transactions: the first approves (an owner, or `system:auto_send`
when the workspace turned auto-send on and a mailbox sends the draft) and claims the draft
with a conditional UPDATE, and commits; only then does the second hand the claim to the
mailbox and record the outcome. The mailbox is never reached before the claim is committed,
so a crash, a retry or a second click can never send twice (docs/transitions.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from core.drafts.approval import Approval, approve_for_sending, draft_follow_up_with_auto_send
from core.drafts.compose import FollowUpDraft
from core.drafts.sending import AUTO_SEND_ACTOR, SendClaim, SendOutcome, deliver_claimed_draft
from core.models import Workspace
from core.ports import DraftSender
from core.workspaces.service import get_workspace

__all__ = [
    "ApprovedDraft",
    "RequestedDraft",
    "SenderFor",
    "approve_and_send",
    "request_follow_up",
]

#: The workspace's mailbox, or None when it has not connected one.
SenderFor = Callable[[Workspace], DraftSender | None]


@dataclass(frozen=True)
class ApprovedDraft:
    """What Approve did, and what the mailbox did with it (None when nothing was sent)."""

    approval: Approval
    delivered: SendOutcome | None
    workspace: Workspace


@dataclass(frozen=True)
class RequestedDraft:
    """A follow-up drafted on request; with auto-send on, also what the mailbox did with it."""

    followup: FollowUpDraft  # the draft as it now stands (sent, failed, or awaiting review)
    delivered: SendOutcome | None
    workspace: Workspace

    @property
    def auto_sent(self) -> bool:
        return self.delivered is not None and self.delivered.sent


def approve_and_send(
    *,
    sessions: sessionmaker[Session],
    workspace_id: str,
    actor: str,
    draft_id: str,
    version: int,
    sender_for: SenderFor,
    now: datetime,
) -> ApprovedDraft:
    """An owner's Approve of the version they read; an email goes out once if a mailbox sends it.

    Transaction 1 approves and (mailbox connected) claims, and commits; transaction 2 delivers.
    """
    with sessions.begin() as session:
        workspace = get_workspace(session, workspace_id)
        sender = sender_for(workspace)
        approval = approve_for_sending(
            session=session,
            workspace=workspace,
            actor=actor,
            draft_id=draft_id,
            version=version,
            mailbox_connected=sender is not None,
            now=now,
        )
    delivered = _deliver(sessions, workspace_id, approval.claim, sender, actor=actor, now=now)
    return ApprovedDraft(approval, delivered, workspace)


def request_follow_up(
    *,
    sessions: sessionmaker[Session],
    workspace_id: str,
    actor: str,
    lead_id: str | None = None,
    opportunity_id: str | None = None,
    channel: str | None = None,
    sender_for: SenderFor,
    now: datetime,
) -> RequestedDraft:
    """Draft the follow-up asked for; with auto-send on and a mailbox, send it once at once.

    With auto-send off (the default) nothing reaches the mailbox: the draft waits for Approve.
    """
    with sessions.begin() as session:
        workspace = get_workspace(session, workspace_id)
        sender = sender_for(workspace)
        requested = draft_follow_up_with_auto_send(
            session=session,
            workspace=workspace,
            actor=actor,
            lead_id=lead_id,
            opportunity_id=opportunity_id,
            channel=channel,
            mailbox_connected=sender is not None,
            now=now,
        )
    delivered = _deliver(
        sessions, workspace_id, requested.claim, sender, actor=AUTO_SEND_ACTOR, now=now
    )
    followup = requested.followup
    if delivered is not None:
        followup = replace(followup, draft=delivered.draft)
    return RequestedDraft(followup, delivered, workspace)


def _deliver(
    sessions: sessionmaker[Session],
    workspace_id: str,
    claim: SendClaim | None,
    sender: DraftSender | None,
    *,
    actor: str,
    now: datetime,
) -> SendOutcome | None:
    """The second transaction: hand a committed claim to the mailbox once and record it."""
    if claim is None or not claim.claimed or sender is None:
        return None
    with sessions.begin() as session:
        workspace = get_workspace(session, workspace_id)
        return deliver_claimed_draft(
            session=session, workspace=workspace, actor=actor, claim=claim, sender=sender, now=now
        )

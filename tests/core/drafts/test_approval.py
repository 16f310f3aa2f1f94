"""Approve and auto-send end in a claim, committed before the mailbox is reached (hard stop 1).

`approve_for_sending` is an owner's Approve: approved to send by hand, approved before, sent
before, or approved and claimed for the mailbox; `draft_follow_up_with_auto_send` writes a
draft and, with auto-send on and a mailbox for it, claims it as `system:auto_send`. Neither
reaches the mailbox: delivery is `deliver_claimed_draft`, in the caller's next transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import core.drafts.approval
from core.common.enums import DraftChannel, DraftStatus
from core.drafts.approval import (
    Approval,
    ApprovalOutcome,
    RequestedFollowUp,
    approve_for_sending,
    draft_follow_up_with_auto_send,
)
from core.drafts.review import discard_draft, edit_draft
from core.drafts.sending import AUTO_SEND_ACTOR, SendClaim, deliver_claimed_draft, mark_draft_sent
from core.errors import ApprovalRequired, InvalidInput, InvalidTransition, NotAnOwner, NotFound
from core.models import Draft, Interaction, Workspace
from core.workspaces.service import WorkspaceDefaults, ensure_workspace, get_workspace
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import audit_trail, make_contact, make_lead, make_opportunity

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday, 10:00 in New York
LATER = NOW + timedelta(hours=2)
EARLIER = datetime(2026, 11, 1, 15, 0, tzinfo=UTC)
OWNER2 = "U0OWNER2"


class Mailbox:
    """A stand-in mailbox that remembers what it was given."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int]] = []

    def send(self, draft: Draft) -> str:
        self.sent.append((draft.draft_id, draft.version))
        return f"msg-{len(self.sent)}"


def ws(session: Session) -> Workspace:
    return get_workspace(session, TEAM)


def with_owners(session: Session, *owners: str, auto_send: bool = False) -> Workspace:
    workspace = ws(session)
    workspace.owner_ids = list(owners)
    workspace.auto_send = auto_send
    session.flush()
    return workspace


def dana_lead_id(session: Session, *, email: bool = True) -> str:
    dana = make_contact(
        session,
        TEAM,
        phones=["+15552013344"],
        emails=["dana@example.com"] if email else [],
        created_at=EARLIER,
    )
    return make_lead(session, TEAM, dana, created_at=EARLIER).lead_id


def requested(
    session: Session,
    *,
    mailbox_connected: bool,
    channel: str | None = None,
    **job: Any,
) -> RequestedFollowUp:
    if not job:
        job = {"lead_id": dana_lead_id(session)}
    return draft_follow_up_with_auto_send(
        session=session,
        workspace=ws(session),
        actor=STAFF,
        channel=channel,
        mailbox_connected=mailbox_connected,
        now=NOW,
        **job,
    )


def new_draft(session: Session, channel: str | None = None) -> Draft:
    """A follow-up to Dana asked for by staff, waiting for review (email unless told)."""
    return requested(session, mailbox_connected=False, channel=channel).followup.draft


def approve(
    session: Session,
    draft_id: str,
    version: int = 1,
    *,
    actor: str = OWNER,
    mailbox_connected: bool = False,
    now: datetime = NOW,
) -> Approval:
    return approve_for_sending(
        session=session,
        workspace=ws(session),
        actor=actor,
        draft_id=draft_id,
        version=version,
        mailbox_connected=mailbox_connected,
        now=now,
    )


def draft_row(session: Session, draft_id: str) -> tuple[Any, ...]:
    session.expire_all()
    draft = session.get(Draft, draft_id)
    assert draft is not None
    return (draft.status, draft.approved_by, draft.sent_by, draft.sent_message_id)


def interactions(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Interaction)) or 0)


def deliver(session: Session, claim: SendClaim, mailbox: Mailbox, actor: str = OWNER) -> Draft:
    outcome = deliver_claimed_draft(
        session=session, workspace=ws(session), actor=actor, claim=claim, sender=mailbox, now=NOW
    )
    assert outcome.sent
    return outcome.draft


# --- approve_for_sending: every outcome -------------------------------------------------------


def test_without_a_mailbox_approve_hands_the_draft_to_the_owner(
    session: Session, workspace_id: str
) -> None:
    draft = new_draft(session)

    approval = approve(session, draft.draft_id)

    assert (approval.outcome, approval.claim, approval.contact_name) == (
        ApprovalOutcome.approved,
        None,
        "Dana Smith",
    )
    assert approval.draft.draft_id == draft.draft_id
    assert (approval.draft.approved_at, approval.draft.approved_version) == (NOW, 1)
    assert draft_row(session, draft.draft_id) == (DraftStatus.approved, OWNER, None, None)
    assert audit_trail(session, draft.draft_id) == [
        (STAFF, "draft_follow_up"),
        (OWNER, "approve_draft"),
    ]
    assert interactions(session) == 0


def test_a_second_approve_says_who_approved_it_first_and_when(
    session: Session, workspace_id: str
) -> None:
    with_owners(session, OWNER, OWNER2)
    draft = new_draft(session)
    approve(session, draft.draft_id)

    again = approve(session, draft.draft_id, actor=OWNER2, now=LATER)

    assert again.outcome == ApprovalOutcome.already_approved and again.claim is None
    assert (again.draft.approved_by, again.draft.approved_at) == (OWNER, NOW)
    assert audit_trail(session, draft.draft_id) == [
        (STAFF, "draft_follow_up"),
        (OWNER, "approve_draft"),
    ]


def test_with_a_mailbox_approve_claims_the_email_and_sends_nothing_yet(
    session: Session, workspace_id: str
) -> None:
    draft = new_draft(session)

    approval = approve(session, draft.draft_id, mailbox_connected=True)

    assert approval.outcome == ApprovalOutcome.claimed and approval.claim is not None
    claim = approval.claim
    assert (claim.claimed, claim.draft_id, claim.version, claim.claimed_at) == (
        True,
        draft.draft_id,
        1,
        NOW,
    )
    assert draft_row(session, draft.draft_id) == (DraftStatus.sent, OWNER, OWNER, None)
    assert interactions(session) == 0  # nothing delivered, nothing logged until delivery
    assert audit_trail(session, draft.draft_id) == [
        (STAFF, "draft_follow_up"),
        (OWNER, "approve_draft"),
        (OWNER, "claim_draft_for_sending"),
    ]

    mailbox = Mailbox()
    delivered = deliver(session, claim, mailbox)
    assert mailbox.sent == [(draft.draft_id, 1)] and delivered.sent_message_id == "msg-1"
    assert interactions(session) == 1


def test_approve_after_a_send_says_who_sent_it_and_does_nothing(
    session: Session, workspace_id: str
) -> None:
    with_owners(session, OWNER, OWNER2)
    draft = new_draft(session)
    first = approve(session, draft.draft_id, mailbox_connected=True)
    assert first.claim is not None
    trail = audit_trail(session, draft.draft_id)

    again = approve(session, draft.draft_id, actor=OWNER2, mailbox_connected=True, now=LATER)

    assert (again.outcome, again.claim) == (ApprovalOutcome.already_sent, None)
    assert (again.draft.sent_by, again.draft.sent_at) == (OWNER, NOW)
    assert audit_trail(session, draft.draft_id) == trail


def test_a_draft_sent_by_hand_is_already_sent_even_from_an_older_version(
    session: Session, workspace_id: str
) -> None:
    draft = new_draft(session)
    edit_draft(
        session=session,
        workspace=ws(session),
        actor=OWNER,
        draft_id=draft.draft_id,
        body="Hi Dana — shorter 🔧",
        now=NOW,
    )
    approve(session, draft.draft_id, version=2)
    mark_draft_sent(
        session=session, workspace=ws(session), actor=STAFF, draft_id=draft.draft_id, now=NOW
    )

    old_button = approve(session, draft.draft_id, version=1, mailbox_connected=True)

    assert old_button.outcome == ApprovalOutcome.already_sent
    assert old_button.draft.sent_by == STAFF and interactions(session) == 1


def test_a_text_message_is_never_claimed_for_the_mailbox(
    session: Session, workspace_id: str
) -> None:
    draft = new_draft(session, channel="sms")
    assert draft.channel == DraftChannel.sms

    approval = approve(session, draft.draft_id, mailbox_connected=True)

    assert (approval.outcome, approval.claim) == (ApprovalOutcome.approved, None)
    assert draft_row(session, draft.draft_id) == (DraftStatus.approved, OWNER, None, None)


def test_a_failed_send_is_claimed_again_by_the_next_approve(
    session: Session, workspace_id: str
) -> None:
    draft = new_draft(session)
    first = approve(session, draft.draft_id, mailbox_connected=True)
    assert first.claim is not None

    class Refusing:
        def send(self, draft: Draft) -> str:
            raise InvalidTransition("Gmail said no.")

    failed = deliver_claimed_draft(
        session=session,
        workspace=ws(session),
        actor=OWNER,
        claim=first.claim,
        sender=Refusing(),
        now=NOW,
    )
    assert failed.failed and failed.draft.status == DraftStatus.failed

    retry = approve(session, draft.draft_id, mailbox_connected=True, now=LATER)

    assert retry.outcome == ApprovalOutcome.claimed and retry.claim is not None
    assert retry.claim.claimed_at == LATER
    assert draft_row(session, draft.draft_id) == (DraftStatus.sent, OWNER, OWNER, None)


def test_a_send_that_wins_the_race_to_the_claim_is_reported_as_already_sent(
    session: Session, workspace_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone sends the draft by hand between this Approve's approval and its claim."""
    draft = new_draft(session)
    real_claim = core.drafts.approval.claim_draft_for_sending

    def sent_first(**kwargs: Any) -> SendClaim:
        mark_draft_sent(
            session=session, workspace=ws(session), actor=STAFF, draft_id=draft.draft_id, now=NOW
        )
        return real_claim(**kwargs)

    monkeypatch.setattr(core.drafts.approval, "claim_draft_for_sending", sent_first)

    approval = approve(session, draft.draft_id, mailbox_connected=True)

    assert (approval.outcome, approval.claim) == (ApprovalOutcome.already_sent, None)
    assert approval.draft.sent_by == STAFF
    assert draft_row(session, draft.draft_id) == (DraftStatus.sent, OWNER, STAFF, None)
    assert interactions(session) == 1  # the hand-sent message, once


# --- approve_for_sending: refusals change nothing ---------------------------------------------


def test_only_an_owner_can_approve_even_a_sent_draft(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    with pytest.raises(NotAnOwner, match="Only an owner can approve drafts."):
        approve(session, draft.draft_id, actor=STAFF, mailbox_connected=True)
    assert draft_row(session, draft.draft_id) == (DraftStatus.pending_approval, None, None, None)
    assert audit_trail(session, draft.draft_id) == [(STAFF, "draft_follow_up")]

    approve(session, draft.draft_id, mailbox_connected=True)
    with pytest.raises(NotAnOwner):
        approve(session, draft.draft_id, actor=STAFF, mailbox_connected=True)


def test_an_approve_of_a_version_no_longer_current_is_refused(
    session: Session, workspace_id: str
) -> None:
    draft = new_draft(session)
    edit_draft(
        session=session,
        workspace=ws(session),
        actor=OWNER,
        draft_id=draft.draft_id,
        body='Hi Dana, "quoted" and 🔧',
        now=NOW,
    )
    with pytest.raises(ApprovalRequired, match="The draft changed since you saw it"):
        approve(session, draft.draft_id, version=1, mailbox_connected=True)
    assert draft_row(session, draft.draft_id) == (DraftStatus.pending_approval, None, None, None)


def test_a_discarded_draft_cannot_be_approved(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    discard_draft(
        session=session, workspace=ws(session), actor=OWNER, draft_id=draft.draft_id, now=NOW
    )
    with pytest.raises(InvalidTransition, match="This draft was already discarded."):
        approve(session, draft.draft_id, mailbox_connected=True)
    assert draft_row(session, draft.draft_id) == (DraftStatus.discarded, None, None, None)


def test_a_draft_of_another_workspace_is_not_found(session: Session, workspace_id: str) -> None:
    ensure_workspace(session, "T0OTHER", WorkspaceDefaults(owner_ids=[OWNER]))
    draft = new_draft(session)
    other = get_workspace(session, "T0OTHER")
    for draft_id in (draft.draft_id, "dr_missing"):
        with pytest.raises(NotFound):
            approve_for_sending(
                session=session,
                workspace=other,
                actor=OWNER,
                draft_id=draft_id,
                version=1,
                mailbox_connected=True,
                now=NOW,
            )
    assert draft_row(session, draft.draft_id) == (DraftStatus.pending_approval, None, None, None)


# --- draft_follow_up_with_auto_send ---------------------------------------------------------


@pytest.mark.parametrize(
    ("auto_send", "mailbox_connected", "channel"),
    [(False, True, None), (True, False, None), (True, True, "sms")],
    ids=["auto-send off", "no mailbox", "text message"],
)
def test_without_auto_send_to_a_mailbox_the_draft_waits_for_an_owner(
    session: Session,
    workspace_id: str,
    auto_send: bool,
    mailbox_connected: bool,
    channel: str | None,
) -> None:
    with_owners(session, OWNER, auto_send=auto_send)

    made = requested(session, mailbox_connected=mailbox_connected, channel=channel)

    draft = made.followup.draft
    assert made.claim is None and made.followup.contact_name == "Dana Smith"
    assert draft_row(session, draft.draft_id) == (DraftStatus.pending_approval, None, None, None)
    assert audit_trail(session, draft.draft_id) == [(STAFF, "draft_follow_up")]


def test_with_auto_send_and_a_mailbox_the_email_is_approved_and_claimed(
    session: Session, workspace_id: str
) -> None:
    with_owners(session, OWNER, auto_send=True)

    made = requested(session, mailbox_connected=True)

    draft = made.followup.draft
    assert made.claim is not None and made.claim.claimed
    assert (made.claim.draft_id, made.claim.version, made.claim.claimed_at) == (
        draft.draft_id,
        1,
        NOW,
    )
    assert draft.channel == DraftChannel.email
    assert draft_row(session, draft.draft_id) == (
        DraftStatus.sent,
        AUTO_SEND_ACTOR,
        AUTO_SEND_ACTOR,
        None,
    )
    assert audit_trail(session, draft.draft_id) == [
        (STAFF, "draft_follow_up"),
        (AUTO_SEND_ACTOR, "approve_draft"),
        (AUTO_SEND_ACTOR, "claim_draft_for_sending"),
    ]
    assert interactions(session) == 0

    mailbox = Mailbox()
    deliver(session, made.claim, mailbox, actor=AUTO_SEND_ACTOR)
    assert mailbox.sent == [(draft.draft_id, 1)] and interactions(session) == 1
    # A later Approve finds it sent: nothing goes out twice.
    assert approve(session, draft.draft_id, mailbox_connected=True).outcome == (
        ApprovalOutcome.already_sent
    )
    assert mailbox.sent == [(draft.draft_id, 1)]


def test_a_follow_up_on_a_job_is_drafted_for_that_job(session: Session, workspace_id: str) -> None:
    dana = make_contact(session, TEAM, emails=["dana@example.com"], created_at=EARLIER)
    deal = make_opportunity(session, TEAM, dana, created_at=EARLIER)

    made = requested(session, mailbox_connected=False, opportunity_id=deal.opportunity_id)

    assert made.followup.draft.opportunity_id == deal.opportunity_id and made.claim is None


def test_bad_input_writes_no_draft(session: Session, workspace_id: str) -> None:
    with_owners(session, OWNER, auto_send=True)
    lead_id = dana_lead_id(session, email=False)
    for channel, field in (("fax", "channel"), ("email", "channel")):
        with pytest.raises(InvalidInput) as refused:
            requested(session, mailbox_connected=True, channel=channel, lead_id=lead_id)
        assert refused.value.field == field
    with pytest.raises(InvalidInput):
        requested(session, mailbox_connected=True, lead_id="ld_1", opportunity_id="op_1")
    assert session.scalar(select(func.count()).select_from(Draft)) == 0

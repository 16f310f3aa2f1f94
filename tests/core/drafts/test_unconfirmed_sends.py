"""Sends whose delivery was never recorded (the process died between claim and delivery):
listed for the owners once ten minutes old, and settled by an owner's Mark sent, once.

The crash is simulated as it happens: the claim's transaction commits, and the delivery's
never runs (or dies before committing).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.common.enums import DraftChannel, DraftStatus, InteractionType
from core.drafts.compose import draft_follow_up
from core.drafts.review import approve_draft, discard_draft
from core.drafts.sending import (
    SendClaim,
    SendOutcome,
    claim_draft_for_sending,
    deliver_claimed_draft,
    mark_draft_sent,
)
from core.drafts.unconfirmed_sends import settle_unconfirmed_send, unconfirmed_sends
from core.errors import InvalidTransition, NotAnOwner, NotFound
from core.models import Draft, Interaction, Workspace
from core.workspaces.service import ensure_workspace, get_workspace
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import audit_trail, count_statements, make_contact, make_lead

# Wednesday 2026-11-25, 10:00 in New York.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
EARLIER = datetime(2026, 11, 1, 15, 0, tzinfo=UTC)


class Mailbox:
    """A stand-in mailbox that counts what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, draft: Draft) -> str:
        self.sent.append(draft.draft_id)
        return f"msg-{len(self.sent)}"


class ProcessDied(BaseException):
    """The process dying: its open transaction is lost."""


def ws(session: Session, team: str = TEAM) -> Workspace:
    return get_workspace(session, team)


def approved_draft(
    session: Session, first: str = "Dana", team: str = TEAM, *, claimed_at: datetime = NOW
) -> Draft:
    """An approved email follow-up to `first` Smith, approved at `claimed_at`."""
    person = make_contact(
        session, team, first, emails=[f"{first.lower()}@example.com"], created_at=EARLIER
    )
    lead = make_lead(session, team, person, created_at=EARLIER)
    draft = draft_follow_up(
        session=session, workspace=ws(session, team), actor=STAFF, lead_id=lead.lead_id, now=NOW
    ).draft
    approve_draft(
        session=session,
        workspace=ws(session, team),
        actor=OWNER,
        draft_id=draft.draft_id,
        version=draft.version,
        now=claimed_at,
    )
    return draft


def claim(session: Session, draft_id: str, *, at: datetime = NOW, team: str = TEAM) -> SendClaim:
    taken = claim_draft_for_sending(
        session=session, workspace=ws(session, team), actor=OWNER, draft_id=draft_id, now=at
    )
    assert taken.claimed
    return taken


def settle(session: Session, draft_id: str, *, actor: str = OWNER, at: datetime) -> SendOutcome:
    return settle_unconfirmed_send(
        session=session, workspace=ws(session), actor=actor, draft_id=draft_id, now=at
    )


def outbound(session: Session, lead_id: str | None) -> list[Interaction]:
    return list(
        session.scalars(
            select(Interaction).where(
                Interaction.lead_id == lead_id,
                Interaction.type == InteractionType.email_outbound,
            )
        )
    )


def test_a_crash_after_the_claim_is_shown_to_owners_and_settled_once(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    with sessions.begin() as session:
        draft = approved_draft(session)
        draft_id, lead_id, body = draft.draft_id, draft.lead_id, draft.body
    with sessions.begin() as session:  # transaction 1: the claim commits
        claim(session, draft_id)
    mailbox = Mailbox()
    with pytest.raises(ProcessDied), sessions.begin() as session:  # transaction 2: dies
        raise ProcessDied
    assert mailbox.sent == []

    with sessions.begin() as session:
        # Under ten minutes on, it may still be delivering: not listed, and not to be settled.
        for early in (timedelta(minutes=5), timedelta(minutes=9, seconds=59)):
            assert unconfirmed_sends(session, workspace=ws(session), now=NOW + early).total == 0
        with pytest.raises(InvalidTransition, match="may still be going out"):
            settle(session, draft_id, at=NOW + timedelta(minutes=5))

        later = NOW + timedelta(minutes=10)
        found = unconfirmed_sends(session, workspace=ws(session), now=later)
        assert found.total == 1 and found.more == 0
        (item,) = found.items
        assert (item.draft_id, item.version, item.channel) == (draft_id, 1, DraftChannel.email)
        assert (item.contact_name, item.recipient) == ("Dana Smith", "dana@example.com")
        assert (item.claimed_at, item.claimed_by) == (NOW, OWNER)

    with sessions.begin() as session, pytest.raises(NotAnOwner):
        settle(session, draft_id, actor=STAFF, at=NOW + timedelta(hours=1))
    with sessions.begin() as session:
        assert outbound(session, lead_id) == []
        assert unconfirmed_sends(session, workspace=ws(session), now=NOW + timedelta(hours=1)).total

    settled_at = NOW + timedelta(hours=1)
    with sessions.begin() as session:
        outcome = settle(session, draft_id, at=settled_at)
    with sessions.begin() as session:
        (logged,) = outbound(session, lead_id)
        assert (logged.body, logged.timestamp, logged.logged_by) == (body, settled_at, OWNER)
        stored = session.get(Draft, draft_id)
        assert stored is not None
        assert (stored.status, stored.sent_message_id, stored.sent_interaction_id) == (
            DraftStatus.sent,
            None,
            logged.interaction_id,
        )
        assert (stored.sent_at, stored.sent_by) == (NOW, OWNER)  # the claim's, kept
        assert unconfirmed_sends(session, workspace=ws(session), now=settled_at).items == ()
        # A second click (or the other owner's) records nothing more.
        again = settle(session, draft_id, at=settled_at + timedelta(minutes=1))
        assert again.already_sent and not again.sent
        assert len(outbound(session, lead_id)) == 1
        assert [action for _, action in audit_trail(session, draft_id)][-2:] == [
            "claim_draft_for_sending",
            "settle_unconfirmed_send",
        ]
    assert outcome.sent and outcome.interaction is not None


def test_a_late_delivery_after_the_owner_settled_is_refused(
    session: Session, workspace_id: str
) -> None:
    draft = approved_draft(session)
    taken = claim(session, draft.draft_id)
    settle(session, draft.draft_id, at=NOW + timedelta(minutes=30))
    mailbox = Mailbox()
    with pytest.raises(InvalidTransition, match="not waiting for this delivery"):
        deliver_claimed_draft(
            session=session,
            workspace=ws(session),
            actor=OWNER,
            claim=taken,
            sender=mailbox,
            now=NOW + timedelta(minutes=31),
        )
    assert mailbox.sent == []
    assert len(outbound(session, draft.lead_id)) == 1


def test_only_claims_never_delivered_are_listed(session: Session, workspace_id: str) -> None:
    later = NOW + timedelta(hours=2)
    stuck = approved_draft(session, "Ann")
    claim(session, stuck.draft_id)
    delivered = approved_draft(session, "Bo")
    deliver_claimed_draft(
        session=session,
        workspace=ws(session),
        actor=OWNER,
        claim=claim(session, delivered.draft_id),
        sender=Mailbox(),
        now=NOW,
    )
    by_hand = approved_draft(session, "Cy")
    mark_draft_sent(
        session=session, workspace=ws(session), actor=OWNER, draft_id=by_hand.draft_id, now=NOW
    )
    approved_draft(session, "Di")  # approved, not sent
    dropped = approved_draft(session, "Ed")
    discard_draft(
        session=session, workspace=ws(session), actor=OWNER, draft_id=dropped.draft_id, now=NOW
    )
    ensure_workspace(session, "T0OTHER").owner_ids = [OWNER]
    elsewhere = approved_draft(session, "Flo", team="T0OTHER")
    claim(session, elsewhere.draft_id, team="T0OTHER")

    found = unconfirmed_sends(session, workspace=ws(session), now=later)
    assert [item.contact_name for item in found.items] == ["Ann Smith"]
    # Delivered and marked-sent drafts point at the outbound interaction that records them.
    for done in (delivered, by_hand):
        (logged,) = outbound(session, done.lead_id)
        assert done.sent_interaction_id == logged.interaction_id


def test_oldest_claims_first_with_a_total_in_one_statement(
    session: Session, workspace_id: str
) -> None:
    def listed(limit: int | None) -> tuple[list[str | None], int, int]:
        session.expire_all()
        workspace = ws(session)
        with count_statements(session) as statements:
            found = unconfirmed_sends(
                session, workspace=workspace, now=NOW + timedelta(days=1), limit=limit
            )
        return [item.contact_name for item in found.items], found.total, statements.n

    first = approved_draft(session, "Ann")
    claim(session, first.draft_id, at=NOW + timedelta(minutes=3))
    assert listed(None) == (["Ann Smith"], 1, 1)
    for name, minutes in [("Bo", 0), ("Cy", 1), ("Di", 2), ("Ed", 4)]:
        more = approved_draft(session, name)
        claim(session, more.draft_id, at=NOW + timedelta(minutes=minutes))
    assert listed(None) == (["Bo Smith", "Cy Smith", "Di Smith", "Ann Smith", "Ed Smith"], 5, 1)
    assert listed(2) == (["Bo Smith", "Cy Smith"], 5, 1)
    with pytest.raises(ValueError, match="at least 1"):
        unconfirmed_sends(session, workspace=ws(session), now=NOW, limit=0)


def test_settling_is_refused_for_drafts_not_waiting(session: Session, workspace_id: str) -> None:
    draft = approved_draft(session)
    with pytest.raises(InvalidTransition, match="approved, not waiting"):
        settle(session, draft.draft_id, at=NOW + timedelta(hours=1))
    with pytest.raises(NotFound):
        settle(session, "dr_missing", at=NOW + timedelta(hours=1))
    count = session.scalar(select(func.count()).select_from(Interaction))
    assert count == 0

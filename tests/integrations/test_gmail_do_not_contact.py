"""The Gmail send refuses a contact marked do not contact, and an email with no address.

The real client library against the local Gmail stand-in (fixtures of test_gmail.py): what
the stand-in received is what Google would have.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

import core.drafts.flows
from core.common.enums import DraftChannel, DraftStatus
from core.contacts.do_not_contact import set_do_not_contact
from core.drafts.flows import ApprovedDraft, approve_and_send
from core.errors import DoNotContact
from core.models import Draft
from core.workspaces.service import get_workspace
from integrations.gmail.connect import GmailAdapters
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_contact, make_lead
from tests.integrations.gmail_standin import GmailStandIn
from tests.integrations.test_gmail import (  # noqa: F401 - fixtures
    NOW,
    adapters,
    cipher,
    connected,
    gmail,
)


def dana_draft(sessions: sessionmaker[Session], *, email: str | None = "dana@example.com") -> str:
    """An email draft to Dana on her lead, waiting for approval; her contact id."""
    with sessions.begin() as session:
        dana = make_contact(session, TEAM, "Dana", "Smith", emails=[email] if email else [])
        lead = make_lead(session, TEAM, dana, title="Quote")
        session.add(
            Draft(
                draft_id="dr_dnc",
                workspace_id=TEAM,
                contact_id=dana.contact_id,
                lead_id=lead.lead_id,
                channel=DraftChannel.email,
                recipient=email,
                subject="Your quote",
                body="Hi Dana, the quote is $350.",
            )
        )
        return dana.contact_id


def mark(sessions: sessionmaker[Session], contact_id: str) -> None:
    with sessions.begin() as session:
        set_do_not_contact(
            session, workspace=get_workspace(session, TEAM), contact_id=contact_id, actor=STAFF
        )


def approve(sessions: sessionmaker[Session], adapters: GmailAdapters) -> ApprovedDraft:  # noqa: F811
    return approve_and_send(
        sessions=sessions,
        workspace_id=TEAM,
        actor=OWNER,
        draft_id="dr_dnc",
        version=1,
        sender_for=adapters.draft_sender,
        now=NOW,
    )


def status(sessions: sessionmaker[Session]) -> tuple[DraftStatus, str | None]:
    with sessions() as session:
        draft = session.get(Draft, "dr_dnc")
        assert draft is not None
        return draft.status, draft.error


def test_approving_for_a_contact_marked_do_not_contact_sends_nothing(
    sessions: sessionmaker[Session],
    connected: str,  # noqa: F811
    gmail: GmailStandIn,  # noqa: F811
    adapters: GmailAdapters,  # noqa: F811
) -> None:
    mark(sessions, dana_draft(sessions))
    with pytest.raises(DoNotContact, match="Dana Smith is marked do not contact"):
        approve(sessions, adapters)
    assert gmail.sent == []
    assert status(sessions) == (DraftStatus.pending_approval, None)


def test_a_flag_set_after_the_claim_stops_the_gmail_send(
    sessions: sessionmaker[Session],
    connected: str,  # noqa: F811
    gmail: GmailStandIn,  # noqa: F811
    adapters: GmailAdapters,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    contact_id = dana_draft(sessions)
    deliver = core.drafts.flows.deliver_claimed_draft

    def flag_first(**kwargs: Any) -> Any:
        mark(sessions, contact_id)
        return deliver(**kwargs)

    monkeypatch.setattr(core.drafts.flows, "deliver_claimed_draft", flag_first)
    approved = approve(sessions, adapters)
    assert approved.delivered is not None and approved.delivered.failed
    assert gmail.sent == []
    draft_status, error = status(sessions)
    assert draft_status == DraftStatus.failed
    assert error is not None and error.startswith("Dana Smith is marked do not contact")


def test_an_email_draft_with_no_address_is_not_sent(
    sessions: sessionmaker[Session],
    connected: str,  # noqa: F811
    gmail: GmailStandIn,  # noqa: F811
    adapters: GmailAdapters,  # noqa: F811
) -> None:
    dana_draft(sessions, email=None)
    approved = approve(sessions, adapters)
    assert approved.delivered is not None and approved.delivered.failed
    assert gmail.sent == []
    assert status(sessions) == (DraftStatus.failed, "This draft has no email address to send to.")

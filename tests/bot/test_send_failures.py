"""A mailbox that refuses a draft: the approver and the owners are told, and Approve retries.

Whether the send came from an owner's Approve or from the auto-send switch, a refusal leaves
the draft `failed` with the reason, every owner's copy shows it with **Approve** again, and a
second Approve sends it once.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.ids import ActionId, BlockId
from core.common.enums import DraftStatus, InteractionType
from core.errors import CRMError
from core.models import Draft, Interaction
from tests.bot.fakes import RecordingSender, dana_lead, harness_with, set_owners
from tests.bot.harness import SlackHarness, labels, messages_to, shown
from tests.conftest import OWNER, STAFF

REFUSAL = "Gmail refused it: the daily sending limit is reached"


class RefusesFirstSend(RecordingSender):
    """A mailbox that refuses the first draft it is given and sends every later one."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = 0

    def send(self, draft: Draft) -> str:
        if not self.refused:
            self.refused += 1
            raise CRMError(REFUSAL)
        return super().send(draft)


def the_draft(sessions: sessionmaker[Session]) -> Draft:
    with sessions() as session:
        return session.scalars(select(Draft)).one()


def outbound_emails(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        emailed = Interaction.type == InteractionType.email_outbound
        return int(session.scalar(select(func.count()).where(emailed)) or 0)


def ask_for_draft(slack: SlackHarness, lead_id: str) -> None:
    block = f"{BlockId.LEAD_ACTIONS}-{lead_id}"
    slack.action(ActionId.DRAFT_FOLLOW_UP, lead_id, user=STAFF, block_id=block)


def owner_dm(slack: SlackHarness) -> list[dict[str, Any]]:
    return messages_to(slack.api, kind="message", channel=f"D{OWNER}")


def test_a_refused_approve_tells_the_approver_and_approve_again_sends_once(
    sessions: sessionmaker[Session], workspace_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox = RefusesFirstSend()
    _, lead_id = dana_lead(sessions)
    with harness_with(sessions, monkeypatch, sender=mailbox) as slack:
        ask_for_draft(slack, lead_id)
        [review] = owner_dm(slack)

        slack.action(ActionId.APPROVE, message=review, user=OWNER)
        said = messages_to(slack.api, kind="response_url", user=OWNER)
        assert [m["text"] for m in said] == [f"Sending failed: {REFUSAL}. Approve again to retry."]
        failed = the_draft(sessions)
        assert (failed.status, failed.error, failed.sent_by) == (DraftStatus.failed, REFUSAL, None)
        [copy] = messages_to(slack.api, kind="update", channel=f"D{OWNER}")
        assert f"Sending failed: {REFUSAL}. Approve again to retry." in shown(copy)
        assert labels(copy) == ["Approve", "Edit", "Discard"]
        assert mailbox.sent == [] and outbound_emails(sessions) == 0

        slack.action(ActionId.APPROVE, message=copy, user=OWNER)
        sent = the_draft(sessions)
        assert (sent.status, sent.sent_by, sent.error) == (DraftStatus.sent, OWNER, None)
        assert mailbox.sent == [(sent.draft_id, 1, sent.body)]
        assert outbound_emails(sessions) == 1
        assert len(messages_to(slack.api, kind="response_url", user=OWNER)) == 1  # nothing more


def test_a_refused_auto_send_is_shown_to_the_owners_as_failed_with_approve(
    sessions: sessionmaker[Session], workspace_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox = RefusesFirstSend()
    set_owners(sessions, OWNER, auto_send=True)
    _, lead_id = dana_lead(sessions)
    with harness_with(sessions, monkeypatch, sender=mailbox) as slack:
        ask_for_draft(slack, lead_id)
        failed = the_draft(sessions)
        assert (failed.status, failed.error) == (DraftStatus.failed, REFUSAL)
        [review] = owner_dm(slack)
        assert "Sent automatically" not in shown(review)
        assert f"Sending failed: {REFUSAL}. Approve again to retry." in shown(review)
        assert labels(review) == ["Approve", "Edit", "Discard"]
        assert [m["text"] for m in messages_to(slack.api, kind="response_url", user=STAFF)] == [
            "I drafted a follow-up to Dana Smith. It is waiting for an owner's approval; "
            "nothing is sent before that."
        ]
        assert mailbox.sent == [] and outbound_emails(sessions) == 0

        slack.action(ActionId.APPROVE, message=review, user=OWNER)
        sent = the_draft(sessions)
        assert (sent.status, sent.sent_by, sent.approved_by) == (DraftStatus.sent, OWNER, OWNER)
        assert mailbox.sent == [(sent.draft_id, 1, sent.body)] and outbound_emails(sessions) == 1

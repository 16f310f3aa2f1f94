"""Every path that drafts a follow-up takes the one send flow in core (core/drafts/flows.py).

The Draft follow-up button and the plain words "follow up on the Dana lead" (by direct
message, by mention, by `/crm`) each draft the follow-up; with auto-send on and a mailbox
connected, each sends it once through the mailbox; with auto-send off (the default) none
reaches the mailbox before an owner presses Approve, and Approve sends it once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.ids import ActionId, BlockId
from core.common.enums import DraftStatus, InteractionType
from core.models import Draft, Interaction
from tests.bot.fakes import RecordingSender, dana_lead, harness_with, set_owners
from tests.bot.harness import CHANNEL, SlackHarness, messages_to, shown
from tests.conftest import OWNER, STAFF

ASKED = "follow up on the Dana lead"


def by_button(slack: SlackHarness, lead_id: str) -> str:
    block = f"{BlockId.LEAD_ACTIONS}-{lead_id}"
    slack.action(ActionId.DRAFT_FOLLOW_UP, lead_id, user=STAFF, block_id=block)
    [told] = messages_to(slack.api, kind="response_url", user=STAFF)
    return str(told["text"])


def by_dm(slack: SlackHarness, lead_id: str) -> str:
    slack.message_dm(ASKED, user=STAFF)
    [told] = messages_to(slack.api, kind="message", channel=f"D{STAFF}")
    return str(told["text"])


def by_mention(slack: SlackHarness, lead_id: str) -> str:
    slack.mention(ASKED, user=STAFF)
    [told] = messages_to(slack.api, kind="message", channel=CHANNEL)
    return str(told["text"])


def by_command(slack: SlackHarness, lead_id: str) -> str:
    slack.command("crm", ASKED, user=STAFF)
    [told] = messages_to(slack.api, kind="response_url", user=STAFF)
    return str(told["text"])


PATHS: dict[str, Callable[[SlackHarness, str], str]] = {
    "button": by_button,
    "direct message": by_dm,
    "mention": by_mention,
    "/crm": by_command,
}


def the_draft(sessions: sessionmaker[Session]) -> Draft:
    with sessions() as session:
        [draft] = session.scalars(select(Draft)).all()
        return draft


def emails_out(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        kind = Interaction.type == InteractionType.email_outbound
        return int(session.scalar(select(func.count()).where(kind)) or 0)


def owner_dm(slack: SlackHarness) -> dict[str, Any]:
    [review] = messages_to(slack.api, kind="message", channel=f"D{OWNER}")
    return review


@pytest.mark.parametrize("path", PATHS, ids=list(PATHS))
def test_with_auto_send_on_every_path_sends_once_through_the_mailbox(
    sessions: sessionmaker[Session],
    workspace_id: str,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
) -> None:
    sender = RecordingSender()
    set_owners(sessions, OWNER, auto_send=True)
    _, lead_id = dana_lead(sessions)
    with harness_with(sessions, monkeypatch, sender=sender) as slack:
        told = PATHS[path](slack, lead_id)
        draft = the_draft(sessions)
        assert sender.sent == [(draft.draft_id, 1, draft.body)]
        assert (draft.status, draft.sent_message_id) == (DraftStatus.sent, "gmail-1")
        assert (draft.approved_by, draft.sent_by) == ("system:auto_send", "system:auto_send")
        assert emails_out(sessions) == 1
        assert "Auto-send is on, so the follow-up to Dana Smith was sent by email" in told
        assert "Sent automatically (auto-send is on)" in shown(owner_dm(slack))


@pytest.mark.parametrize("path", PATHS, ids=list(PATHS))
def test_with_auto_send_off_nothing_is_sent_before_approve(
    sessions: sessionmaker[Session],
    workspace_id: str,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
) -> None:
    sender = RecordingSender()
    set_owners(sessions, OWNER)
    _, lead_id = dana_lead(sessions)
    with harness_with(sessions, monkeypatch, sender=sender) as slack:
        told = PATHS[path](slack, lead_id)
        draft = the_draft(sessions)
        assert sender.sent == [] and emails_out(sessions) == 0
        assert (draft.status, draft.approved_by) == (DraftStatus.pending_approval, None)
        assert "Auto-send" not in told
        review = owner_dm(slack)
        slack.action(ActionId.APPROVE, message=review, user=OWNER)
        slack.action(ActionId.APPROVE, message=review, user=OWNER)  # a second click
        sent = the_draft(sessions)
        assert sender.sent == [(sent.draft_id, 1, sent.body)]
        assert (sent.status, sent.approved_by, sent.sent_by) == (DraftStatus.sent, OWNER, OWNER)
        assert emails_out(sessions) == 1

"""Do not contact from Slack: set on the contact card (anyone), cleared by an owner, shown on
every card that names the contact, and every way of reaching them refused with the reason.

All through signed requests into the real app; the mailbox is a recording fake, so "nothing
was sent" is what it saw.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.ids import ActionId, BlockId, ViewId
from core.common.enums import DraftStatus
from core.contacts.do_not_contact import set_do_not_contact
from core.drafts.compose import draft_follow_up
from core.models import Contact, Draft
from core.workspaces.service import get_workspace
from tests.bot.fakes import RecordingSender, dana_lead, harness_with, set_owners
from tests.bot.harness import START, SlackHarness, labels, messages_to, shown, text_input
from tests.conftest import OWNER, STAFF, TEAM

REFUSAL = (
    "Dana Smith is marked do not contact (moved away), so nothing can be sent to them. "
    "An owner can clear it on their contact card."
)


def flag(sessions: sessionmaker[Session], contact_id: str) -> None:
    with sessions.begin() as session:
        set_do_not_contact(
            session,
            workspace=get_workspace(session, TEAM),
            contact_id=contact_id,
            actor=STAFF,
            reason="moved away",
            now=START,
        )


def contact(sessions: sessionmaker[Session], contact_id: str) -> Contact:
    with sessions() as session:
        found = session.get(Contact, contact_id)
        assert found is not None
        return found


def drafts(sessions: sessionmaker[Session]) -> list[Draft]:
    with sessions() as session:
        return list(session.scalars(select(Draft)))


def replies(slack: SlackHarness, user: str) -> list[dict[str, Any]]:
    return messages_to(slack.api, kind="response_url", user=user)


def test_staff_marks_a_contact_from_the_card_with_a_reason(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    contact_id, _ = dana_lead(sessions)
    slack.command("customer", "dana smith")
    [card] = replies(slack, STAFF)
    assert "Do not contact" in labels(card)

    slack.action(ActionId.MARK_DO_NOT_CONTACT, message=card)
    (form,) = slack.api.views.values()
    assert form["callback_id"] == ViewId.DO_NOT_CONTACT
    assert "Mark *Dana Smith* as do not contact?" in shown(form)
    values = {BlockId.DO_NOT_CONTACT_REASON: {ActionId.INPUT: text_input("asked us to stop")}}
    reply = slack.submit_view(None, values, user=STAFF, view=form)
    assert reply.status == 200 and reply.body == ""

    marked = contact(sessions, contact_id)
    assert marked.do_not_contact and marked.do_not_contact_by == STAFF
    assert marked.do_not_contact_reason == "asked us to stop"
    answer = replies(slack, STAFF)[-1]
    assert (
        answer["text"] == "Dana Smith is now marked do not contact. Nothing will be sent to them."
    )
    text = shown(answer)
    assert f":no_entry: *Do not contact* — marked by <@{STAFF}> on <!date^" in text
    assert ": asked us to stop. Nothing can be drafted or sent to them" in text
    assert ":no_entry: do not contact" in text  # on the open lead listed under the card
    # The staff member's own card: clearing is an owner's, so it is not offered to them.
    assert "Clear do not contact" not in labels(answer)
    assert "Do not contact" not in labels(answer)


def test_only_an_owner_clears_it_and_the_card_shows_it_at_once(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    contact_id, _ = dana_lead(sessions)
    flag(sessions, contact_id)
    slack.command("customer", "dana smith")
    [card] = replies(slack, STAFF)

    slack.action(ActionId.CLEAR_DO_NOT_CONTACT, message=card, user=STAFF)
    assert replies(slack, STAFF)[-1]["text"] == "Only an owner can clear do not contact."
    assert contact(sessions, contact_id).do_not_contact

    slack.action(ActionId.CLEAR_DO_NOT_CONTACT, message=card, user=OWNER)
    assert not contact(sessions, contact_id).do_not_contact
    cleared = replies(slack, OWNER)[-1]
    assert cleared["text"] == "Dana Smith can be contacted again."
    assert ":no_entry:" not in shown(cleared)
    assert "Do not contact" in labels(cleared)


def test_the_lead_card_names_the_flag(slack: SlackHarness, sessions: sessionmaker[Session]) -> None:
    contact_id, lead_id = dana_lead(sessions)
    flag(sessions, contact_id)
    slack.action(ActionId.OPEN_LEAD, lead_id)
    assert "*Dana Smith* · (555) 201-3344 · dana@example.com · :no_entry: do not contact" in shown(
        replies(slack, STAFF)[-1]
    )


def test_a_new_inquiry_from_them_warns_the_owners(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    contact_id, _ = dana_lead(sessions)
    flag(sessions, contact_id)
    slack.command("lead", "Dana Smith, 555-201-3344, dripping tub")
    slack.deliver()
    [notice] = messages_to(slack.api, kind="message", channel=f"D{OWNER}")
    assert (
        ":no_entry: Dana Smith is marked do not contact: no response can be drafted or sent "
        "until an owner clears it."
    ) in shown(notice)


def _pending_draft(sessions: sessionmaker[Session], lead_id: str) -> str:
    with sessions.begin() as session:
        made = draft_follow_up(
            session=session,
            workspace=get_workspace(session, TEAM),
            actor=STAFF,
            lead_id=lead_id,
            now=START,
        )
        return made.draft.draft_id


def test_approve_by_button_is_refused_with_the_reason(
    sessions: sessionmaker[Session], workspace_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = RecordingSender()
    set_owners(sessions, OWNER)
    contact_id, lead_id = dana_lead(sessions)
    with harness_with(sessions, monkeypatch, sender=sender) as slack:
        slack.action(ActionId.DRAFT_FOLLOW_UP, lead_id, user=OWNER)
        [review] = messages_to(slack.api, kind="message", channel=f"D{OWNER}")
        flag(sessions, contact_id)

        slack.action(ActionId.APPROVE, message=review, user=OWNER)
        assert replies(slack, OWNER)[-1]["text"] == REFUSAL
        [draft] = drafts(sessions)
        assert draft.status == DraftStatus.pending_approval and draft.approved_by is None
        assert sender.sent == []

        # Editing re-renders the review: it now says why Approve is refused.
        slack.action(ActionId.EDIT, message=review, user=OWNER)
        (form,) = slack.api.views.values()
        values = {BlockId.BODY: {ActionId.INPUT: text_input("Hi Dana, one more thing.")}}
        slack.submit_view(None, values, user=OWNER, view=form)
        updated = [m for m in slack.api.messages if m.get("kind") == "update"][-1]
        assert (
            ":no_entry: Dana Smith is marked do not contact: this draft can't be approved or sent."
        ) in shown(updated)


@pytest.mark.parametrize("auto_send", [False, True], ids=["review", "auto-send"])
@pytest.mark.parametrize("how", ["button", "plain words"])
def test_drafting_for_them_is_refused_and_nothing_is_sent(
    sessions: sessionmaker[Session],
    workspace_id: str,
    monkeypatch: pytest.MonkeyPatch,
    auto_send: bool,
    how: str,
) -> None:
    sender = RecordingSender()
    set_owners(sessions, OWNER, auto_send=auto_send)
    contact_id, lead_id = dana_lead(sessions)
    flag(sessions, contact_id)
    with harness_with(sessions, monkeypatch, sender=sender) as slack:
        if how == "button":
            block = f"{BlockId.LEAD_ACTIONS}-{lead_id}"
            slack.action(ActionId.DRAFT_FOLLOW_UP, lead_id, user=STAFF, block_id=block)
            told = replies(slack, STAFF)[-1]["text"]
        else:
            slack.message_dm("follow up on the Dana lead", user=STAFF)
            [answer] = messages_to(slack.api, kind="message", channel=f"D{STAFF}")
            told = answer["text"]
        assert told == REFUSAL
        assert drafts(sessions) == [] and sender.sent == []
        assert messages_to(slack.api, kind="message", channel=f"D{OWNER}") == []

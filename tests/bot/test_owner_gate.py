"""The owner-review gate and the other owner-only buttons, through the real app over HTTP.

Non-owners pressing Approve, Edit, Discard, Mark won or Create in QuickBooks get an ephemeral
refusal and nothing changes; an owner's double click never sends (or creates) twice.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.ids import ActionId, BlockId, ViewId
from core.common.enums import DraftChannel, DraftStatus, InteractionType, OpportunityStage
from core.models import Contact, Draft, Interaction, Opportunity, WonConfirmation, Workspace
from tests.bot.fakes import (
    RecordingQuickBooks,
    RecordingSender,
    dana_lead,
    harness_with,
    open_won_form,
    set_owners,
    submit_won_form,
    win_deal,
)
from tests.bot.harness import (
    SlackHarness,
    checkboxes,
    iter_buttons,
    labels,
    messages_to,
    shown,
    static_select,
    text_input,
)
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_opportunity

OWNER2 = "U0OWNER2"
AT_NINE = "Mar 2, 9:00 AM EST"  # the harness's clock, in New York
REFUSED_APPROVE = "Only an owner can approve drafts."


def the_draft(sessions: sessionmaker[Session]) -> Draft:
    with sessions() as session:
        drafts = list(session.scalars(select(Draft)))
        assert len(drafts) == 1
        return drafts[0]


def outbound(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        kinds = (InteractionType.email_outbound, InteractionType.sms)
        return int(session.scalar(select(func.count()).where(Interaction.type.in_(kinds))) or 0)


def review_in_dm(slack: SlackHarness, owner: str = OWNER) -> dict[str, Any]:
    posted = messages_to(slack.api, kind="message", channel=f"D{owner}")
    assert posted, f"nothing was posted to {owner}"
    return posted[-1]


def replies_to(slack: SlackHarness, user: str) -> list[str]:
    return [str(m["text"]) for m in messages_to(slack.api, kind="response_url", user=user)]


def ask_for_draft(slack: SlackHarness, lead_id: str, user: str = STAFF) -> None:
    block = f"{BlockId.LEAD_ACTIONS}-{lead_id}"
    reply = slack.action(ActionId.DRAFT_FOLLOW_UP, lead_id, user=user, block_id=block)
    assert reply.status == 200


def updates_of(slack: SlackHarness, channel: str) -> list[dict[str, Any]]:
    return messages_to(slack.api, kind="update", channel=channel)


# --- Approve: non-owner, owner, owner again ---------------------------------------------------


def test_approve_refused_to_staff_then_owner_twice_sends_once(
    sessions: sessionmaker[Session], workspace_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = RecordingSender()
    set_owners(sessions, OWNER, OWNER2)
    _, lead_id = dana_lead(sessions)
    with harness_with(sessions, monkeypatch, sender=sender) as slack:
        ask_for_draft(slack, lead_id)
        assert replies_to(slack, STAFF) == [
            "I drafted a follow-up to Dana Smith. It is waiting for an owner's approval; "
            "nothing is sent before that."
        ]
        review = review_in_dm(slack, OWNER)
        assert labels(review) == ["Approve", "Edit", "Discard"]
        assert "*To*\nDana Smith (dana@example.com)" in shown(review)
        assert "*Asked by*\n<@U0STAFF>" in shown(review)
        assert labels(review_in_dm(slack, OWNER2)) == ["Approve", "Edit", "Discard"]
        assert the_draft(sessions).review_refs == [
            {"channel": f"D{OWNER}", "ts": review["ts"]},
            {"channel": f"D{OWNER2}", "ts": review_in_dm(slack, OWNER2)["ts"]},
        ]

        slack.action(ActionId.APPROVE, message=review, user=STAFF)
        assert replies_to(slack, STAFF)[-1] == REFUSED_APPROVE
        refused = the_draft(sessions)
        assert (refused.status, refused.approved_by) == (DraftStatus.pending_approval, None)
        assert sender.sent == [] and outbound(sessions) == 0
        assert slack.api.calls_to("chat.update") == []

        slack.action(ActionId.APPROVE, message=review, user=OWNER)
        sent = the_draft(sessions)
        assert (sent.status, sent.sent_by, sent.approved_by) == (DraftStatus.sent, OWNER, OWNER)
        assert sent.sent_message_id == "gmail-1"
        assert sender.sent == [(sent.draft_id, 1, sent.body)]
        assert outbound(sessions) == 1
        for owner in (OWNER, OWNER2):  # every owner's copy shows who approved and sent it
            copy = updates_of(slack, f"D{owner}")[-1]
            assert f"Approved by <@U0OWNER> at {AT_NINE}. Sent by <@U0OWNER> at {AT_NINE}." in (
                shown(copy)
            )
            assert labels(copy) == []

        slack.action(ActionId.APPROVE, message=review, user=OWNER)
        assert replies_to(slack, OWNER)[-1] == f"Already sent by <@U0OWNER> at {AT_NINE}."
        assert len(sender.sent) == 1 and outbound(sessions) == 1
        assert len(slack.api.calls_to("chat.update")) == 2  # no further re-render


def test_email_without_mailbox_is_handed_over_and_mark_sent_logs_once(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    _, lead_id = dana_lead(sessions)
    with SlackHarness(sessions) as slack:
        ask_for_draft(slack, lead_id, user=OWNER)
        assert replies_to(slack, OWNER) == [
            "I drafted a follow-up to Dana Smith and sent it to you by direct message for review."
        ]
        review = review_in_dm(slack)
        slack.action(ActionId.APPROVE, message=review, user=OWNER)
        approved = the_draft(sessions)
        assert approved.status == DraftStatus.approved and outbound(sessions) == 0
        handed = updates_of(slack, f"D{OWNER}")[-1]
        assert "no mailbox is connected yet, so email the message above to dana@example.com" in (
            shown(handed)
        )
        assert labels(handed) == ["Mark sent", "Edit"]

        slack.action(ActionId.APPROVE, message=review, user=OWNER)  # a second approval
        assert replies_to(slack, OWNER)[-1] == (
            f"Already approved by <@U0OWNER> at {AT_NINE}; send it, then press Mark sent."
        )

        slack.action(ActionId.MARK_SENT, message=handed, user=STAFF)  # staff may record it
        assert the_draft(sessions).status == DraftStatus.sent
        assert the_draft(sessions).sent_by == STAFF
        assert outbound(sessions) == 1
        assert f"Sent by <@U0STAFF> at {AT_NINE}." in shown(updates_of(slack, f"D{OWNER}")[-1])

        slack.action(ActionId.MARK_SENT, message=handed, user=OWNER)
        assert replies_to(slack, OWNER)[-1] == f"Already sent by <@U0STAFF> at {AT_NINE}."
        assert outbound(sessions) == 1


def test_a_text_message_draft_is_never_given_to_the_mailbox(
    sessions: sessionmaker[Session], workspace_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = RecordingSender()
    _, lead_id = dana_lead(sessions, email=False)
    with harness_with(sessions, monkeypatch, sender=sender) as slack:
        ask_for_draft(slack, lead_id)
        review = review_in_dm(slack)
        assert "*Channel*\nText message" in shown(review)
        slack.action(ActionId.APPROVE, message=review, user=OWNER)
        handed = updates_of(slack, f"D{OWNER}")[-1]
        assert "text the message above to (555) 201-3344" in shown(handed)
        assert sender.sent == []
        slack.action(ActionId.MARK_SENT, message=handed, user=OWNER)
        assert the_draft(sessions).channel == DraftChannel.sms
        assert outbound(sessions) == 1


def test_auto_send_with_a_mailbox_sends_at_once_and_shows_the_owners(
    sessions: sessionmaker[Session], workspace_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = RecordingSender()
    set_owners(sessions, OWNER, auto_send=True)
    _, lead_id = dana_lead(sessions)
    with harness_with(sessions, monkeypatch, sender=sender) as slack:
        ask_for_draft(slack, lead_id)
        assert len(sender.sent) == 1
        assert the_draft(sessions).status == DraftStatus.sent
        assert "Sent automatically (auto-send is on)" in shown(review_in_dm(slack))
        assert replies_to(slack, STAFF)[-1].startswith("Auto-send is on, so the follow-up")


# --- Edit -------------------------------------------------------------------------------------


def test_edit_makes_a_new_version_and_the_old_approve_is_refused(
    sessions: sessionmaker[Session], workspace_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = RecordingSender()
    _, lead_id = dana_lead(sessions)
    with harness_with(sessions, monkeypatch, sender=sender) as slack:
        ask_for_draft(slack, lead_id)
        review = review_in_dm(slack)

        slack.action(ActionId.EDIT, message=review, user=STAFF)
        assert replies_to(slack, STAFF)[-1] == "Only an owner can edit drafts."
        assert slack.api.calls_to("views.open") == []

        slack.action(ActionId.EDIT, message=review, user=OWNER)
        (opened,) = slack.api.views.values()
        assert opened["callback_id"] == ViewId.EDIT_DRAFT
        new_body = "Hi Dana, a shorter note from the owner 🔧"
        values = {
            BlockId.SUBJECT: {ActionId.INPUT: text_input("Your faucet")},
            BlockId.BODY: {ActionId.INPUT: text_input(new_body)},
        }
        reply = slack.submit_view(None, values, user=OWNER, view=opened)
        assert reply.status == 200 and reply.body == ""
        edited = the_draft(sessions)
        assert (edited.version, edited.body, edited.subject) == (2, new_body, "Your faucet")
        assert edited.status == DraftStatus.pending_approval
        copy = updates_of(slack, f"D{OWNER}")[-1]
        assert "Waiting for an owner's approval (version 2)." in shown(copy)
        assert {b["value"] for b in iter_buttons(copy["blocks"])} == {f"{edited.draft_id}:2"}

        slack.action(ActionId.APPROVE, message=review, user=OWNER)  # the version-1 button
        assert replies_to(slack, OWNER)[-1] == (
            "The draft changed since you saw it; review the new version."
        )
        assert the_draft(sessions).status == DraftStatus.pending_approval and sender.sent == []

        slack.action(ActionId.APPROVE, message=copy, user=OWNER)
        assert sender.sent == [(edited.draft_id, 2, new_body)]


def test_an_empty_edit_is_shown_on_the_field_and_nothing_changes(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    _, lead_id = dana_lead(sessions)
    with SlackHarness(sessions) as slack:
        ask_for_draft(slack, lead_id)
        slack.action(ActionId.EDIT, message=review_in_dm(slack), user=OWNER)
        (opened,) = slack.api.views.values()
        values = {BlockId.BODY: {ActionId.INPUT: text_input("   ")}}
        reply = slack.submit_view(None, values, user=OWNER, view=opened)
        assert reply.json() == {
            "response_action": "errors",
            "errors": {BlockId.BODY: "The message can't be empty."},
        }
        assert the_draft(sessions).version == 1


def test_discard_is_owner_only_and_updates_every_copy(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    set_owners(sessions, OWNER, OWNER2)
    _, lead_id = dana_lead(sessions)
    with SlackHarness(sessions) as slack:
        ask_for_draft(slack, lead_id)
        review = review_in_dm(slack, OWNER2)
        slack.action(ActionId.DISCARD, message=review, user=STAFF)
        assert replies_to(slack, STAFF)[-1] == "Only an owner can discard drafts."
        assert the_draft(sessions).status == DraftStatus.pending_approval
        slack.action(ActionId.DISCARD, message=review, user=OWNER2)
        assert the_draft(sessions).status == DraftStatus.discarded
        for owner in (OWNER, OWNER2):
            copy = updates_of(slack, f"D{owner}")[-1]
            assert f"Discarded by <@U0OWNER2> at {AT_NINE}. Nothing was sent." in shown(copy)
        slack.action(ActionId.APPROVE, message=review, user=OWNER)
        assert replies_to(slack, OWNER)[-1] == "This draft was already discarded."


# --- Mark won and QuickBooks ------------------------------------------------------------------


def won_setup(sessions: sessionmaker[Session]) -> tuple[str, str]:
    contact_id, lead_id = dana_lead(sessions)
    with sessions.begin() as session:
        contact = session.get(Contact, contact_id)
        deal = make_opportunity(session, TEAM, contact=contact, name="Bathroom remodel")
        return contact_id, deal.opportunity_id


def test_staff_pressing_mark_won_is_refused_before_any_confirmation(
    sessions: sessionmaker[Session], slack: SlackHarness
) -> None:
    _, deal_id = won_setup(sessions)
    slack.action(ActionId.MARK_WON, deal_id, user=STAFF)
    assert replies_to(slack, STAFF)[-1] == "Only an owner can mark a deal won."
    assert slack.api.views == {}  # no confirmation form was shown
    with sessions() as session:
        issued = session.scalars(select(WonConfirmation)).all()
    assert issued == [] and stage_of(sessions, deal_id) == OpportunityStage.estimating


def stage_of(sessions: sessionmaker[Session], opportunity_id: str) -> OpportunityStage:
    with sessions() as session:
        deal = session.get(Opportunity, opportunity_id)
        assert deal is not None
        return deal.stage


def quickbooks_id(sessions: sessionmaker[Session], contact_id: str) -> str | None:
    with sessions() as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        return contact.quickbooks_customer_id


def test_mark_won_is_owner_only_and_then_asks_about_quickbooks(
    sessions: sessionmaker[Session], workspace_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    quickbooks = RecordingQuickBooks()
    contact_id, deal_id = won_setup(sessions)
    with harness_with(sessions, monkeypatch, quickbooks=quickbooks) as slack:
        slack.action(ActionId.MARK_WON, deal_id, user=STAFF)
        assert replies_to(slack, STAFF)[-1] == "Only an owner can mark a deal won."
        assert stage_of(sessions, deal_id) == OpportunityStage.estimating

        form = open_won_form(slack, deal_id)
        submit_won_form(slack, form, "2,400", user=STAFF)  # the owner's confirmation, not theirs
        assert stage_of(sessions, deal_id) == OpportunityStage.estimating
        submit_won_form(slack, form, "2,400")
        assert stage_of(sessions, deal_id) == OpportunityStage.won
        won = messages_to(slack.api, kind="response_url", user=OWNER)[-1]
        assert won["response_type"] == "in_channel"
        assert (
            ":tada: Opportunity won — Bathroom remodel — $2,400. Closed Monday, March 2. "
            "Dana Smith is now a customer."
        ) in shown(won)
        assert "*Create Dana Smith in QuickBooks?*" in shown(won)
        assert labels(won) == ["Create in QuickBooks (owner)", "Not now (owner)"]  # shared
        assert not any("confirm" in button for button in iter_buttons(won["blocks"]))

        slack.action(ActionId.CREATE_IN_QUICKBOOKS, message=won, user=STAFF)
        assert replies_to(slack, STAFF)[-1] == "Only an owner can create a customer in QuickBooks."
        assert quickbooks.created == [] and quickbooks_id(sessions, contact_id) is None

        slack.action(ActionId.CREATE_IN_QUICKBOOKS, message=won, user=OWNER)
        slack.action(ActionId.CREATE_IN_QUICKBOOKS, message=won, user=OWNER)
        assert len(quickbooks.created) == 1
        assert quickbooks.created[0]["display_name"] == "Dana Smith"
        assert quickbooks.created[0]["email"] == "dana@example.com"
        assert quickbooks_id(sessions, contact_id) == "QB-1"
        done, again = messages_to(slack.api, kind="response_url", user=OWNER)[-2:]
        assert done["text"] == "Created Dana Smith in QuickBooks (customer QB-1)."
        assert done["replace_original"] is True
        assert again["text"] == "Dana Smith is already in QuickBooks (customer QB-1)."


def test_without_quickbooks_connected_nothing_changes(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    contact_id, deal_id = won_setup(sessions)
    with SlackHarness(sessions) as slack:
        win_deal(slack, deal_id, "0")
        won = messages_to(slack.api, kind="response_url", user=OWNER)[-1]
        assert (  # README, Connect QuickBooks: the question says it is not connected, and how
            "QuickBooks isn't connected yet, so Create in QuickBooks changes nothing for now: an "
            "owner connects it with `/crm connect quickbooks` (or Connect QuickBooks on the App "
            "Home)."
        ) in shown(won)
        slack.action(ActionId.CREATE_IN_QUICKBOOKS, message=won, user=OWNER)
        assert replies_to(slack, OWNER)[-1] == (
            "QuickBooks is not connected yet, so I can't create Dana Smith there. Nothing was "
            "changed; the question stays open. An owner connects it with `/crm connect quickbooks`."
        )
        assert quickbooks_id(sessions, contact_id) is None
        slack.action(ActionId.NOT_NOW, message=won, user=STAFF)
        assert replies_to(slack, STAFF)[-1] == "Only an owner can answer the QuickBooks question."
        slack.action(ActionId.NOT_NOW, message=won, user=OWNER)
        declined = messages_to(slack.api, kind="response_url", user=OWNER)[-1]
        assert declined["text"] == "Not now: Dana Smith was not created in QuickBooks."
        assert declined["replace_original"] is True


# --- settings ---------------------------------------------------------------------------------


def test_settings_are_owner_only(sessions: sessionmaker[Session], workspace_id: str) -> None:
    values = {
        BlockId.TIMEZONE: {ActionId.INPUT: text_input("America/Chicago")},
        BlockId.AUTO_SEND: {ActionId.INPUT: {"type": "checkboxes", "selected_options": []}},
    }
    with SlackHarness(sessions) as slack:
        refused = slack.submit_view(ViewId.SETTINGS, values, user=STAFF)
        assert refused.json() == {
            "response_action": "errors",
            "errors": {BlockId.TIMEZONE: "Only an owner can change settings."},
        }
        saved = slack.submit_view(ViewId.SETTINGS, values, user=OWNER)
        assert saved.status == 200 and saved.body == ""
        assert messages_to(slack.api, kind="message", channel=OWNER)[-1]["text"] == (
            "Settings saved. Auto-send is off."
        )
    with sessions() as session:
        workspace = session.get(Workspace, TEAM)
        assert workspace is not None and workspace.timezone == "America/Chicago"


def schedules(sessions: sessionmaker[Session]) -> tuple[int, bool, bool, bool]:
    with sessions() as session:
        ws = session.get(Workspace, TEAM)
        assert ws is not None
        return (
            ws.digest_hour,
            ws.daily_digest_enabled,
            ws.weekly_digest_enabled,
            ws.monthly_digest_enabled,
        )


def test_an_owner_switches_the_scheduled_posts_in_settings(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    with SlackHarness(sessions) as slack:
        slack.command("crm", "settings", user=OWNER)
        (opened,) = slack.api.views.values()
        element = {b.get("block_id"): b.get("element", {}) for b in opened["blocks"]}
        for block in (
            BlockId.DAILY_DIGEST_ENABLED,
            BlockId.WEEKLY_DIGEST_ENABLED,
            BlockId.MONTHLY_DIGEST_ENABLED,
        ):  # all three on for a new workspace
            assert [o["value"] for o in element[block]["initial_options"]] == ["on"]
        # The owner keeps the daily digest, turns weekly and monthly off, and moves the hour.
        values = {
            BlockId.DIGEST_HOUR: {ActionId.INPUT: static_select("6")},
            BlockId.DAILY_DIGEST_ENABLED: {ActionId.INPUT: checkboxes("on")},
            BlockId.WEEKLY_DIGEST_ENABLED: {ActionId.INPUT: checkboxes()},
            BlockId.MONTHLY_DIGEST_ENABLED: {ActionId.INPUT: checkboxes()},
        }
        refused = slack.submit_view(None, values, user=STAFF, view=opened)
        assert refused.json()["response_action"] == "errors"
        assert schedules(sessions) == (8, True, True, True)

        saved = slack.submit_view(None, values, user=OWNER, view=opened)
        assert saved.status == 200 and saved.body == ""
        assert schedules(sessions) == (6, True, False, False)

        # And back on: the modal opens showing what was saved.
        slack.api.clear()
        slack.command("crm", "settings", user=OWNER)
        (again,) = slack.api.views.values()
        shown = {b.get("block_id"): b.get("element", {}) for b in again["blocks"]}
        assert "initial_options" not in shown[BlockId.WEEKLY_DIGEST_ENABLED]
        assert shown[BlockId.DIGEST_HOUR]["initial_option"]["value"] == "6"
        values[BlockId.WEEKLY_DIGEST_ENABLED] = {ActionId.INPUT: checkboxes("on")}
        slack.submit_view(None, values, user=OWNER, view=again)
        assert schedules(sessions) == (6, True, True, False)

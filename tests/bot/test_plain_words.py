"""The eight Common Requests in plain words, by direct message and by mention."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.blocks.limit_check import limit_violations
from bot.ids import ActionId
from core.common.enums import InteractionType, LeadStatus, LifecycleStage
from core.models import Draft, Interaction, Lead, Opportunity, ProcessedEvent
from tests.bot.harness import (
    CHANNEL,
    SlackHarness,
    iter_buttons,
    messages_to,
    row_count,
)
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_contact, make_interaction, make_lead


@pytest.fixture
def dana(slack: SlackHarness) -> str:
    """Dana Smith (complete record) with one open lead and a call two days ago; Sam a customer."""
    with slack.sessions.begin() as session:
        contact = make_contact(
            session,
            TEAM,
            "Dana",
            "Smith",
            phones=["+15552013344"],
            emails=["dana@example.com"],
            address="123 Main St",
            contact_id="ct_dana",
        )
        lead = make_lead(
            session,
            TEAM,
            contact,
            title="Leaky faucet",
            lead_id="ld_dana",
            created_at=slack.now - timedelta(days=5),
        )
        make_interaction(
            session,
            TEAM,
            lead=lead,
            type=InteractionType.phone_call,
            body="Wants a quote",
            timestamp=slack.now - timedelta(days=2),
        )
        make_contact(
            session,
            TEAM,
            "Sam",
            "Lee",
            lifecycle_stage=LifecycleStage.customer,
            contact_id="ct_sam",
        )
    return "ct_dana"


def ask(slack: SlackHarness, how: str, text: str) -> dict[str, Any]:
    """Send the request by DM or mention; the one answer the bot posted there."""
    if how == "dm":
        slack.message_dm(text, user=STAFF)
        answers = messages_to(slack.api, kind="message", channel=f"D{STAFF}")
    else:
        slack.mention(text, user=STAFF)
        answers = messages_to(slack.api, kind="message", channel=CHANNEL)
        assert all(a["thread_ts"] for a in answers)  # answered in the mention's thread
    assert len(answers) == 1, answers
    assert limit_violations(answers[0]["blocks"] or []) == []
    return answers[0]


def buttons(message: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return [
        (b["text"]["text"], b["action_id"], b.get("value")) for b in iter_buttons(message["blocks"])
    ]


HOW = ["dm", "mention"]


@pytest.mark.parametrize("how", HOW)
def test_add_a_new_customer(slack: SlackHarness, dana: str, how: str) -> None:
    answer = ask(slack, how, "add a new customer")
    assert answer["text"].startswith("Let's add a new customer. I'll ask for their name, phone")
    assert buttons(answer) == [("Add customer", ActionId.ADD_CUSTOMER, None)]


@pytest.mark.parametrize("how", HOW)
def test_log_a_call_with_dana(slack: SlackHarness, dana: str, how: str) -> None:
    answer = ask(slack, how, "log a call with Dana")
    assert answer["text"] == (
        "Log a call with Dana Smith. How did it go? Any next steps or follow-up needed?"
    )
    assert buttons(answer) == [("Log call", ActionId.LOG_CALL, "ct_dana")]


@pytest.mark.parametrize("how", HOW)
def test_whats_our_pipeline(slack: SlackHarness, dana: str, how: str) -> None:
    answer = ask(slack, how, "what's our pipeline?")
    assert answer["text"].startswith("Pipeline — Monday, March 2, 2026\nNew leads this week: 1\n")
    assert "Oldest open lead: Dana Smith — 5 days, stage: inquiry" in answer["text"]


@pytest.mark.parametrize("how", HOW)
def test_follow_up_on_the_dana_lead(slack: SlackHarness, dana: str, how: str) -> None:
    answer = ask(slack, how, "follow up on the Dana lead")
    assert answer["text"] == (
        "Last touchpoint with Dana Smith: phone call on Saturday, February 28 (2 days ago) — "
        "Wants a quote\nDraft sent to the owners for review."
    )
    [review] = messages_to(slack.api, kind="message", channel=f"D{OWNER}")
    assert [b["text"]["text"] for b in iter_buttons(review["blocks"])][:3] == [
        "Approve",
        "Edit",
        "Discard",
    ]
    with slack.sessions() as session:
        draft = session.scalars(select(Draft)).one()
        assert (draft.lead_id, draft.requested_by, draft.status) == (
            "ld_dana",
            STAFF,
            "pending_approval",
        )
        assert draft.review_refs  # the owners' copies are remembered for later updates


@pytest.mark.parametrize("how", HOW)
def test_convert_dana_to_a_job(slack: SlackHarness, dana: str, how: str) -> None:
    answer = ask(slack, how, "convert Dana to a job")
    assert answer["text"] == "Converted to a job: Leaky faucet (stage: estimating)."
    # Asked by staff: their DM leaves Mark won out; a channel's answer labels it an owner's.
    won = [] if how == "dm" else ["Mark won (owner)"]
    assert [label for label, _, _ in buttons(answer)] == [
        "Log call",
        "Draft follow-up",
        "Edit job",
        *won,
        "Mark lost",
    ]
    with slack.sessions() as session:
        lead = session.get(Lead, "ld_dana")
        assert lead is not None and lead.status == LeadStatus.converted
        assert session.scalars(select(Opportunity)).one().lead_id == "ld_dana"


def test_convert_with_an_incomplete_contact_says_what_is_missing(slack: SlackHarness) -> None:
    with slack.sessions.begin() as session:
        pat = make_contact(session, TEAM, "Pat", "Jones", contact_id="ct_pat")
        make_lead(session, TEAM, pat, title="Deck")
    answer = ask(slack, "dm", "convert Pat to a job")
    assert answer["text"] == (
        "Pat Jones needs a phone number and a service address before the Deck lead can become "
        "a job."
    )
    assert buttons(answer) == [("Open contact", ActionId.OPEN_CONTACT, "ct_pat")]
    assert row_count(slack.sessions, Opportunity) == 0


@pytest.mark.parametrize("how", HOW)
def test_disqualify_the_dana_lead_asks_why(slack: SlackHarness, dana: str, how: str) -> None:
    answer = ask(slack, how, "disqualify the Dana lead")
    assert answer["text"] == (
        "Why disqualify the Leaky faucet lead from Dana Smith? The record stays either way."
    )
    assert [(label, value) for label, _, value in buttons(answer)] == [
        ("Budget", "ld_dana:budget"),
        ("Timing", "ld_dana:timing"),
        ("Outside scope", "ld_dana:outside_scope"),
        ("No response", "ld_dana:no_response"),
        ("Other", "ld_dana:other"),
    ]
    with slack.sessions() as session:
        assert session.get(Lead, "ld_dana").status == LeadStatus.new  # type: ignore[union-attr]


@pytest.mark.parametrize("how", HOW)
def test_how_long_since_we_talked_to_dana(slack: SlackHarness, dana: str, how: str) -> None:
    answer = ask(slack, how, "how long since we talked to Dana?")
    assert answer["text"] == (
        "Last touchpoint with Dana Smith: phone call on Saturday, February 28 (2 days ago) "
        "— Wants a quote."
    )


@pytest.mark.parametrize("how", HOW)
def test_who_are_our_newest_customers(slack: SlackHarness, dana: str, how: str) -> None:
    answer = ask(slack, how, "who are our newest customers?")
    assert answer["text"] == "Newest customers:\n— Sam Lee"
    assert buttons(answer) == [("Open contact", ActionId.OPEN_CONTACT, "ct_sam")]


# --- two Danas: a choice, never a guess --------------------------------------------------------


@pytest.fixture
def two_danas(slack: SlackHarness, dana: str) -> None:
    with slack.sessions.begin() as session:
        jones = make_contact(
            session, TEAM, "Dana", "Jones", phones=["+15552019999"], contact_id="ct_jones"
        )
        make_lead(session, TEAM, jones, title="Gutter", lead_id="ld_jones")


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize(
    "request_text, action_id, label, values",
    [
        ("log a call with Dana", ActionId.LOG_CALL, "Log call", {"ct_dana", "ct_jones"}),
        (
            "how long since we talked to Dana?",
            ActionId.OPEN_CONTACT,
            "Open contact",
            {"ct_dana", "ct_jones"},
        ),
        (
            "follow up on the Dana lead",
            ActionId.DRAFT_FOLLOW_UP,
            "Draft follow-up",
            {"ld_dana", "ld_jones"},
        ),
        ("convert Dana to a job", ActionId.CONVERT, "Convert", {"ld_dana", "ld_jones"}),
        ("disqualify the Dana lead", ActionId.DISQUALIFY, "Disqualify", {"ld_dana", "ld_jones"}),
    ],
)
def test_two_danas_get_a_choice(
    slack: SlackHarness,
    two_danas: None,
    how: str,
    request_text: str,
    action_id: ActionId,
    label: str,
    values: set[str],
) -> None:
    answer = ask(slack, how, request_text)
    assert answer["text"].startswith("Which Dana")
    offered = buttons(answer)
    assert {value for _, _, value in offered} == values
    assert {(text, action) for text, action, _ in offered} == {(label, action_id)}
    assert row_count(slack.sessions, Draft) == 0 and row_count(slack.sessions, Opportunity) == 0


# --- reliability ------------------------------------------------------------------------------


def test_a_retried_event_is_answered_once(slack: SlackHarness, dana: str) -> None:
    slack.message_dm("follow up on the Dana lead", event_id="Ev100")
    slack.message_dm("follow up on the Dana lead", event_id="Ev100")  # the same id again
    slack.message_dm("follow up on the Dana lead", event_id="Ev100", retry_num=1)  # Slack's retry
    assert len(messages_to(slack.api, kind="message", channel=f"D{STAFF}")) == 1
    assert len(messages_to(slack.api, kind="message", channel=f"D{OWNER}")) == 1
    assert row_count(slack.sessions, Draft) == 1 and row_count(slack.sessions, ProcessedEvent) == 1


def test_a_refusal_is_answered_in_words_and_the_event_still_claimed(slack: SlackHarness) -> None:
    with slack.sessions.begin() as session:
        pat = make_contact(session, TEAM, "Pat", "Quinn")  # no phone, no email
        make_lead(session, TEAM, pat, title="Deck")
    slack.message_dm("follow up on the Pat lead", event_id="Ev200")
    slack.message_dm("follow up on the Pat lead", event_id="Ev200")  # a retry: not again
    answers = messages_to(slack.api, kind="message", channel=f"D{STAFF}")
    assert [a["text"] for a in answers] == [
        "Pat Quinn has no phone or email on file; add one to follow up."
    ]
    assert row_count(slack.sessions, ProcessedEvent) == 1 and row_count(slack.sessions, Draft) == 0


def test_someone_without_open_leads(slack: SlackHarness) -> None:
    with slack.sessions.begin() as session:
        pat = make_contact(session, TEAM, "Pat", "Quinn")
        make_lead(session, TEAM, pat, title="Deck", status=LeadStatus.disqualified)
    assert ask(slack, "dm", "follow up on the Pat lead")["text"] == "Pat Quinn has no open leads."


def test_unknown_people_and_unclear_requests(slack: SlackHarness, dana: str) -> None:
    assert ask(slack, "dm", "log a call with Zed")["text"].startswith(
        "I couldn't find anyone called “Zed”."
    )
    slack.api.clear()
    assert ask(slack, "dm", "sing me a song")["text"] == (
        "Sorry, I didn't understand “sing me a song”. Here's what I can do."
    )
    slack.api.clear()
    assert ask(slack, "dm", "convert this lead")["text"] == (
        "Who is it about? For example: “convert Dana to a job”."
    )


def test_bot_messages_and_edits_are_ignored(slack: SlackHarness) -> None:
    bot_says = {"type": "message", "channel_type": "im", "channel": "DU0STAFF", "bot_id": "B1"}
    edited = {
        "type": "message",
        "channel_type": "im",
        "channel": "DU0STAFF",
        "subtype": "message_changed",
        "user": STAFF,
    }
    for event in (bot_says | {"text": "pipeline"}, edited):
        assert slack.event(event).status == 200
    assert slack.api.calls == [] and row_count(slack.sessions, ProcessedEvent) == 0
    assert row_count(slack.sessions, Interaction) == 0

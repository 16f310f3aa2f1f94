"""The six slash commands through the real app: what the person sees and what is stored."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bot.blocks.limit_check import limit_violations
from bot.ids import ActionId, ViewId
from core.common.enums import InteractionType, LeadSource, PipelineStage
from core.models import Contact, Draft, Interaction, Lead
from tests.bot.harness import (
    SlackHarness,
    block_texts,
    iter_buttons,
    labels,
    messages_to,
    row_count,
    texts,
)
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_contact, make_interaction, make_lead


def replies(slack: SlackHarness) -> list[dict[str, Any]]:
    return messages_to(slack.api, kind="response_url")


def only_reply(slack: SlackHarness) -> dict[str, Any]:
    [shown] = replies(slack)
    assert shown["response_type"] == "ephemeral" and shown["user"] == STAFF
    assert limit_violations(shown["blocks"] or []) == []
    return shown


def in_ack(slack: SlackHarness, reply: Any) -> dict[str, Any]:
    """The answer carried by the command's HTTP response itself (nothing by response_url)."""
    assert reply.status == 200 and reply.headers["content-type"].startswith("application/json")
    shown = dict(reply.json())
    assert shown["response_type"] == "ephemeral"
    assert limit_violations(shown.get("blocks") or []) == []
    assert replies(slack) == []
    return shown


def two_danas(slack: SlackHarness) -> tuple[str, str]:
    with slack.sessions.begin() as session:
        smith = make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])
        jones = make_contact(session, TEAM, "Dana", "Jones", phones=["+15552019999"])
        return smith.contact_id, jones.contact_id


# --- /lead ------------------------------------------------------------------------------------


def test_lead_without_text_opens_the_new_lead_modal(slack: SlackHarness) -> None:
    assert slack.command("lead").status == 200
    [opened] = slack.api.calls_to("views.open")
    assert opened.params["view"]["callback_id"] == ViewId.NEW_LEAD
    assert opened.params["view"]["title"]["text"] == "New lead"


def test_quick_capture_makes_the_lead_replies_with_the_card_and_tells_the_owners(
    slack: SlackHarness,
) -> None:
    reply = slack.command(
        "lead", "Dana Smith, 555-201-3344, leaky faucet at 123 Main via phone $350"
    )
    shown = in_ack(slack, reply)
    assert shown["text"] == (
        "Lead saved: leaky faucet at 123 Main. Added Dana Smith as a new contact."
    )
    assert "new · inquiry · phone call · $350" in "\n".join(block_texts(shown["blocks"]))
    assert labels(shown) == [
        "Log call",
        "Draft follow-up",
        "Qualify",
        "Convert",
        "Edit lead",
        "Snooze",
        "Disqualify",
    ]
    assert messages_to(slack.api, kind="message") == []  # the notice waits for the worker
    assert len(slack.deliver().delivered) == 1
    [notice] = messages_to(slack.api, kind="message", channel=f"D{OWNER}")
    assert notice["text"] == (
        "New inquiry from Dana Smith — leaky faucet at 123 Main. Phone: (555) 201-3344. "
        "They came in via phone call. I've saved it as a new lead; want me to draft a response?"
    )
    with slack.sessions() as session:
        lead = session.scalars(select(Lead)).one()
        assert (lead.title, lead.source, lead.estimated_value) == (
            "leaky faucet at 123 Main",
            LeadSource.phone_call,
            Decimal("350.00"),
        )
        assert lead.contact is not None and lead.contact.address == "123 Main"
        assert lead.contact.phones == ["+15552013344"]


def test_quick_capture_links_an_existing_contact_and_says_so(slack: SlackHarness) -> None:
    with slack.sessions.begin() as session:
        make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])
    reply = slack.command("lead", "Dana, 555-201-3344, water heater via web")
    assert in_ack(slack, reply)["text"] == (
        "Lead saved: water heater. Linked to the existing contact Dana Smith."
    )
    assert row_count(slack.sessions, Contact) == 1 and row_count(slack.sessions, Lead) == 1


def test_quick_capture_with_a_bad_phone_says_why_and_writes_nothing(slack: SlackHarness) -> None:
    reply = slack.command("lead", "Dana Smith, 555-1, leaky faucet")
    assert in_ack(slack, reply)["text"] == (
        '"555-1" is not a phone number I can use. Try one like 555-201-3344, or leave it out.'
    )
    assert row_count(slack.sessions, Lead) == 0 and row_count(slack.sessions, Contact) == 0
    assert slack.deliver().delivered == []
    assert messages_to(slack.api, kind="message") == []  # no owner notice either


def test_lead_find_lists_matching_leads_with_their_buttons(slack: SlackHarness) -> None:
    with slack.sessions.begin() as session:
        dana = make_contact(session, TEAM, "Dana", "Smith")
        make_lead(session, TEAM, dana, title="Leaky faucet", lead_id="ld_faucet")
        make_lead(session, TEAM, dana, title="Gutter cleaning", lead_id="ld_gutter")
    shown = in_ack(slack, slack.command("lead", "find faucet"))
    assert shown["text"] == "Leads matching “faucet” (1):"
    assert {b["value"] for b in iter_buttons(shown["blocks"])} == {"ld_faucet"}


# --- /customer --------------------------------------------------------------------------------


def test_customer_without_text_opens_the_new_customer_modal(slack: SlackHarness) -> None:
    slack.command("customer")
    [opened] = slack.api.calls_to("views.open")
    assert opened.params["view"]["callback_id"] == ViewId.NEW_CUSTOMER


def test_customer_shows_the_best_matching_card(slack: SlackHarness) -> None:
    with slack.sessions.begin() as session:
        dana = make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])
        make_contact(session, TEAM, "Sam", "Lee")
        lead = make_lead(session, TEAM, dana, title="Leaky faucet")
        make_interaction(
            session,
            TEAM,
            lead=lead,
            type=InteractionType.phone_call,
            body="Wants a quote",
            timestamp=slack.now - timedelta(days=2),
        )
    slack.command("customer", "dana smith")
    shown = only_reply(slack)
    seen = block_texts(shown["blocks"])
    assert seen[0] == "Dana Smith"
    assert "Last touchpoint: phone call 2 days ago — Wants a quote" in seen
    assert "*Open leads (1)*" in seen and "Convert" in labels(shown)


def test_customer_with_two_close_matches_offers_a_choice(slack: SlackHarness) -> None:
    smith, jones = two_danas(slack)
    slack.command("customer", "Dana")
    shown = only_reply(slack)
    assert shown["text"] == "Which Dana? 2 people match."
    buttons = list(iter_buttons(shown["blocks"]))
    assert {b["value"] for b in buttons} == {smith, jones}
    assert {b["action_id"] for b in buttons} == {ActionId.OPEN_CONTACT}


def test_customer_with_a_typo_offers_the_near_misses(slack: SlackHarness) -> None:
    with slack.sessions.begin() as session:
        make_contact(session, TEAM, "Danielle", "Smithson", contact_id="ct_danielle")
    slack.command("customer", "Danelle Smythe")
    shown = only_reply(slack)
    assert shown["text"] == "No one is called “Danelle Smythe”. Did you mean one of these?"
    assert [b["value"] for b in iter_buttons(shown["blocks"])] == ["ct_danielle"]


def test_customer_nobody(slack: SlackHarness) -> None:
    slack.command("customer", "Zed")
    shown = only_reply(slack)
    assert shown["text"].startswith("I couldn't find anyone called “Zed”.")
    assert labels(shown) == ["Add customer"]


# --- /log -------------------------------------------------------------------------------------


def test_log_without_text_opens_the_log_modal(slack: SlackHarness) -> None:
    slack.command("log")
    [opened] = slack.api.calls_to("views.open")
    assert opened.params["view"]["callback_id"] == ViewId.LOG_INTERACTION


def test_log_line_records_the_call_and_the_follow_up(slack: SlackHarness) -> None:
    with slack.sessions.begin() as session:
        make_contact(session, TEAM, "Dana", "Smith", contact_id="ct_dana")
    slack.command("log", "call Dana Smith: wants a quote, call back Friday")
    # The harness clock is Monday, March 2, 2026: Friday is March 6.
    assert only_reply(slack)["text"] == (
        "Logged a phone call with Dana Smith: wants a quote, call back Friday. "
        "Follow-up set for Friday, March 6."
    )
    with slack.sessions() as session:
        logged = session.scalars(select(Interaction)).one()
        assert (logged.contact_id, logged.type, logged.follow_up_date, logged.logged_by) == (
            "ct_dana",
            InteractionType.phone_call,
            date(2026, 3, 6),
            STAFF,
        )


def test_log_line_naming_two_people_offers_a_choice_carrying_the_entry(
    slack: SlackHarness,
) -> None:
    smith, jones = two_danas(slack)
    slack.command("log", "call Dana: left a voicemail")
    shown = only_reply(slack)
    assert shown["text"] == "Which Dana? 2 people match."
    values = [b["value"] for b in iter_buttons(shown["blocks"])]
    assert all(b["action_id"] == ActionId.LOG_ENTRY for b in iter_buttons(shown["blocks"]))
    assert '"s":"left a voicemail"' in values[0] and {smith, jones} == {
        v.split('"c":"')[1].split('"')[0] for v in values
    }
    assert row_count(slack.sessions, Interaction) == 0


def test_log_line_errors(slack: SlackHarness) -> None:
    slack.command("log", "call Nobody: hello")
    assert only_reply(slack)["text"].startswith("I couldn't find anyone called “Nobody”.")
    slack.api.clear()
    slack.command("log", "call Dana Smith wants a quote")
    assert texts(slack.api, kind="response_url") == [
        "Put a colon after who it was, then what happened, e.g. "
        "/log call Dana Smith: wants a quote, call back Friday"
    ]


# --- /pipeline, /followups --------------------------------------------------------------------


def test_pipeline_now(slack: SlackHarness) -> None:
    with slack.sessions.begin() as session:
        dana = make_contact(session, TEAM, "Dana", "Smith")
        make_lead(
            session,
            TEAM,
            dana,
            created_at=slack.now - timedelta(days=3),
            pipeline_stage=PipelineStage.follow_up,
            expected_close_date=date(2026, 2, 20),
        )
    slack.command("pipeline")
    shown = only_reply(slack)
    seen = "\n".join(block_texts(shown["blocks"]))
    assert "Pipeline — Monday, March 2, 2026" in seen
    assert "New leads this week: 1" in seen
    assert "Leads in follow-up: 1 (avg age: 3.0 days)" in seen
    assert "Oldest open lead: Dana Smith — 3 days, stage: follow up" in seen
    assert "*Past expected close (1):*" in seen


def test_pipeline_pages_the_leads_past_their_expected_close(slack: SlackHarness) -> None:
    with slack.sessions.begin() as session:
        for n in range(45):
            make_lead(
                session,
                TEAM,
                make_contact(session, TEAM, "Late", f"Number{n:02}"),
                title=f"Job {n:02}",
                created_at=slack.now - timedelta(days=60, minutes=-n),
                expected_close_date=date(2026, 2, 1),
            )
    slack.command("pipeline", "3")
    seen = block_texts(only_reply(slack)["blocks"])
    assert "*Past expected close (45):* page 3" in seen
    jobs = [line for line in seen if line.startswith("— Late Number")]
    assert [line.split("*")[1] for line in jobs] == [f"Job {n}" for n in range(40, 45)]
    assert not [line for line in seen if "more past their expected close" in line]


def test_followups_lists_due_overdue_and_stale(slack: SlackHarness) -> None:
    with slack.sessions.begin() as session:
        dana = make_contact(session, TEAM, "Dana", "Smith")
        make_lead(session, TEAM, dana, title="Gutter", created_at=slack.now - timedelta(days=10))
        make_interaction(
            session,
            TEAM,
            dana,
            type=InteractionType.phone_call,
            subject="quote",
            timestamp=slack.now - timedelta(days=9),
            follow_up_date=date(2026, 3, 2),
            follow_up_status="pending",
        )
    slack.command("followups")
    shown = only_reply(slack)
    seen = block_texts(shown["blocks"])
    assert "— Call back Dana Smith re: quote" in seen
    assert "*Stale leads (1):*" in seen
    assert labels(shown)[:2] == ["Done", "Reschedule"]
    slack.api.clear()
    slack.command("followups", "stale")
    assert block_texts(only_reply(slack)["blocks"])[0] == "*Stale leads (1):*"


# --- /crm -------------------------------------------------------------------------------------


def test_crm_alone_is_help(slack: SlackHarness) -> None:
    slack.command("crm")
    reply = only_reply(slack)
    assert reply["text"] == "Here's what I can do."
    shown = json.dumps(reply["blocks"])
    for command in (
        "/lead find",
        "/followups upcoming",
        "/crm settings",
        "/crm connect gmail",
        "/crm connect quickbooks",
    ):
        assert command in shown, command


def test_crm_settings_is_for_owners_only(slack: SlackHarness) -> None:
    slack.command("crm", "settings", user=STAFF)
    assert texts(slack.api, kind="response_url") == ["Only an owner can change settings."]
    assert slack.api.calls_to("views.open") == []
    slack.command("crm", "settings", user=OWNER)
    [opened] = slack.api.calls_to("views.open")
    assert opened.params["view"]["callback_id"] == ViewId.SETTINGS


def test_crm_takes_plain_words(slack: SlackHarness) -> None:
    slack.command("crm", "what's our pipeline?")
    assert only_reply(slack)["text"].startswith("Pipeline — Monday, March 2, 2026")
    slack.api.clear()
    slack.command("crm", "make me a sandwich")
    assert only_reply(slack)["text"] == (
        "Sorry, I didn't understand “make me a sandwich”. Here's what I can do."
    )


def test_crm_follow_up_in_words_sends_the_draft_to_the_owners_once_saved(
    slack: SlackHarness,
) -> None:
    with slack.sessions.begin() as session:
        dana = make_contact(session, TEAM, "Dana", "Smith", emails=["dana@example.com"])
        make_lead(session, TEAM, dana, title="Leaky faucet", lead_id="ld_dana")
    slack.command("crm", "follow up on the Dana lead")
    assert only_reply(slack)["text"] == (
        "Last touchpoint with Dana Smith: none logged yet.\nDraft sent to the owners for review."
    )
    [review] = messages_to(slack.api, kind="message", channel=f"D{OWNER}")
    assert labels(review) == ["Approve", "Edit", "Discard"]
    with slack.sessions() as session:
        draft = session.scalars(select(Draft)).one()
        assert (draft.lead_id, draft.requested_by) == ("ld_dana", STAFF)
        assert draft.review_refs == [{"channel": f"D{OWNER}", "ts": review["ts"]}]


def test_quick_capture_keeps_quotes_and_emoji_as_typed(slack: SlackHarness) -> None:
    shown = in_ack(
        slack, slack.command("lead", "Zoë O'Neil, 555-201-3344, fix “the” sink 🔧 <now> & soon")
    )
    assert shown["text"] == (  # escaped for Slack, which shows it as typed
        "Lead saved: fix “the” sink 🔧 &lt;now&gt; &amp; soon. Added Zoë O'Neil as a new contact."
    )
    seen = "\n".join(block_texts(shown["blocks"]))
    assert "*fix “the” sink 🔧 &lt;now&gt; &amp; soon*" in seen  # escaped for Slack's mrkdwn


def test_a_10_kb_quick_capture_is_refused_with_the_reason(slack: SlackHarness) -> None:
    reply = slack.command("lead", "Dana Smith, 555-201-3344, " + "leaky faucet 🔧 " * 700)
    said = in_ack(slack, reply)["text"]
    assert said.startswith("The job description is ") and "keep it to 200" in said
    assert row_count(slack.sessions, Lead) == 0

"""The three capture modals submitted through the real app: errors on the field, rows written."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from bot.ids import ActionId, BlockId, ViewId
from core.common.enums import InteractionType, LeadSource, Outcome
from core.models import AuditEntry, Contact, Interaction, Lead
from tests.bot.harness import (
    SlackHarness,
    datepicker,
    iter_buttons,
    messages_to,
    row_count,
    static_select,
    text_input,
    users_select,
)
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_contact, make_lead

TEN_KB = "Dana “the plumber” O'Brien 🔧 " * 350


def values(**fields: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`state.values` keyed by block id (`crm_phone=` -> `crm-phone`)."""
    return {block.replace("_", "-"): {ActionId.INPUT.value: v} for block, v in fields.items()}


def opened_view(slack: SlackHarness, command: str) -> dict[str, Any]:
    slack.command(command)
    [view] = slack.api.views.values()
    slack.api.clear()
    return view


def lead_form(**overrides: dict[str, Any]) -> dict[str, dict[str, Any]]:
    fields = {
        "crm_name": text_input("Dana Smith"),
        "crm_phone": text_input("555-201-3344"),
        "crm_email": text_input("dana@example.com"),
        "crm_address": text_input("123 Main St"),
        "crm_title": text_input("Leaky faucet"),
        "crm_description": text_input("Drips all night"),
        "crm_source": static_select("web_form"),
        "crm_estimated_value": text_input("$350"),
        "crm_owner": users_select(STAFF),
    }
    return values(**(fields | overrides))


def errors_of(reply: Any) -> dict[str, str]:
    body = reply.json()
    assert body["response_action"] == "errors"
    return dict(body["errors"])


# --- New lead ---------------------------------------------------------------------------------


def test_new_lead_is_captured_answered_where_it_was_opened_and_owners_told(
    slack: SlackHarness,
) -> None:
    view = opened_view(slack, "lead")
    reply = slack.submit_view(None, lead_form(), view=view)
    assert reply.status == 200 and reply.body == ""
    [shown] = messages_to(slack.api, kind="response_url")
    assert shown["text"] == "Lead saved: Leaky faucet. Added Dana Smith as a new contact."
    assert shown["user"] == STAFF and shown["response_type"] == "ephemeral"
    assert len(slack.deliver().delivered) == 1  # the owner's notice, from the outbox
    [notice] = messages_to(slack.api, kind="message", channel=f"D{OWNER}")
    assert notice["text"].startswith("New inquiry from Dana Smith — Leaky faucet.")
    with slack.sessions() as session:
        lead = session.scalars(select(Lead)).one()
        assert (lead.title, lead.source, lead.owner, lead.description) == (
            "Leaky faucet",
            LeadSource.web_form,
            STAFF,
            "Drips all night",
        )
        assert lead.contact is not None and lead.contact.emails == ["dana@example.com"]


def test_new_lead_errors_show_on_their_field_and_nothing_is_written(slack: SlackHarness) -> None:
    view = opened_view(slack, "lead")
    cases = [
        ({"crm_phone": text_input("555-1")}, BlockId.PHONE),
        ({"crm_email": text_input("dana@")}, BlockId.EMAIL),
        ({"crm_name": text_input("  ")}, BlockId.NAME),
        ({"crm_title": text_input(TEN_KB)}, BlockId.TITLE),
        ({"crm_estimated_value": text_input("lots")}, BlockId.ESTIMATED_VALUE),
        ({"crm_source": static_select("carrier pigeon")}, BlockId.SOURCE),
    ]
    for override, block in cases:
        errors = errors_of(slack.submit_view(None, lead_form(**override), view=view))
        assert list(errors) == [block.value], (override, errors)
    assert (
        "Enter the customer's name."
        in errors_of(
            slack.submit_view(None, lead_form(crm_name=text_input(None)), view=view)
        ).values()
    )
    assert row_count(slack.sessions, Lead) == 0 and row_count(slack.sessions, Contact) == 0
    assert row_count(slack.sessions, AuditEntry) == 0 and slack.api.messages == []


# --- New customer -----------------------------------------------------------------------------


def customer_form(**overrides: dict[str, Any]) -> dict[str, dict[str, Any]]:
    fields = {
        "crm_name": text_input("Dana Smith"),
        "crm_phone": text_input("555-201-3344"),
        "crm_email": text_input(None),
        "crm_address": text_input("123 Main St"),
        "crm_heard_about": text_input("referral"),
        "crm_preferred_channel": static_select("sms"),
        "crm_notes": text_input("Gate code 4321 “side door” 🔧"),
    }
    return values(**(fields | overrides))


def test_new_customer_is_added_with_the_procedures_confirmation(slack: SlackHarness) -> None:
    view = opened_view(slack, "customer")
    assert slack.submit_view(None, customer_form(), view=view).body == ""
    [shown] = messages_to(slack.api, kind="response_url")
    assert shown["text"] == (
        "Added: Dana Smith, (555) 201-3344. I've noted them as a new prospect. "
        "Want to log any notes or open a lead for them?"
    )
    assert [b["text"]["text"] for b in iter_buttons(shown["blocks"])] == [
        "Log call",
        "Open contact",
    ]
    with slack.sessions() as session:
        dana = session.scalars(select(Contact)).one()
        assert (dana.address, dana.preferred_channel, dana.tags) == (
            "123 Main St",
            "sms",
            ["heard_about:referral"],
        )
        assert dana.notes == "Gate code 4321 “side door” 🔧\n\nHeard about us: referral"


def test_new_customer_errors_on_the_field(slack: SlackHarness) -> None:
    view = opened_view(slack, "customer")
    cases = [
        ({"crm_phone": text_input("555-1")}, BlockId.PHONE),
        ({"crm_email": text_input("not an email")}, BlockId.EMAIL),
        ({"crm_name": text_input(None)}, BlockId.NAME),
        ({"crm_address": text_input(TEN_KB)}, BlockId.ADDRESS),
    ]
    for override, block in cases:
        errors = errors_of(slack.submit_view(None, customer_form(**override), view=view))
        assert list(errors) == [block.value], (override, errors)
    assert row_count(slack.sessions, Contact) == 0 and slack.api.messages == []


def test_a_matching_customer_is_not_created_the_duplicate_prompt_asks(
    slack: SlackHarness,
) -> None:
    with slack.sessions.begin() as session:
        make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"], contact_id="ct_old")
    view = opened_view(slack, "customer")
    assert (
        slack.submit_view(None, customer_form(crm_name=text_input("Dana S.")), view=view).body == ""
    )
    assert (
        row_count(slack.sessions, Contact) == 1
    )  # hard stop 3: nothing created before someone decides
    [shown] = messages_to(slack.api, kind="response_url")
    labels = [b["text"]["text"] for b in iter_buttons(shown["blocks"])]
    assert labels == ["Use existing", "Merge", "Create separate"]
    assert shown["text"].startswith("This looks like an existing contact: Dana Smith.")


# --- Log interaction --------------------------------------------------------------------------


def log_form(**overrides: dict[str, Any]) -> dict[str, dict[str, Any]]:
    fields = {
        "crm_contact": text_input("Dana Smith"),
        "crm_type": static_select("meeting"),
        "crm_body": text_input("Walked the job"),
        "crm_outcome": static_select("spoke"),
        "crm_follow_up_date": datepicker(date(2026, 3, 6)),
    }
    return values(**(fields | overrides))


def test_log_interaction_records_it_against_the_person(slack: SlackHarness) -> None:
    with slack.sessions.begin() as session:
        make_contact(session, TEAM, "Dana", "Smith", contact_id="ct_dana")
    view = opened_view(slack, "log")
    assert slack.submit_view(None, log_form(), view=view).body == ""
    [shown] = messages_to(slack.api, kind="response_url")
    assert shown["text"] == (
        "Logged a meeting with Dana Smith: Walked the job. Follow-up set for Friday, March 6."
    )
    with slack.sessions() as session:
        logged = session.scalars(select(Interaction)).one()
        assert (logged.contact_id, logged.type, logged.outcome, logged.follow_up_date) == (
            "ct_dana",
            InteractionType.meeting,
            Outcome.spoke,
            date(2026, 3, 6),
        )


def test_log_interaction_for_a_known_lead_does_not_ask_who(slack: SlackHarness) -> None:
    from bot.blocks.modals.capture import log_interaction_modal

    with slack.sessions.begin() as session:
        dana = make_contact(session, TEAM, "Dana", "Smith", contact_id="ct_dana")
        make_lead(session, TEAM, dana, lead_id="ld_1")
    view = log_interaction_modal("ct_dana", contact_name="Dana Smith", lead_id="ld_1")
    reply = slack.submit_view(
        ViewId.LOG_INTERACTION, log_form(crm_contact=text_input(None)), view=view
    )
    assert reply.body == ""
    [shown] = messages_to(slack.api, kind="message", channel=STAFF)  # no response_url: by DM
    assert shown["text"].startswith("Logged a meeting with Dana Smith")
    with slack.sessions() as session:
        logged = session.scalars(select(Interaction)).one()
        assert (logged.contact_id, logged.lead_id) == ("ct_dana", "ld_1")


def test_two_danas_are_a_choice_on_the_who_field_not_a_guess(slack: SlackHarness) -> None:
    with slack.sessions.begin() as session:
        make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])
        make_contact(session, TEAM, "Dana", "Jones", emails=["dj@example.com"])
    view = opened_view(slack, "log")
    errors = errors_of(slack.submit_view(None, log_form(crm_contact=text_input("Dana")), view=view))
    assert errors == {
        "crm-contact": "Several people match: Dana Smith ((555) 201-3344); "
        "Dana Jones (dj@example.com). Type the full name, phone or email."
    }
    assert row_count(slack.sessions, Interaction) == 0


def test_log_interaction_errors_on_the_field(slack: SlackHarness) -> None:
    with slack.sessions.begin() as session:
        make_contact(session, TEAM, "Dana", "Smith")
    view = opened_view(slack, "log")
    cases = [
        ({"crm_contact": text_input("Zed")}, BlockId.CONTACT),
        ({"crm_follow_up_date": datepicker(date(2026, 2, 1))}, BlockId.FOLLOW_UP_DATE),
        ({"crm_body": text_input("x" * 10_001)}, BlockId.BODY),
        ({"crm_type": static_select("telegram")}, BlockId.TYPE),
    ]
    for override, block in cases:
        errors = errors_of(slack.submit_view(None, log_form(**override), view=view))
        assert list(errors) == [block.value], (override, errors)
    assert row_count(slack.sessions, Interaction) == 0 and slack.api.messages == []

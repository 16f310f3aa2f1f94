"""The bot's questions and answers: duplicate, QuickBooks, re-engage, new inquiry, won, lost."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from bot.blocks.limit_check import limit_violations
from bot.blocks.limits import slack_len
from bot.blocks.prompts import (
    customer_added_message,
    duplicate_prompt,
    duplicate_value,
    lost_message,
    new_inquiry_notice,
    qualify_choice,
    quickbooks_created_message,
    quickbooks_not_connected_text,
    reengage_answer_message,
    won_message,
)
from bot.ids import ActionId
from bot.values import DuplicateChoice, QualifyChoice, decode
from core.common.enums import (
    ContactPointKind,
    InteractionType,
    LeadSource,
    LossReason,
    OpportunityStage,
)
from core.contacts.input import ContactInput
from core.contacts.service import AddedContact, DuplicateDecision
from core.errors import DuplicateContact, DuplicateMatch, InvalidInput
from core.leads.inquiries import CapturedInquiry
from core.leads.opportunities import LostDeal, WonDeal
from core.models import Contact, ContactPoint, Interaction, Lead, Opportunity, Reminder
from tests.bot.harness import (
    iter_buttons,
    shown,
)

TODAY = date(2026, 3, 2)
PROPOSED = {
    "first_name": "Dana",
    "last_name": "O'Brien 🔧",
    "phones": ["+15552013344"],
    "emails": ["dana@example.com"],
    "address": "123 Main St",
    "preferred_channel": None,
    "tags": [],
    "notes": 'Said "call after 5"',
    "heard_about": None,
    "company_name": None,
}


def contact(contact_id: str = "ct_1", first: str = "Dana", last: str | None = "Smith") -> Contact:
    person = Contact(contact_id=contact_id, workspace_id="T0TEST", first_name=first, last_name=last)
    person.points = [
        ContactPoint(kind=ContactPointKind.phone, value="+15552013344", position=0),
    ]
    return person


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return list(iter_buttons(message["blocks"]))


# --- duplicates -------------------------------------------------------------------------------


def refusal(matches: int = 1, **proposed: object) -> DuplicateContact:
    found = [DuplicateMatch(f"ct_{n}", f"Dana Smith {n}", ["+15552013344"]) for n in range(matches)]
    return DuplicateContact(found, {**PROPOSED, **proposed})


def test_duplicate_prompt_offers_the_three_decisions_carrying_the_input() -> None:
    prompt = duplicate_prompt(refusal())
    text = shown(prompt)
    assert "This looks like an existing contact: Dana Smith 0." in text
    assert "*Dana Smith 0* — same (555) 201-3344" in text
    assert "You entered: Dana O'Brien 🔧, (555) 201-3344, dana@example.com" in text
    found = buttons(prompt)
    assert [b["text"]["text"] for b in found] == ["Use existing", "Merge", "Create separate"]
    assert [b["action_id"] for b in found] == [
        ActionId.USE_EXISTING,
        ActionId.MERGE,
        ActionId.CREATE_SEPARATE,
    ]
    carried = decode(DuplicateChoice, found[0]["value"])
    data, match = carried.contact(), carried.match_contact_id
    assert match == "ct_0" and carried.lead_id is None and carried.lead_contact_id is None
    assert data == ContactInput(
        first_name="Dana",
        last_name="O'Brien 🔧",
        phones=("+15552013344",),
        emails=("dana@example.com",),
        address="123 Main St",
        notes='Said "call after 5"',
    )
    assert decode(DuplicateChoice, found[2]["value"]).match_contact_id is None
    assert limit_violations(prompt) == []


def test_every_match_gets_its_own_buttons_and_a_long_list_is_cut() -> None:
    prompt = duplicate_prompt(refusal(matches=15))
    merges = [b for b in buttons(prompt) if b["action_id"] == ActionId.MERGE]
    assert [json.loads(str(b["value"]))["m"] for b in merges] == [f"ct_{n}" for n in range(10)]
    assert "…and 5 more matching contacts." in shown(prompt)
    assert limit_violations(prompt) == []


def test_input_too_big_for_a_button_is_refused_honestly_not_cut() -> None:
    prompt = duplicate_prompt(refusal(notes="n" * 5000))
    assert buttons(prompt) == []
    assert "too long to carry on the decision buttons" in shown(prompt)
    assert "Shorten the notes and add the customer again" in prompt["text"]
    assert limit_violations(prompt) == []


def test_duplicate_value_counts_as_slack_does() -> None:
    value = duplicate_value({"first_name": "🔧" * 980}, "ct_1")
    assert value is not None and slack_len(value) <= 2000
    assert duplicate_value({"first_name": "🔧" * 1000}, "ct_1") is None
    assert json.loads(value) == {"p": {"first_name": "🔧" * 980}, "m": "ct_1"}


@pytest.mark.parametrize("bad", ["", "not json", "[]", '{"m": "ct_1"}', '{"p": 3}', None])
def test_a_mangled_duplicate_value_is_refused(bad: str | None) -> None:
    with pytest.raises(InvalidInput):
        decode(DuplicateChoice, bad)


def test_customer_added_message_is_cores_confirmation() -> None:
    added = AddedContact(contact(), DuplicateDecision.merge, False, "Updated: Dana Smith, x.")
    assert customer_added_message(added)["text"] == "Updated: Dana Smith, x."


# --- the new-inquiry notice -------------------------------------------------------------------


def test_new_inquiry_notice_has_the_procedures_words_and_two_buttons() -> None:
    person = contact()
    lead = Lead(lead_id="ld_1", title="leaky faucet & <sink>", source=LeadSource.phone_call)
    logged = Interaction(type=InteractionType.phone_call, logged_by="U0STAFF")
    notice_text = (
        "New inquiry from Dana Smith — leaky faucet & <sink>. Phone: (555) 201-3344. "
        "They came in via phone call. I've saved it as a new lead; want me to draft a response?"
    )
    notice = new_inquiry_notice(CapturedInquiry(lead, person, False, logged, notice_text))
    # The fallback text is escaped as the blocks are (Slack shows it as typed, and pings nobody).
    assert notice["text"] == notice_text.replace("& <sink>", "&amp; &lt;sink&gt;")
    text = shown(notice)
    assert "leaky faucet &amp; &lt;sink&gt;" in text
    assert "Added Dana Smith as a new contact. Logged by <@U0STAFF>." in text
    found = buttons(notice)
    assert [(b["text"]["text"], b["action_id"], b["value"]) for b in found] == [
        ("Draft response", ActionId.DRAFT_RESPONSE, "ld_1"),
        ("Open lead", ActionId.OPEN_LEAD, "ld_1"),
    ]
    assert limit_violations(notice) == []


# --- qualify ----------------------------------------------------------------------------------


def test_qualify_offers_the_two_stages_of_the_procedure() -> None:
    choice = qualify_choice(Lead(lead_id="ld_9", title="Water heater"))
    found = buttons(choice)
    assert [b["text"]["text"] for b in found] == ["Needs analysis", "Estimate sent"]
    assert [decode(QualifyChoice, str(b["value"])) for b in found] == [
        QualifyChoice("ld_9", "needs_analysis"),
        QualifyChoice("ld_9", "estimate_sent"),
    ]
    with pytest.raises(InvalidInput):
        decode(QualifyChoice, "estimate_sent")


# --- won and QuickBooks -----------------------------------------------------------------------


def deal(**changes: object) -> Opportunity:
    values: dict[str, object] = dict(
        opportunity_id="op_1",
        name="Bathroom remodel",
        stage=OpportunityStage.won,
        amount=Decimal("1250"),
        close_date=TODAY,
    )
    values.update(changes)
    return Opportunity(**values)


def test_won_without_quickbooks_id_asks_the_owner() -> None:
    person = contact()
    won = won_message(WonDeal(deal(), person, "Create Dana Smith in QuickBooks?"), today=TODAY)
    text = shown(won)
    assert "Opportunity won — Bathroom remodel — $1,250. Closed Monday, March 2." in text
    assert "Dana Smith is now a customer." in text
    assert "*Create Dana Smith in QuickBooks?*" in text
    found = buttons(won)
    assert [(b["text"]["text"], b["action_id"], b["value"]) for b in found] == [
        ("Create in QuickBooks", ActionId.CREATE_IN_QUICKBOOKS, "ct_1"),
        ("Not now", ActionId.NOT_NOW, "ct_1"),
    ]
    assert limit_violations(won) == []


def test_won_already_in_quickbooks_asks_nothing() -> None:
    won = won_message(WonDeal(deal(amount=None), contact(), None), today=TODAY)
    assert buttons(won) == []
    assert "QuickBooks" not in won["text"]


def test_quickbooks_answers() -> None:
    person = contact()
    person.quickbooks_customer_id = "QB-42"
    created = quickbooks_created_message(person, by="U0OWNER")
    assert created["text"] == "Created Dana Smith in QuickBooks (customer QB-42)."
    assert "Confirmed by <@U0OWNER>." in shown(created)
    assert quickbooks_not_connected_text("Dana Smith").startswith(
        "QuickBooks is not connected yet, so I can't create Dana Smith there. Nothing was changed"
    )


# --- lost and re-engage -----------------------------------------------------------------------


def test_lost_with_reminder_says_when() -> None:
    reminder = Reminder(
        note="Check back with Dana Smith about Bathroom remodel (lost: price).",
        due_date=date(2026, 5, 31),
    )
    lost = LostDeal(deal(stage=OpportunityStage.lost, loss_reason=LossReason.price), reminder, None)
    message = lost_message(lost, today=TODAY)
    assert message["text"] == (
        "Opportunity lost — Bathroom remodel. Reason: price. The lead and contact stay on file. "
        "Reminder set: Check back with Dana Smith about Bathroom remodel (lost: price). "
        "Due Sunday, May 31."
    )
    assert buttons(message) == []


def test_lost_without_reminder_asks_the_procedures_question_when_asked_to() -> None:
    question = "Want me to set a reminder to check back with Dana Smith in 90 days?"
    lost = LostDeal(
        deal(stage=OpportunityStage.lost, loss_reason=LossReason.no_decision, loss_notes="meh"),
        None,
        question,
    )
    asking = lost_message(lost, today=TODAY)
    assert "Reason: no decision." in asking["text"] and question in shown(asking)
    assert [(b["text"]["text"], b["value"]) for b in buttons(asking)] == [
        ("Yes", "op_1"),
        ("No", "op_1"),
    ]
    assert buttons(lost_message(lost, today=TODAY, ask=False)) == []
    assert reengage_answer_message(None)["text"] == "OK, no re-engage reminder."


def test_answers_fit_on_ten_kilobytes_of_notes() -> None:
    lost = LostDeal(deal(stage=OpportunityStage.lost, loss_notes="🔧 " * 5000), None, "Q?")
    assert limit_violations(lost_message(lost)) == []

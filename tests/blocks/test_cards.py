"""Lead, contact and opportunity cards: what a person reads, the next-step buttons, the limits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks import answers, cards
from bot.blocks.limit_check import limit_violations
from bot.blocks.limits import slack_len
from core.common.enums import (
    DisqualificationReason,
    InteractionType,
    LeadSource,
    LeadStatus,
    LifecycleStage,
    OpportunityStage,
    PipelineStage,
)
from core.contacts.history import ContactCard
from core.contacts.matching import set_contact_points
from core.leads.inquiries import CapturedInquiry
from core.models import Contact, Interaction, Lead, Opportunity
from core.reports.rows import Touchpoint
from tests.bot.harness import (
    block_texts,
    iter_buttons,
    labels,
)

EMOJI = "🔧"
TEN_KB = ("Dana “the plumber” O'Brien & <Sons> " + EMOJI) * 250
NY = ZoneInfo("America/New_York")

JOB_BUTTONS = ["Log call", "Draft follow-up", "Edit job", "Mark won", "Mark lost"]


def dana(**fields: Any) -> Contact:
    contact = Contact(
        contact_id=fields.pop("contact_id", "ct_dana"),
        workspace_id="T0TEST",
        first_name=fields.pop("first_name", "Dana"),
        last_name=fields.pop("last_name", "Smith"),
        lifecycle_stage=fields.pop("lifecycle_stage", LifecycleStage.prospect),
        tags=fields.pop("tags", []),
        archived=fields.pop("archived", False),
        **fields,
    )
    set_contact_points(contact, phones=["+15552013344"], emails=["dana@example.com"])
    return contact


def a_lead(contact: Contact | None = None, **fields: Any) -> Lead:
    lead = Lead(
        lead_id=fields.pop("lead_id", "ld_1"),
        workspace_id="T0TEST",
        title=fields.pop("title", "Leaky faucet at 123 Main"),
        source=fields.pop("source", LeadSource.phone_call),
        status=fields.pop("status", LeadStatus.new),
        pipeline_stage=fields.pop("pipeline_stage", PipelineStage.inquiry),
        **fields,
    )
    lead.contact = contact
    return lead


def button_for(message: dict[str, Any], label: str) -> dict[str, Any]:
    return next(b for b in iter_buttons(message["blocks"]) if b["text"]["text"] == label)


def test_a_new_lead_card_reads_well_and_offers_every_next_step() -> None:
    lead = a_lead(dana(address="123 Main St"), estimated_value=Decimal("350"), owner="U0STAFF")
    card = cards.lead_card(lead)
    shown = "\n".join(block_texts(card["blocks"]))
    assert "*Leaky faucet at 123 Main*" in shown
    assert "*Dana Smith* · (555) 201-3344 · dana@example.com" in shown
    assert "new · inquiry · phone call · $350" in shown
    assert "Service address: 123 Main St" in shown and "Owner: <@U0STAFF>" in shown
    assert labels(card) == [
        "Log call",
        "Draft follow-up",
        "Qualify",
        "Convert",
        "Edit lead",
        "Snooze",
        "Disqualify",
    ]
    assert {b["value"] for b in iter_buttons(card["blocks"])} == {"ld_1"}
    assert card["blocks"][-1]["block_id"] == "crm-lead-actions-ld_1"
    assert limit_violations(card) == []


def test_a_qualified_lead_is_not_offered_qualify_and_closed_leads_get_no_buttons() -> None:
    working = cards.lead_card(a_lead(dana(), pipeline_stage=PipelineStage.estimate_sent))
    assert "Qualify" not in labels(working) and "Convert" in labels(working)
    gone = a_lead(
        dana(),
        status=LeadStatus.disqualified,
        disqualification_reason=DisqualificationReason.outside_scope,
    )
    card = cards.lead_card(gone)
    assert labels(card) == []
    assert "Disqualified (outside scope). The record stays." in block_texts(card["blocks"])
    converted = cards.lead_card(a_lead(dana(), status=LeadStatus.converted))
    assert "Converted to a job." in block_texts(converted["blocks"])


def test_a_lead_without_a_contact_still_renders() -> None:
    card = cards.lead_card(a_lead(None))
    assert "_no contact linked_" in "\n".join(block_texts(card["blocks"]))


def test_the_capture_reply_says_whether_the_contact_was_linked() -> None:
    contact = dana()
    lead = a_lead(contact)
    interaction = Interaction(interaction_id="ix_1", workspace_id="T0TEST")
    linked = CapturedInquiry(lead, contact, True, interaction, "New inquiry from Dana Smith")
    fresh = CapturedInquiry(lead, contact, False, interaction, "New inquiry from Dana Smith")
    assert cards.captured_lead_card(linked)["text"] == (
        "Lead saved: Leaky faucet at 123 Main. Linked to the existing contact Dana Smith."
    )
    assert cards.captured_lead_card(fresh)["text"] == (
        "Lead saved: Leaky faucet at 123 Main. Added Dana Smith as a new contact."
    )
    assert "Convert" in labels(cards.captured_lead_card(fresh))


def test_huge_quoted_emoji_text_stays_inside_the_limits() -> None:
    contact = dana(
        first_name=TEN_KB[:200], last_name=TEN_KB[:200], address=TEN_KB[:500], notes=TEN_KB
    )
    contact.tags = [TEN_KB[:100]] * 30
    lead = a_lead(contact, title=TEN_KB[:200], description=TEN_KB, owner="U0STAFF")
    for message in (
        cards.lead_card(lead, heading=TEN_KB),
        cards.captured_lead_card(CapturedInquiry(lead, contact, True, Interaction(), TEN_KB)),
        cards.disqualify_reasons(lead),
        answers.log_call_prompt(contact),
        answers.add_customer_prompt(TEN_KB),
        answers.incomplete_contact(["a phone number", "a service address"], lead),
        cards.qualified_card(lead),
        cards.disqualified_card(lead),
    ):
        assert limit_violations(message) == [], message["text"][:80]
        assert all(slack_len(b["value"]) <= 2000 for b in iter_buttons(message["blocks"]))
    shown = "\n".join(block_texts(cards.lead_card(lead)["blocks"]))
    assert "&amp; &lt;Sons&gt;" in shown  # escaped, so Slack shows it as typed


def test_the_contact_card_shows_details_open_leads_and_last_touchpoint() -> None:
    contact = dana(address="123 Main St", notes="Gate code 4321", tags=["plumbing"])
    leads = [a_lead(contact, lead_id=f"ld_{n}", title=f"Job {n}") for n in range(2)]
    touch = Touchpoint(
        "ix_1",
        InteractionType.phone_call,
        datetime(2026, 3, 1, 15, tzinfo=UTC),
        date(2026, 3, 1),
        "Quote",
    )
    card = cards.contact_card(ContactCard(contact, "Acme Rentals", leads, touch, 3))
    shown = block_texts(card["blocks"])
    assert shown[0] == "Dana Smith"
    assert "*Phone*\n(555) 201-3344" in shown and "*Company*\nAcme Rentals" in shown
    assert "Last touchpoint: phone call 3 days ago — Quote" in shown
    assert "*Open leads (2)*" in shown and "*Notes*\nGate code 4321" in shown
    log_call = button_for(card, "Log call")
    assert log_call["value"] == "ct_dana"  # the contact's own Log call comes first
    assert [b["value"] for b in iter_buttons(card["blocks"]) if b["text"]["text"] == "Convert"] == [
        "ld_0",
        "ld_1",
    ]
    assert limit_violations(card) == []


def test_a_contact_with_many_open_leads_is_cut_with_the_command_to_see_them() -> None:
    contact = dana(first_name=TEN_KB[:200], notes=TEN_KB)
    leads = [a_lead(contact, lead_id=f"ld_{n}", title=TEN_KB[:200]) for n in range(500)]
    card = cards.contact_card(ContactCard(contact, TEN_KB[:200], leads, None, None))
    assert limit_violations(card) == []
    more = card["blocks"][-1]["elements"][0]["text"]
    assert more.startswith("…and 495 more open leads — type `/lead find ")
    assert "Last touchpoint: none logged yet." in block_texts(card["blocks"])


def test_a_contact_without_leads_or_touches() -> None:
    card = cards.contact_card(ContactCard(dana(), None, [], None, None))
    assert "No open leads." in block_texts(card["blocks"])
    assert labels(card) == ["Log call", "Edit", "Merge into…", "Archive", "Do not contact"]


def test_an_archived_contact_is_marked_and_offers_restore_and_a_merge_offers_undo() -> None:
    card = cards.contact_card(
        ContactCard(dana(archived=True), None, [], None, None, ("mg_1", "Dee Smith"))
    )
    seen = block_texts(card["blocks"])
    assert seen[0] == "Dana Smith (archived)"
    assert any(text.startswith(":file_cabinet: Archived: hidden from lists") for text in seen)
    assert labels(card) == ["Log call", "Edit", "Restore", "Undo merge", "Do not contact"]
    undo = button_for(card, "Undo merge")
    assert undo["value"] == "mg_1"
    assert undo["confirm"]["title"]["text"] == "Undo the merge of Dee Smith?"
    assert limit_violations(card) == []


def test_opportunity_card_has_won_confirmed_by_the_server_and_lost() -> None:
    opportunity = Opportunity(
        opportunity_id="op_1",
        workspace_id="T0TEST",
        name="Kitchen remodel",
        stage=OpportunityStage.estimating,
        amount=Decimal("1250.50"),
    )
    opportunity.contact = dana()
    card = cards.converted_card(opportunity)
    assert card["text"] == "Converted to a job: Kitchen remodel (stage: estimating)."
    assert labels(card) == JOB_BUTTONS
    won = button_for(card, "Mark won")
    # No client-side dialog: it would show to staff before the owner check (a form follows).
    assert "confirm" not in won
    assert won["value"] == "op_1" and won["style"] == "primary"
    assert "estimating · $1,250.50" in "\n".join(block_texts(card["blocks"]))
    assert card["blocks"][-1]["block_id"] == "crm-opportunity-actions-op_1"
    opportunity.stage = OpportunityStage.won
    assert labels(cards.opportunity_card(opportunity)) == []


def test_disqualify_asks_for_the_reason_with_one_button_each() -> None:
    message = cards.disqualify_reasons(a_lead(dana()))
    assert message["text"].startswith("Why disqualify the Leaky faucet at 123 Main lead from Dana")
    assert [(b["text"]["text"], b["value"]) for b in iter_buttons(message["blocks"])] == [
        ("Budget", "ld_1:budget"),
        ("Timing", "ld_1:timing"),
        ("Outside scope", "ld_1:outside_scope"),
        ("No response", "ld_1:no_response"),
        ("Other", "ld_1:other"),
    ]
    assert {b["action_id"] for b in iter_buttons(message["blocks"])} == {"crm-disqualify-reason"}

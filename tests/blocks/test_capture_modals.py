"""The capture modals (`bot.blocks.modals.capture`) and their pure parsers (`capture_parsing`)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from bot.blocks.limit_check import limit_violations
from bot.blocks.modals import capture, capture_parsing
from bot.blocks.modals.inputs import ModalMeta
from bot.ids import ActionId, BlockId, ViewId
from core.common.enums import InteractionType, LeadSource
from core.errors import InvalidInput
from core.leads.inquiries import InquiryInput
from tests.blocks.test_cards import TEN_KB
from tests.bot.harness import datepicker, static_select, text_input, users_select


def submitted(view: dict[str, Any], values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The view as Slack sends it back on submit: same blocks and metadata, plus state."""
    state = {block: {ActionId.INPUT.value: element} for block, element in values.items()}
    return {**view, "state": {"values": state}}


def input_blocks(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


@pytest.mark.parametrize(
    "view, callback, title",
    [
        (capture.new_lead_modal(), ViewId.NEW_LEAD, "New lead"),
        (capture.new_customer_modal(), ViewId.NEW_CUSTOMER, "New customer"),
        (capture.log_interaction_modal(), ViewId.LOG_INTERACTION, "Log interaction"),
    ],
)
def test_each_modal_is_valid_block_kit(view: dict[str, Any], callback: str, title: str) -> None:
    assert view["callback_id"] == callback and view["title"]["text"] == title
    assert limit_violations(view) == []
    known = {member.value for member in BlockId}
    assert set(input_blocks(view)) <= known
    for block in view["blocks"]:
        if block["type"] == "input":
            assert block["element"]["action_id"] == ActionId.INPUT


def test_the_new_lead_modal_asks_what_the_inquiry_needs() -> None:
    view = capture.new_lead_modal(channel_id="C1")
    assert input_blocks(view) == [
        "crm-name",
        "crm-phone",
        "crm-email",
        "crm-address",
        "crm-title",
        "crm-description",
        "crm-source",
        "crm-estimated-value",
        "crm-owner",
    ]
    source = next(b for b in view["blocks"] if b["block_id"] == "crm-source")
    assert source["element"]["initial_option"]["value"] == "phone_call"
    assert [o["text"]["text"] for o in source["element"]["options"]] == [
        "Phone call",
        "Email",
        "Web form",
        "Referral",
        "Ad",
        "Other",
    ]
    assert ModalMeta.load(view["private_metadata"]) == ModalMeta(channel="C1")


def test_parse_new_lead() -> None:
    view = submitted(
        capture.new_lead_modal(channel_id="C1"),
        {
            "crm-name": text_input("  Dana  van Dyke "),
            "crm-phone": text_input("555-201-3344, 555-201-9999"),
            "crm-email": text_input("Dana@Example.com"),
            "crm-title": text_input("Leaky faucet"),
            "crm-description": text_input("Drips “all night” 🔧"),
            "crm-source": static_select("web_form"),
            "crm-estimated-value": text_input("$350"),
            "crm-owner": users_select("U0STAFF"),
        },
    )
    form = capture_parsing.parse_new_lead(view)
    assert form == capture_parsing.NewLeadForm(
        InquiryInput(
            title="Leaky faucet",
            source="web_form",
            first_name="Dana",
            last_name="van Dyke",
            phones=("555-201-3344", "555-201-9999"),
            emails=("Dana@Example.com",),
            address=None,
            description="Drips “all night” 🔧",
            estimated_value="$350",
            owner="U0STAFF",
        ),
        ModalMeta(channel="C1"),
    )


def test_a_missing_name_is_refused_on_the_name_field() -> None:
    view = submitted(capture.new_lead_modal(), {"crm-title": text_input("Faucet")})
    with pytest.raises(InvalidInput) as refused:
        capture_parsing.parse_new_lead(view)
    assert refused.value.field == "first_name"
    assert capture.NEW_LEAD_FIELDS["first_name"] == BlockId.NAME
    with pytest.raises(InvalidInput):
        capture_parsing.parse_new_customer(submitted(capture.new_customer_modal(), {}))


def test_parse_new_customer_into_contact_input() -> None:
    view = submitted(
        capture.new_customer_modal(name="Dana"),
        {
            "crm-name": text_input("Dana Smith"),
            "crm-phone": text_input("555-201-3344"),
            "crm-email": text_input(None),
            "crm-address": text_input("123 Main St"),
            "crm-heard-about": text_input("referral"),
            "crm-company-name": text_input("Acme"),
            "crm-preferred-channel": static_select("sms"),
            "crm-notes": text_input(TEN_KB),
        },
    )
    contact = capture_parsing.parse_new_customer(view).contact
    assert (contact.first_name, contact.last_name, contact.phones) == (
        "Dana",
        "Smith",
        ("555-201-3344",),
    )
    assert contact.emails == () and contact.address == "123 Main St"
    assert contact.heard_about == "referral" and contact.company_name == "Acme"
    assert contact.preferred_channel == "sms" and contact.notes == TEN_KB.strip()
    name = next(b for b in capture.new_customer_modal(name="Dana")["blocks"])
    assert name["element"]["initial_value"] == "Dana"


def test_the_log_modal_asks_who_unless_the_record_is_known() -> None:
    open_view = capture.log_interaction_modal()
    assert input_blocks(open_view)[0] == "crm-contact"
    body = next(b for b in open_view["blocks"] if b.get("block_id") == "crm-body")
    assert body["label"]["text"] == "How did it go? Any next steps or follow-up needed?"
    fixed = capture.log_interaction_modal(
        "ct_dana", contact_name=TEN_KB, lead_id="ld_1", body=TEN_KB, follow_up_date=date(2026, 3, 6)
    )
    assert "crm-contact" not in input_blocks(fixed)
    assert limit_violations(fixed) == []
    assert json.loads(fixed["private_metadata"]) == {"ct": "ct_dana", "ld": "ld_1"}


def test_parse_log_interaction() -> None:
    view = submitted(
        capture.log_interaction_modal(),
        {
            "crm-contact": text_input("Dana"),
            "crm-type": static_select("meeting"),
            "crm-body": text_input("Walked the job"),
            "crm-outcome": static_select("spoke"),
            "crm-follow-up-date": datepicker(date(2026, 3, 6)),
        },
    )
    form = capture_parsing.parse_log_interaction(view)
    assert (form.who, form.contact_id, form.interaction_type) == ("Dana", None, "meeting")
    assert (form.body, form.outcome, form.follow_up_date) == (
        "Walked the job",
        "spoke",
        date(2026, 3, 6),
    )
    fixed = submitted(
        capture.log_interaction_modal("ct_dana"),
        {"crm-body": text_input("Called"), "crm-type": static_select(None)},
    )
    form = capture_parsing.parse_log_interaction(fixed)
    assert form.contact_id == "ct_dana" and form.interaction_type == InteractionType.phone_call
    assert form.outcome == "none" and form.follow_up_date is None


def test_log_without_anyone_is_refused_on_the_who_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        capture_parsing.parse_log_interaction(submitted(capture.log_interaction_modal(), {}))
    assert capture.LOG_INTERACTION_FIELDS[refused.value.field or ""] == BlockId.CONTACT


def test_metadata_that_is_not_ours_is_ignored() -> None:
    assert ModalMeta.load("not json") == ModalMeta()
    assert ModalMeta.load('["x"]') == ModalMeta()
    assert ModalMeta.load('{"ld": "ld_1", "x": 1, "ct": 7}') == ModalMeta(lead_id="ld_1")


def test_splitting_names_and_values() -> None:
    assert capture_parsing.split_name("Cher") == ("Cher", None)
    assert capture_parsing.split_name("   ") == (None, None)
    assert capture_parsing.split_values("a@x.com; b@x.com or c@x.com") == (
        "a@x.com",
        "b@x.com",
        "c@x.com",
    )
    assert capture_parsing.split_values("(555) 201-3344") == ("(555) 201-3344",)
    assert LeadSource.phone_call.value in {
        o["value"]
        for o in next(
            b for b in capture.new_lead_modal()["blocks"] if b["block_id"] == "crm-source"
        )["element"]["options"]
    }

"""The decision modals and their parsers: what a person fills in, and what the bot reads back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from bot.blocks.limit_check import limit_violations
from bot.blocks.limits import slack_len
from bot.blocks.modals.decisions import (
    ModalMeta,
    disqualify_modal,
    edit_draft_modal,
    join_inputs,
    mark_lost_modal,
    parse_disqualify,
    parse_edit_draft,
    parse_mark_lost,
    parse_reschedule,
    parse_settings,
    reschedule_modal,
    settings_modal,
    split_for_inputs,
)
from bot.ids import ActionId, BlockId, ViewId
from core.common.enums import DraftChannel, DraftStatus, FollowUpStatus, InteractionType
from core.errors import InvalidInput
from core.models import Contact, Draft, Interaction, Lead, Opportunity, Workspace
from tests.bot.harness import block_texts, checkboxes, datepicker, static_select, text_input

META = ModalMeta(channel="C1", ts="1700000000.000100", response_url="https://hooks/r/1")


def draft(**changes: object) -> Draft:
    values: dict[str, object] = dict(
        draft_id="dr_1",
        channel=DraftChannel.email,
        recipient="dana@example.com",
        subject="Following up",
        body="Hi Dana",
        status=DraftStatus.pending_approval,
        version=3,
    )
    values.update(changes)
    return Draft(**values)


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def filled(view: dict[str, Any], **values: dict[str, Any]) -> dict[str, Any]:
    """The view as Slack submits it: every text input keeps its initial value unless given."""
    state: dict[str, Any] = {}
    for block_id, block in inputs(view).items():
        element = block["element"]
        if block_id in values:
            state[block_id] = {ActionId.INPUT.value: values[block_id]}
        elif element["type"] == "plain_text_input":
            state[block_id] = {ActionId.INPUT.value: text_input(element.get("initial_value"))}
    return {**view, "state": {"values": state}}


# --- metadata ---------------------------------------------------------------------------------


def test_modal_meta_round_trips_and_survives_garbage() -> None:
    meta = ModalMeta("op_1", 2, "C1", "1.2", "https://r", ("\n", " "))
    assert ModalMeta.load(meta.dump()) == meta
    assert ModalMeta.load("not json") == ModalMeta()
    assert ModalMeta.load("[1, 2]") == ModalMeta()
    assert ModalMeta.load(None) == ModalMeta()


# --- edit draft -------------------------------------------------------------------------------


def test_edit_modal_shows_subject_and_body_and_reads_the_edit_back() -> None:
    view = edit_draft_modal(draft(), meta=META)
    assert view["callback_id"] == ViewId.EDIT_DRAFT
    assert view["title"]["text"] == "Edit draft"
    assert "Email to dana@example.com · version 3." in block_texts(view["blocks"])[0]
    fields = inputs(view)
    assert list(fields) == [BlockId.SUBJECT, BlockId.BODY]
    assert fields[BlockId.BODY]["element"]["initial_value"] == "Hi Dana"
    assert fields[BlockId.BODY]["element"]["multiline"] is True
    edited = parse_edit_draft(filled(view, **{BlockId.BODY: text_input("Hi Dana, new text 🔧")}))
    assert (edited.draft_id, edited.version) == ("dr_1", 3)
    assert edited.body == "Hi Dana, new text 🔧"
    assert edited.subject == "Following up"
    assert edited.meta.response_url == "https://hooks/r/1" and edited.meta.ts == META.ts
    assert limit_violations(view) == []


def test_sms_drafts_have_no_subject() -> None:
    view = edit_draft_modal(draft(channel=DraftChannel.sms, recipient="+15552013344"))
    assert list(inputs(view)) == [BlockId.BODY]
    assert parse_edit_draft(filled(view)).subject is None


def test_a_10_kb_body_is_split_across_inputs_and_joined_back_exactly() -> None:
    body = ("Paragraph with “quotes” & emoji 🔧 that goes on a while.\n\n" * 250)[:10000]
    view = edit_draft_modal(draft(body=body))
    assert limit_violations(view) == []
    parts = [b for b in view["blocks"] if b["type"] == "input" and "Message" in b["label"]["text"]]
    assert len(parts) >= 4
    assert parts[0]["label"]["text"] == f"Message (part 1 of {len(parts)})"
    assert all(slack_len(p["element"]["initial_value"]) <= 3000 for p in parts)
    assert all(p["element"]["max_length"] == 3000 for p in parts)
    assert parse_edit_draft(filled(view)).body == body


def test_one_very_long_line_still_splits_and_joins() -> None:
    body = "word " * 2500 + "x" * 4000
    parts, joins = split_for_inputs(body)
    assert join_inputs(parts, joins) == body
    assert all(slack_len(part) <= 3000 for part in parts)


# --- mark lost --------------------------------------------------------------------------------


def opportunity() -> Opportunity:
    deal = Opportunity(opportunity_id="op_1", name="Bathroom remodel", amount=Decimal("1250"))
    deal.contact = Contact(contact_id="ct_1", first_name="Dana", last_name="Smith")
    return deal


def test_mark_lost_asks_reason_notes_and_the_90_day_question() -> None:
    view = mark_lost_modal(opportunity(), meta=META)
    assert view["callback_id"] == ViewId.MARK_LOST
    fields = inputs(view)
    reasons = fields[BlockId.LOSS_REASON]["element"]["options"]
    assert [o["value"] for o in reasons] == [
        "price",
        "competition",
        "timing",
        "no_decision",
        "scope",
        "other",
    ]
    question = fields[BlockId.REENGAGE_IN_DAYS]["label"]["text"]
    assert question == "Want me to set a reminder to check back with Dana Smith in 90 days?"
    assert "*Bathroom remodel* — $1,250 (Dana Smith)" in block_texts(view["blocks"])
    assert limit_violations(view) == []

    ticked = parse_mark_lost(
        filled(
            view,
            **{
                BlockId.LOSS_REASON: static_select("price"),
                BlockId.LOSS_NOTES: text_input("Went with the cheaper quote"),
                BlockId.REENGAGE_IN_DAYS: checkboxes("90"),
            },
        )
    )
    assert (ticked.opportunity_id, ticked.reason, ticked.reengage_in_days) == ("op_1", "price", 90)
    assert ticked.notes == "Went with the cheaper quote"
    plain = parse_mark_lost(
        filled(
            view,
            **{BlockId.LOSS_REASON: static_select("timing"), BlockId.LOSS_NOTES: text_input(None)},
        )
    )
    assert (plain.reason, plain.notes, plain.reengage_in_days) == ("timing", None, None)


# --- disqualify -------------------------------------------------------------------------------


def test_disqualify_asks_the_procedures_reasons() -> None:
    lead = Lead(lead_id="ld_1", title="Leaky faucet")
    lead.contact = Contact(contact_id="ct_1", first_name="Dana", last_name=None)
    view = disqualify_modal(lead, meta=META)
    reasons = inputs(view)[BlockId.DISQUALIFICATION_REASON]["element"]["options"]
    assert [o["value"] for o in reasons] == [
        "budget",
        "timing",
        "outside_scope",
        "no_response",
        "other",
    ]
    assert "*Leaky faucet* from Dana" in block_texts(view["blocks"])
    form = parse_disqualify(
        filled(
            view,
            **{
                BlockId.DISQUALIFICATION_REASON: static_select("budget"),
                BlockId.NOTES: text_input("Wanted it for $50"),
            },
        )
    )
    assert (form.lead_id, form.reason, form.note) == ("ld_1", "budget", "Wanted it for $50")
    assert limit_violations(view) == []


# --- reschedule -------------------------------------------------------------------------------


def test_reschedule_starts_on_the_current_date_and_reads_the_new_one() -> None:
    item = Interaction(
        interaction_id="ix_1",
        type=InteractionType.phone_call,
        body="Call back about the quote",
        follow_up_date=date(2026, 3, 2),
        follow_up_status=FollowUpStatus.pending,
    )
    view = reschedule_modal(item, meta=META)
    picker = inputs(view)[BlockId.FOLLOW_UP_DATE]["element"]
    assert picker == {"type": "datepicker", "initial_date": "2026-03-02", "action_id": "crm-input"}
    assert "Call back about the quote" in block_texts(view["blocks"])
    form = parse_reschedule(filled(view, **{BlockId.FOLLOW_UP_DATE: datepicker(date(2026, 3, 6))}))
    assert (form.interaction_id, form.new_date) == ("ix_1", date(2026, 3, 6))
    with pytest.raises(InvalidInput) as missing:
        parse_reschedule(filled(view, **{BlockId.FOLLOW_UP_DATE: datepicker(None)}))
    assert missing.value.field == "follow_up_date"
    assert limit_violations(view) == []


# --- settings ---------------------------------------------------------------------------------


def workspace() -> Workspace:
    return Workspace(
        workspace_id="T0TEST",
        timezone="America/New_York",
        pipeline_channel="#pipeline",
        owner_ids=["U0OWNER"],
        holiday_country="US",
        stale_after_business_days=3,
        digest_hour=8,
        auto_send=False,
        daily_digest_enabled=True,
        weekly_digest_enabled=False,
        monthly_digest_enabled=True,
    )


def test_settings_modal_shows_the_current_settings_and_warns_about_auto_send() -> None:
    view = settings_modal(workspace(), meta=META)
    fields = inputs(view)
    assert list(fields) == [
        BlockId.TIMEZONE,
        BlockId.PIPELINE_CHANNEL,
        BlockId.OWNER_IDS,
        BlockId.HOLIDAY_COUNTRY,
        BlockId.STALE_AFTER_BUSINESS_DAYS,
        BlockId.DIGEST_HOUR,
        BlockId.DAILY_DIGEST_ENABLED,
        BlockId.WEEKLY_DIGEST_ENABLED,
        BlockId.MONTHLY_DIGEST_ENABLED,
        BlockId.AUTO_SEND,
    ]
    assert fields[BlockId.TIMEZONE]["element"]["initial_value"] == "America/New_York"
    assert fields[BlockId.OWNER_IDS]["element"]["initial_users"] == ["U0OWNER"]
    assert fields[BlockId.STALE_AFTER_BUSINESS_DAYS]["element"]["initial_value"] == "3"
    assert fields[BlockId.DIGEST_HOUR]["element"]["initial_option"]["value"] == "8"
    assert "initial_options" not in fields[BlockId.AUTO_SEND]["element"]
    # The schedules as they stand: daily and monthly on, weekly off; each may be left unticked.
    ticked = {
        block: [o["value"] for o in fields[block]["element"].get("initial_options", [])]
        for block in (
            BlockId.DAILY_DIGEST_ENABLED,
            BlockId.WEEKLY_DIGEST_ENABLED,
            BlockId.MONTHLY_DIGEST_ENABLED,
        )
    }
    assert ticked == {
        BlockId.DAILY_DIGEST_ENABLED: ["on"],
        BlockId.WEEKLY_DIGEST_ENABLED: [],
        BlockId.MONTHLY_DIGEST_ENABLED: ["on"],
    }
    assert [fields[block]["label"]["text"] for block in ticked] == [
        "Daily digest",
        "Weekly pipeline digest",
        "Monthly win/loss summary",
    ]
    assert all(fields[block]["optional"] for block in ticked)
    warning = " ".join(block_texts(view["blocks"]))
    assert "without an owner reviewing them first" in warning
    assert limit_violations(view) == []


def settings_values(**overrides: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, dict[str, Any]] = {
        BlockId.TIMEZONE: text_input("America/Chicago"),
        BlockId.PIPELINE_CHANNEL: text_input("#sales"),
        BlockId.OWNER_IDS: {"type": "multi_users_select", "selected_users": ["U1", "U2", "U1"]},
        BlockId.HOLIDAY_COUNTRY: text_input("ca"),
        BlockId.STALE_AFTER_BUSINESS_DAYS: {"type": "number_input", "value": "5"},
        BlockId.DIGEST_HOUR: static_select("7"),
        BlockId.DAILY_DIGEST_ENABLED: checkboxes("on"),
        BlockId.WEEKLY_DIGEST_ENABLED: checkboxes("on"),
        BlockId.MONTHLY_DIGEST_ENABLED: checkboxes(),
        BlockId.AUTO_SEND: checkboxes("on"),
    }
    values.update(overrides)
    return filled(settings_modal(workspace()), **values)


def test_settings_parse_to_the_changes_core_applies() -> None:
    form = parse_settings(settings_values())
    assert form.changes == {
        "timezone": "America/Chicago",
        "pipeline_channel": "#sales",
        "owner_ids": ["U1", "U2"],
        "holiday_country": "CA",
        "stale_after_business_days": 5,
        "digest_hour": 7,
        "daily_digest_enabled": True,
        "weekly_digest_enabled": True,
        "monthly_digest_enabled": False,
        "auto_send": True,
    }
    off = parse_settings(settings_values(**{BlockId.AUTO_SEND: checkboxes()}))
    assert off.changes["auto_send"] is False
    quiet = parse_settings(
        settings_values(
            **{
                BlockId.DAILY_DIGEST_ENABLED: checkboxes(),
                BlockId.WEEKLY_DIGEST_ENABLED: checkboxes(),
                BlockId.MONTHLY_DIGEST_ENABLED: checkboxes("on"),
            }
        )
    )
    schedules = ("daily_digest_enabled", "weekly_digest_enabled", "monthly_digest_enabled")
    assert [quiet.changes[name] for name in schedules] == [False, False, True]


@pytest.mark.parametrize(
    ("block", "value", "field"),
    [
        (BlockId.HOLIDAY_COUNTRY, text_input("Atlantis"), "holiday_country"),
        (
            BlockId.STALE_AFTER_BUSINESS_DAYS,
            {"type": "number_input", "value": "three"},
            "stale_after_business_days",
        ),
        (BlockId.TIMEZONE, text_input(None), "timezone"),
        (BlockId.PIPELINE_CHANNEL, text_input("  "), "pipeline_channel"),
    ],
)
def test_bad_settings_name_the_field(block: str, value: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_settings(settings_values(**{block: value}))
    assert refused.value.field == field

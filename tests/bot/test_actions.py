"""Every decision button through the real app over HTTP: what the person sees, what is stored."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.modals.inputs import ModalMeta
from bot.blocks.prompts import duplicate_prompt, lost_message
from bot.ids import ActionId, BlockId, ViewId
from bot.notify import queue_new_inquiry_notice
from core.common.enums import (
    DisqualificationReason,
    FollowUpStatus,
    InteractionType,
    LeadStatus,
    LossReason,
    OpportunityStage,
    PipelineStage,
    ReminderStatus,
)
from core.contacts.input import ContactInput
from core.contacts.service import add_customer
from core.errors import DuplicateContact
from core.leads.inquiries import InquiryInput, capture_inquiry
from core.leads.opportunities import LostDeal
from core.models import Contact, Draft, Interaction, Lead, Opportunity, Reminder, Workspace
from tests.bot.fakes import dana_lead, last_view, set_owners
from tests.bot.harness import (
    CHANNEL,
    START,
    SlackHarness,
    checkboxes,
    datepicker,
    labels,
    messages_to,
    row_count,
    shown,
    static_select,
    text_input,
)
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_contact, make_interaction, make_opportunity, make_reminder

OWNER2 = "U0OWNER2"
TODAY = date(2026, 3, 2)  # the harness's clock in New York

JOB_BUTTONS = ["Log call", "Draft follow-up", "Edit job", "Mark won", "Mark lost"]


def last_reply(slack: SlackHarness, user: str = STAFF) -> dict[str, Any]:
    replies = messages_to(slack.api, kind="response_url", user=user)
    assert replies, "no reply"
    return replies[-1]


def get(sessions: sessionmaker[Session], model: type[Any], key: str) -> Any:
    with sessions() as session:
        row = session.get(model, key)
        assert row is not None
        return row


def opened_where(view: dict[str, Any]) -> dict[str, Any]:
    """What a Log form carries: where to answer (the click's response_url) and the record."""
    meta = ModalMeta.load(view["private_metadata"])
    assert (meta.response_url or "").startswith("http://127.0.0.1:")  # the click's
    fields = ("channel", "contact_id", "lead_id", "opportunity_id")
    return {name: getattr(meta, name) for name in fields if getattr(meta, name)}


def lead_click(slack: SlackHarness, action: ActionId, lead_id: str, user: str = STAFF) -> None:
    reply = slack.action(action, lead_id, user=user, block_id=f"{BlockId.LEAD_ACTIONS}-{lead_id}")
    assert reply.status == 200


# --- the new-inquiry notice -------------------------------------------------------------------


def test_new_inquiry_notice_reaches_every_owner_by_dm_with_the_procedures_words(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    set_owners(sessions, OWNER, OWNER2)
    inquiry = InquiryInput(
        title="Leaky faucet", source="phone_call", first_name="Dana", last_name="Smith",
        phones=("555-201-3344",),
    )  # fmt: skip
    with sessions.begin() as session:
        workspace = session.get(Workspace, TEAM)
        assert workspace is not None
        captured = capture_inquiry(
            session=session, workspace=workspace, actor=STAFF, inquiry=inquiry, now=START
        )
        queue_new_inquiry_notice(session, workspace=workspace, captured=captured, now=START)
    assert len(slack.deliver().delivered) == 2  # one outbox item per owner
    words = (
        "New inquiry from Dana Smith — Leaky faucet. Phone: (555) 201-3344. "
        "They came in via phone call. I've saved it as a new lead; want me to draft a response?"
    )
    assert [m["channel"] for m in messages_to(slack.api, kind="message")] == [
        f"D{OWNER}",
        f"D{OWNER2}",
    ]
    for owner in (OWNER, OWNER2):
        (notice,) = messages_to(slack.api, kind="message", channel=f"D{owner}")
        assert notice["text"] == words
        assert labels(notice) == ["Draft response", "Open lead"]
        assert "Logged by <@U0STAFF>." in shown(notice)

    notice = messages_to(slack.api, kind="message", channel=f"D{OWNER}")[0]
    slack.action(ActionId.OPEN_LEAD, message=notice, user=OWNER)
    card = last_reply(slack, OWNER)
    assert "*Leaky faucet*" in shown(card) and "Log call" in labels(card)

    slack.action(ActionId.DRAFT_RESPONSE, message=notice, user=OWNER)
    with sessions() as session:
        (draft,) = session.scalars(select(Draft))
        assert draft.lead_id == captured.lead.lead_id and draft.requested_by == OWNER
        assert [ref["channel"] for ref in draft.review_refs] == [f"D{OWNER}", f"D{OWNER2}"]
    review = messages_to(slack.api, kind="message", channel=f"D{OWNER2}")[-1]
    assert labels(review) == ["Approve", "Edit", "Discard"]
    assert "*Channel*\nText message" in shown(review)


# --- duplicates (hard stop 3) -----------------------------------------------------------------


def duplicate_message(sessions: sessionmaker[Session]) -> tuple[str, dict[str, Any]]:
    with sessions.begin() as session:
        existing = make_contact(session, TEAM, phones=["+15552013344"], address="1 Elm St")
        workspace = session.get(Workspace, TEAM)
        assert workspace is not None
        data = ContactInput(
            first_name="Dana",
            last_name="Smith",
            phones=("555-201-3344",),
            emails=("dana.new@example.com",),
            notes="Prefers mornings 🔧",
        )
        try:
            add_customer(session=session, workspace=workspace, actor=STAFF, data=data)
        except DuplicateContact as refusal:
            prompt = duplicate_prompt(refusal)
        existing_id = existing.contact_id
    return existing_id, {**prompt, "channel": CHANNEL}


def test_use_existing_changes_nothing(slack: SlackHarness, sessions: sessionmaker[Session]) -> None:
    existing_id, prompt = duplicate_message(sessions)
    slack.action(ActionId.USE_EXISTING, message=prompt)
    answer = last_reply(slack)
    assert answer["replace_original"] is True
    assert answer["text"].startswith(
        "Using the existing contact: Dana Smith, (555) 201-3344. Nothing was changed."
    )
    assert row_count(sessions, Contact) == 1
    assert get(sessions, Contact, existing_id).emails == []


def test_merge_adds_the_new_details_to_the_match(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    existing_id, prompt = duplicate_message(sessions)
    slack.action(ActionId.MERGE, message=prompt)
    assert last_reply(slack)["text"].startswith("Updated: Dana Smith, (555) 201-3344.")
    merged = get(sessions, Contact, existing_id)
    assert row_count(sessions, Contact) == 1
    assert merged.emails == ["dana.new@example.com"]
    assert "Prefers mornings 🔧" in (merged.notes or "")


def test_create_separate_makes_a_second_contact(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    _, prompt = duplicate_message(sessions)
    slack.action(ActionId.CREATE_SEPARATE, message=prompt)
    assert last_reply(slack)["text"].startswith("Added: Dana Smith, (555) 201-3344.")
    assert row_count(sessions, Contact) == 2


# --- leads: qualify, convert, disqualify, snooze, log call -------------------------------------


def test_qualify_asks_the_stage_then_moves_the_lead(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    _, lead_id = dana_lead(sessions)
    lead_click(slack, ActionId.QUALIFY, lead_id)
    choice = last_reply(slack)
    assert labels(choice) == ["Needs analysis", "Estimate sent"]
    slack.action(ActionId.QUALIFY_AS, message={**choice, "channel": CHANNEL}, user=STAFF)
    lead = get(sessions, Lead, lead_id)
    assert (lead.status, lead.pipeline_stage) == (LeadStatus.working, PipelineStage.needs_analysis)
    assert last_reply(slack)["text"] == "Lead qualified — moving to needs analysis."


def test_convert_names_what_is_missing_then_asks_the_stage_amount_and_date(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    contact_id, lead_id = dana_lead(sessions, address=None)
    lead_click(slack, ActionId.CONVERT, lead_id)
    assert last_reply(slack)["text"] == (
        "Dana Smith needs a service address before the Leaky faucet lead can become a job."
    )
    assert slack.api.views == {}  # no form while the contact is incomplete
    assert get(sessions, Lead, lead_id).status == LeadStatus.new
    assert row_count(sessions, Opportunity) == 0
    with sessions.begin() as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        contact.address = "123 Main St"
    lead_click(slack, ActionId.CONVERT, lead_id)
    form = last_view(slack)
    assert form["callback_id"] == ViewId.CONVERT
    stage = next(b for b in form["blocks"] if b.get("block_id") == BlockId.STAGE)
    assert [o["text"]["text"] for o in stage["element"]["options"]] == [
        "Estimating",
        "Proposal sent",
        "Scheduled",
    ]
    assert stage["element"]["initial_option"]["value"] == "estimating"  # an inquiry
    values = {
        BlockId.STAGE: {ActionId.INPUT: static_select("scheduled")},
        BlockId.AMOUNT: {ActionId.INPUT: text_input("$2,400")},
        BlockId.EXPECTED_CLOSE_DATE: {ActionId.INPUT: datepicker(TODAY + timedelta(days=10))},
    }
    assert slack.submit_view(None, values, user=STAFF, view=form).body == ""
    assert last_reply(slack)["text"] == "Converted to a job: Leaky faucet (stage: scheduled)."
    # Only the staff member who converted sees this card: no Mark won, which is an owner's.
    assert labels(last_reply(slack)) == [b for b in JOB_BUTTONS if b != "Mark won"]
    assert "scheduled · $2,400" in shown(last_reply(slack))
    assert "Expected close: Thursday, March 12" in shown(last_reply(slack))
    assert get(sessions, Lead, lead_id).status == LeadStatus.converted
    with sessions() as session:
        deal = session.scalars(select(Opportunity)).one()
    assert (deal.stage, deal.amount, deal.expected_close_date) == (
        OpportunityStage.scheduled,
        Decimal("2400"),
        date(2026, 3, 12),
    )


def test_disqualify_asks_the_reason_in_a_form(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    _, lead_id = dana_lead(sessions)
    lead_click(slack, ActionId.DISQUALIFY, lead_id)
    (opened,) = slack.api.views.values()
    assert opened["callback_id"] == ViewId.DISQUALIFY
    values = {
        BlockId.DISQUALIFICATION_REASON: {ActionId.INPUT: static_select("budget")},
        BlockId.NOTES: {ActionId.INPUT: text_input("Wanted it for $50")},
    }
    reply = slack.submit_view(None, values, user=STAFF, view=opened)
    assert reply.status == 200 and reply.body == ""
    lead = get(sessions, Lead, lead_id)
    assert (lead.status, lead.disqualification_reason) == (
        LeadStatus.disqualified,
        DisqualificationReason.budget,
    )
    assert last_reply(slack)["text"] == "Lead disqualified — budget. The record stays."
    with sessions() as session:
        logged = session.scalars(select(Interaction).where(Interaction.lead_id == lead_id))
        assert "Lead disqualified — budget.\nWanted it for $50" in [i.body for i in logged]


def test_disqualify_reason_button_from_a_direct_message(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    _, lead_id = dana_lead(sessions)
    slack.action(ActionId.DISQUALIFY_REASON, f"{lead_id}:no_response", channel=f"D{STAFF}")
    assert get(sessions, Lead, lead_id).disqualification_reason == "no_response"
    assert last_reply(slack)["text"] == "Lead disqualified — no response. The record stays."
    slack.action(ActionId.DISQUALIFY_REASON, f"{lead_id}:budget", channel=f"D{STAFF}")
    assert last_reply(slack)["text"] == (
        "The Leaky faucet lead is already disqualified, so I can't disqualify it."
    )


def test_snooze_quiets_the_lead_for_three_days(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    _, lead_id = dana_lead(sessions)
    lead_click(slack, ActionId.SNOOZE, lead_id)
    assert get(sessions, Lead, lead_id).snoozed_until == TODAY + timedelta(days=3)
    assert last_reply(slack)["text"] == (
        "Snoozed the Leaky faucet lead until Thursday, March 5; no nudges before then."
    )


def test_log_call_opens_the_log_form_for_the_leads_contact(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    contact_id, lead_id = dana_lead(sessions)
    lead_click(slack, ActionId.LOG_CALL, lead_id)
    (opened,) = slack.api.views.values()
    assert opened["callback_id"] == ViewId.LOG_INTERACTION
    assert opened_where(opened) == {
        "channel": CHANNEL,
        "contact_id": contact_id,
        "lead_id": lead_id,
    }
    assert "With *Dana Smith*" in shown(opened)


def test_log_call_on_a_job_and_on_a_contact_logs_against_that_record(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    contact_id, lead_id = dana_lead(sessions)
    with sessions.begin() as session:
        lead = session.get(Lead, lead_id)
        deal_id = make_opportunity(session, TEAM, lead=lead, name="Faucet job").opportunity_id
    block = f"{BlockId.OPPORTUNITY_ACTIONS}-{deal_id}"
    slack.action(ActionId.LOG_CALL, deal_id, user=STAFF, block_id=block)
    (on_job,) = slack.api.views.values()
    assert opened_where(on_job) == {
        "channel": CHANNEL,
        "contact_id": contact_id,
        "opportunity_id": deal_id,
    }
    assert "With *Dana Smith*" in shown(on_job)
    entry = {
        BlockId.TYPE.value: {ActionId.INPUT.value: static_select("phone_call")},
        BlockId.BODY.value: {ActionId.INPUT.value: text_input("Agreed on Tuesday")},
    }
    assert slack.submit_view(None, entry, user=STAFF, view=on_job).body == ""
    slack.api.clear()
    slack.action(ActionId.LOG_CALL, contact_id, block_id=f"{BlockId.CONTACT_ACTIONS}-{contact_id}")
    (on_contact,) = slack.api.views.values()
    assert opened_where(on_contact) == {
        "channel": CHANNEL,
        "contact_id": contact_id,
    }
    entry[BlockId.BODY.value] = {ActionId.INPUT.value: text_input("Asked about gutters")}
    assert slack.submit_view(None, entry, user=STAFF, view=on_contact).body == ""
    with sessions() as session:
        logged = session.scalars(select(Interaction).order_by(Interaction.body)).all()
        assert [(i.body, i.contact_id, i.opportunity_id, i.lead_id) for i in logged] == [
            ("Agreed on Tuesday", contact_id, deal_id, lead_id),  # core links the job's lead
            ("Asked about gutters", contact_id, None, None),
        ]
    assert last_reply(slack)["text"] == "Logged a phone call with Dana Smith: Asked about gutters."


def test_draft_follow_up_on_a_job_and_not_from_a_contact(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    contact_id, lead_id = dana_lead(sessions)
    with sessions.begin() as session:
        lead = session.get(Lead, lead_id)
        deal_id = make_opportunity(session, TEAM, lead=lead, name="Faucet job").opportunity_id
    slack.action(ActionId.DRAFT_FOLLOW_UP, contact_id, block_id=f"{BlockId.CHOICE}-{contact_id}")
    assert last_reply(slack)["text"] == (
        "Choose the lead or job to follow up on; open it from the contact card."
    )
    assert row_count(sessions, Draft) == 0
    block = f"{BlockId.OPPORTUNITY_ACTIONS}-{deal_id}"
    slack.action(ActionId.DRAFT_FOLLOW_UP, deal_id, block_id=block)
    with sessions() as session:
        (draft,) = session.scalars(select(Draft))
        assert (draft.opportunity_id, draft.lead_id, draft.requested_by) == (
            deal_id,
            lead_id,
            STAFF,
        )
    (review,) = messages_to(slack.api, kind="message", channel=f"D{OWNER}")
    assert labels(review) == ["Approve", "Edit", "Discard"]
    assert last_reply(slack)["text"].startswith("I drafted a follow-up to Dana Smith.")


def test_log_entry_choice_logs_for_the_person_chosen(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    contact_id, _ = dana_lead(sessions)
    value = json.dumps(
        {"c": contact_id, "t": "phone_call", "s": "Wants a quote", "f": "2026-03-06"}
    )
    slack.action(ActionId.LOG_ENTRY, value, block_id=f"{BlockId.CHOICE}-{contact_id}")
    with sessions() as session:
        (logged,) = session.scalars(select(Interaction).where(Interaction.body == "Wants a quote"))
        assert (logged.contact_id, logged.type) == (contact_id, InteractionType.phone_call)
        assert (logged.follow_up_date, logged.follow_up_status) == (
            date(2026, 3, 6),
            FollowUpStatus.pending,
        )
    assert last_reply(slack)["text"].startswith("Logged a phone call with Dana Smith")


def test_open_contact_and_add_customer(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    contact_id, _ = dana_lead(sessions)
    slack.action(ActionId.OPEN_CONTACT, contact_id)
    assert "Dana Smith" in shown(last_reply(slack))
    slack.action(ActionId.ADD_CUSTOMER, "Pat Lee", channel=f"D{STAFF}")
    (opened,) = slack.api.views.values()
    assert opened["callback_id"] == ViewId.NEW_CUSTOMER


# --- follow-ups and reminders -----------------------------------------------------------------


def promised(sessions: sessionmaker[Session]) -> str:
    with sessions.begin() as session:
        contact = make_contact(session, TEAM)
        item = make_interaction(
            session,
            TEAM,
            contact=contact,
            type=InteractionType.phone_call,
            body="Call back about the quote",
            follow_up_date=TODAY,
            follow_up_status=FollowUpStatus.pending,
        )
        return item.interaction_id


def test_done_completes_the_follow_up(slack: SlackHarness, sessions: sessionmaker[Session]) -> None:
    item_id = promised(sessions)
    slack.action(ActionId.DONE, item_id, block_id=f"{BlockId.FOLLOW_UP_ACTIONS}-{item_id}")
    assert get(sessions, Interaction, item_id).follow_up_status == FollowUpStatus.completed
    assert last_reply(slack)["text"] == "Follow-up done: Call back about the quote."
    slack.action(ActionId.DONE, item_id)
    assert (
        last_reply(slack)["text"] == "That interaction has a follow-up that is already completed."
    )


def test_done_on_the_home_tab_is_answered_by_direct_message(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    item_id = promised(sessions)
    slack.home_opened(user=STAFF)
    home = slack.api.published[STAFF]
    slack.action(ActionId.DONE, view=home, user=STAFF)
    assert get(sessions, Interaction, item_id).follow_up_status == FollowUpStatus.completed
    (dm,) = messages_to(slack.api, kind="message", channel=STAFF)
    assert dm["text"] == "Follow-up done: Call back about the quote."


def test_reschedule_moves_the_follow_up_and_refuses_a_past_day(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    item_id = promised(sessions)
    slack.action(ActionId.RESCHEDULE, item_id)
    (opened,) = slack.api.views.values()
    assert opened["callback_id"] == ViewId.RESCHEDULE
    past = {BlockId.FOLLOW_UP_DATE: {ActionId.INPUT: datepicker(TODAY - timedelta(days=1))}}
    refused = slack.submit_view(None, past, user=STAFF, view=opened)
    assert refused.json()["errors"] == {
        BlockId.FOLLOW_UP_DATE: "The follow-up date 2026-03-01 is in the past; "
        "pick today (2026-03-02) or later."
    }
    assert get(sessions, Interaction, item_id).follow_up_date == TODAY
    friday = {BlockId.FOLLOW_UP_DATE: {ActionId.INPUT: datepicker(date(2026, 3, 6))}}
    slack.submit_view(None, friday, user=STAFF, view=opened)
    item = get(sessions, Interaction, item_id)
    assert (item.follow_up_date, item.follow_up_status) == (
        date(2026, 3, 6),
        FollowUpStatus.pending,
    )
    assert last_reply(slack)["text"] == "Follow-up moved to Friday, March 6."


def test_reminder_done(slack: SlackHarness, sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        reminder_id = make_reminder(session, TEAM, TODAY, note="Check back with Dana.").reminder_id
    slack.action(ActionId.REMINDER_DONE, reminder_id)
    assert get(sessions, Reminder, reminder_id).status == ReminderStatus.done
    assert last_reply(slack)["text"] == "Reminder done: Check back with Dana."


# --- mark lost and re-engage ------------------------------------------------------------------


def open_deal(sessions: sessionmaker[Session]) -> str:
    with sessions.begin() as session:
        contact = make_contact(session, TEAM, phones=["+15552013344"])
        return make_opportunity(
            session, TEAM, contact=contact, name="Bathroom remodel"
        ).opportunity_id


def mark_lost_form(slack: SlackHarness, deal_id: str) -> dict[str, Any]:
    slack.action(ActionId.MARK_LOST, deal_id, block_id=f"{BlockId.OPPORTUNITY_ACTIONS}-{deal_id}")
    (opened,) = slack.api.views.values()
    assert opened["callback_id"] == ViewId.MARK_LOST
    return opened


def reminders(sessions: sessionmaker[Session]) -> list[Reminder]:
    with sessions() as session:
        return list(session.scalars(select(Reminder)))


def test_mark_lost_with_the_90_day_reminder(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    deal_id = open_deal(sessions)
    values = {
        BlockId.LOSS_REASON: {ActionId.INPUT: static_select("price")},
        BlockId.REENGAGE_IN_DAYS: {ActionId.INPUT: checkboxes("90")},
    }
    reply = slack.submit_view(None, values, user=STAFF, view=mark_lost_form(slack, deal_id))
    assert reply.status == 200 and reply.body == ""
    deal = get(sessions, Opportunity, deal_id)
    assert (deal.stage, deal.loss_reason) == (OpportunityStage.lost, LossReason.price)
    (reminder,) = reminders(sessions)
    assert reminder.due_date == date(2026, 5, 31)  # 90 days after Monday, March 2
    answer = last_reply(slack)
    assert answer["response_type"] == "in_channel"
    assert answer["text"] == (
        "Opportunity lost — Bathroom remodel. Reason: price. The lead and contact stay on file. "
        "Reminder set: Check back with Dana Smith about Bathroom remodel (lost: price). "
        "Due Sunday, May 31."
    )


def test_mark_lost_without_the_reminder(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    deal_id = open_deal(sessions)
    values = {
        BlockId.LOSS_REASON: {ActionId.INPUT: static_select("timing")},
        BlockId.LOSS_NOTES: {ActionId.INPUT: text_input("Next spring maybe")},
        BlockId.REENGAGE_IN_DAYS: {ActionId.INPUT: checkboxes()},
    }
    slack.submit_view(None, values, user=STAFF, view=mark_lost_form(slack, deal_id))
    assert get(sessions, Opportunity, deal_id).loss_notes == "Next spring maybe"
    assert reminders(sessions) == []
    assert last_reply(slack)["text"] == (
        "Opportunity lost — Bathroom remodel. Reason: timing. The lead and contact stay on file."
    )
    assert labels(last_reply(slack)) == []


def test_mark_lost_needs_a_reason_and_refuses_a_closed_deal(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    deal_id = open_deal(sessions)
    opened = mark_lost_form(slack, deal_id)
    refused = slack.submit_view(None, {}, user=STAFF, view=opened)
    assert refused.json()["errors"] == {BlockId.LOSS_REASON: "Choose why the deal was lost."}
    assert get(sessions, Opportunity, deal_id).stage == OpportunityStage.estimating
    values = {BlockId.LOSS_REASON: {ActionId.INPUT: static_select("scope")}}
    slack.submit_view(None, values, user=STAFF, view=opened)
    slack.action(ActionId.MARK_LOST, deal_id)
    assert last_reply(slack)["text"] == "Bathroom remodel is already lost."


def test_the_re_engage_question_yes_twice_sets_one_reminder_and_no_sets_none(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    deal_id = open_deal(sessions)
    with sessions.begin() as session:
        deal = session.get(Opportunity, deal_id)
        assert deal is not None
        deal.stage, deal.loss_reason = OpportunityStage.lost, LossReason.competition
        question = "Want me to set a reminder to check back with Dana Smith in 90 days?"
        asked = {**lost_message(LostDeal(deal, None, question)), "channel": CHANNEL}
    slack.action(ActionId.REENGAGE_NO, message=asked)
    assert last_reply(slack)["text"] == "OK, no re-engage reminder." and reminders(sessions) == []
    slack.action(ActionId.REENGAGE_YES, message=asked)
    slack.action(ActionId.REENGAGE_YES, message=asked)
    (reminder,) = reminders(sessions)
    assert reminder.due_date == date(2026, 5, 31)
    assert reminder.note == "Check back with Dana Smith about Bathroom remodel (lost: competition)."
    assert last_reply(slack)["replace_original"] is True


def test_a_modal_answer_falls_back_to_a_dm_when_the_channel_refuses(
    slack: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    _, lead_id = dana_lead(sessions)
    values = {BlockId.DISQUALIFICATION_REASON: {ActionId.INPUT: static_select("timing")}}
    metadata = json.dumps({"id": lead_id, "c": CHANNEL})  # opened where no response_url is left
    slack.api.fail_next("chat.postEphemeral", error="not_in_channel")
    reply = slack.submit_view(ViewId.DISQUALIFY, values, metadata, user=STAFF)
    assert reply.status == 200 and reply.body == ""
    assert get(sessions, Lead, lead_id).status == LeadStatus.disqualified
    (dm,) = messages_to(slack.api, kind="message", channel=STAFF)
    assert dm["text"] == "Lead disqualified — timing. The record stays."

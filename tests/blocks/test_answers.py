"""Short answers: what was done, whom a name could mean (a choice, never a guess), or why not."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from bot.blocks import answers
from bot.blocks.limit_check import limit_violations
from bot.ids import ActionId
from core.activity.flows import LoggedWith
from core.common.enums import InteractionType, LeadStatus, OpportunityStage
from core.contacts.history import ContactCard
from core.contacts.lookups import LastTouch
from core.contacts.person_lookup import LastTouchLookup, LeadLookup, PersonLookup
from core.drafts.compose import FollowUpDraft
from core.leads.decisions import Conversion
from core.leads.quick_capture import LogEntry
from core.models import Draft, Interaction, Opportunity, Reminder
from core.reports.rows import Touchpoint
from tests.blocks.test_cards import NY, TEN_KB, a_lead, dana
from tests.bot.harness import (
    block_texts,
    iter_buttons,
    labels,
)

TODAY = date(2026, 3, 2)

JOB_BUTTONS = ["Log call", "Draft follow-up", "Edit job", "Mark won", "Mark lost"]
CONTACT_BUTTONS = ["Log call", "Edit", "Merge into…", "Archive", "Do not contact"]


def values(message: dict[str, object]) -> list[str]:
    return [str(b.get("value")) for b in iter_buttons(message["blocks"])]  # type: ignore[arg-type]


# --- whom a name means ----------------------------------------------------------------------------


def test_a_person_lookup_is_the_card_a_choice_close_spellings_or_nobody() -> None:
    smith, jones = dana(), dana(contact_id="ct_jones", last_name="Jones")
    card = answers.person_lookup_message(
        PersonLookup("Dana Smith", card=ContactCard(smith, None, [], None, None))
    )
    assert block_texts(card["blocks"])[0] == "Dana Smith" and labels(card) == CONTACT_BUTTONS
    choice = answers.person_lookup_message(PersonLookup("Dana", candidates=[smith, jones]))
    assert choice["text"] == "Which Dana? 2 people match."
    assert values(choice) == ["ct_dana", "ct_jones"] and set(labels(choice)) == {"Open contact"}
    near = answers.person_lookup_message(
        PersonLookup("Dana Smyth", candidates=[smith], near_misses=True)
    )
    assert near["text"] == "No one is called “Dana Smyth”. Did you mean one of these?"
    nobody = answers.person_lookup_message(PersonLookup("Zed"))
    assert nobody["text"].startswith("I couldn't find anyone called “Zed”.")
    assert labels(nobody) == ["Add customer"]


def test_a_lead_lookup_offers_the_leads_or_says_why_there_is_none() -> None:
    smith = dana()
    two = LeadLookup("Dana", leads=[a_lead(smith), a_lead(smith, lead_id="ld_2")])
    choice = answers.lead_lookup_message(two, action_id=ActionId.CONVERT, label="Convert")
    assert choice["text"] == "Which Dana lead? 2 open leads match."
    assert values(choice) == ["ld_1", "ld_2"] and set(labels(choice)) == {"Convert"}
    none_open = LeadLookup("Dana", people=[smith, dana(contact_id="ct_2", last_name="Jones")])
    said = answers.lead_lookup_message(none_open, action_id=ActionId.CONVERT, label="Convert")
    assert said["text"] == "Dana Smith and Dana Jones have no open leads."
    nobody = answers.lead_lookup_message(LeadLookup("Zed"), action_id=ActionId.CONVERT, label="x")
    assert nobody["text"].startswith("I couldn't find anyone called “Zed”.")


def test_log_a_call_and_last_touch_answer_for_one_person_and_ask_among_several() -> None:
    smith, jones = dana(), dana(contact_id="ct_jones", last_name="Jones")
    one = answers.log_call_answer([smith], "Dana")
    assert one["text"] == (
        "Log a call with Dana Smith. How did it go? Any next steps or follow-up needed?"
    )
    several = answers.log_call_answer([smith, jones], "Dana")
    assert set(labels(several)) == {"Log call"} and values(several) == ["ct_dana", "ct_jones"]
    assert answers.log_call_answer([], "Zed")["text"].startswith("I couldn't find anyone")
    asked = answers.last_touch_answer(LastTouchLookup("Dana", [smith, jones]))
    assert set(labels(asked)) == {"Open contact"}


def test_what_was_logged_or_whom_the_line_could_mean() -> None:
    logged = Interaction(type=InteractionType.sms, body="On my way", follow_up_date=None)
    done = answers.logged_answer(LoggedWith("Dana", TODAY, logged, "Dana Smith"))
    assert done["text"] == "Logged a text message with Dana Smith: On my way."
    entry = LogEntry(InteractionType.phone_call, "Dana", "Left a voicemail 🔧", None)
    smith, jones = dana(), dana(contact_id="ct_jones", last_name="Jones")
    choice = answers.logged_answer(
        LoggedWith("Dana", TODAY, candidates=[smith, jones], entry=entry)
    )
    assert set(labels(choice)) == {"Log it"}
    assert all('"s":"Left a voicemail' in value for value in values(choice))
    nobody = answers.logged_answer(LoggedWith("Zed", TODAY, entry=entry))
    assert nobody["text"].startswith("I couldn't find anyone called “Zed”.")


# --- what was done --------------------------------------------------------------------------------


def test_a_conversion_is_the_new_job_or_what_the_contact_lacks() -> None:
    lead = a_lead(dana())
    missing = answers.conversion_message(Conversion(lead, missing=["a service address"]))
    assert missing["text"] == (
        "Dana Smith needs a service address before the Leaky faucet at 123 Main lead can "
        "become a job."
    )
    assert labels(missing) == ["Open contact"]
    job = Opportunity(opportunity_id="op_1", name="Leaky faucet", stage=OpportunityStage.estimating)
    job.contact = dana()
    made = answers.conversion_message(Conversion(lead, opportunity=job))
    assert made["text"] == "Converted to a job: Leaky faucet (stage: estimating)."
    assert labels(made) == JOB_BUTTONS


def test_the_one_line_answers() -> None:
    lead = a_lead(dana(), snoozed_until=date(2026, 3, 5), status=LeadStatus.working)
    assert answers.snoozed_text(lead, TODAY) == (
        "Snoozed the Leaky faucet at 123 Main lead until Thursday, March 5; no nudges before then."
    )
    item = Interaction(subject=None, body="Call back  about\nthe quote", follow_up_date=TODAY)
    assert answers.follow_up_done_text(item) == "Follow-up done: Call back about the quote."
    assert answers.follow_up_done_text(Interaction()) == "Follow-up done."
    moved = Interaction(follow_up_date=date(2026, 3, 6))
    assert answers.follow_up_moved_text(moved, TODAY) == "Follow-up moved to Friday, March 6."
    reminder = Reminder(note="Check back with Dana.", due_date=TODAY)
    assert answers.reminder_done_text(reminder) == "Reminder done: Check back with Dana."


def test_answers_stay_inside_the_limits_on_huge_inputs() -> None:
    big = {"first_name": TEN_KB[:200], "last_name": TEN_KB[:200], "address": TEN_KB[:500]}
    people = [dana(contact_id=f"ct_{n}", **big) for n in range(500)]
    leads = [
        a_lead(person, lead_id=f"ld_{n}", title=TEN_KB[:200], estimated_value=Decimal("1e9"))
        for n, person in enumerate(people)
    ]
    entry = LogEntry(InteractionType.phone_call, TEN_KB[:200], TEN_KB, None)
    for message in (
        answers.person_lookup_message(PersonLookup(TEN_KB, candidates=people)),
        answers.lead_lookup_message(
            LeadLookup(TEN_KB, leads=leads), action_id=ActionId.CONVERT, label="Convert"
        ),
        answers.lead_lookup_message(
            LeadLookup(TEN_KB, people=people), action_id=ActionId.CONVERT, label="Convert"
        ),
        answers.logged_answer(LoggedWith(TEN_KB, TODAY, candidates=people, entry=entry)),
        answers.log_call_answer(people, TEN_KB),
        answers.conversion_message(Conversion(leads[0], missing=["a phone number"] * 3)),
        answers.notice(TEN_KB),
        answers.nobody_found(TEN_KB),
    ):
        assert limit_violations(message) == [], message["text"][:80]


def test_follow_up_request_shows_the_last_touchpoint_and_the_review_notice() -> None:
    draft = Draft(draft_id="dr_1", body="Hi Dana")
    touch = Touchpoint(
        "ix_1",
        InteractionType.phone_call,
        datetime(2026, 3, 2, 2, tzinfo=UTC),
        date(2026, 3, 1),
        "Quote",
    )
    result = FollowUpDraft(draft, "Dana Smith", touch, "inquiry", True)
    message = answers.follow_up_requested(
        result, a_lead(dana()).title, zone=NY, today=date(2026, 3, 4)
    )
    # 02:00 UTC on March 2 is still Sunday, March 1 in New York.
    assert message["text"] == (
        "Last touchpoint with Dana Smith: phone call on Sunday, March 1 (3 days ago) — Quote\n"
        "Draft sent to the owners for review."
    )
    none_yet = FollowUpDraft(draft, "Dana Smith", None, "inquiry", True)
    assert answers.follow_up_requested(none_yet, a_lead().title, zone=NY, today=date(2026, 3, 4))[
        "text"
    ].startswith("Last touchpoint with Dana Smith: none logged yet.")


def test_last_touch_card_and_logged_reply() -> None:
    touch = Touchpoint(
        "ix_1", InteractionType.meeting, datetime(2026, 3, 2, tzinfo=UTC), date(2026, 3, 1), "Walk"
    )
    last = LastTouch("ct_dana", "Dana Smith", date(2026, 3, 4), touch, 3)
    message = answers.last_touch_card(last)
    assert message["text"] == (
        "Last touchpoint with Dana Smith: meeting on Sunday, March 1 (3 days ago) — Walk."
    )
    assert labels(message) == ["Log call", "Open contact"]
    logged = Interaction(
        type=InteractionType.phone_call, body="Wants a quote", follow_up_date=date(2026, 3, 6)
    )
    assert answers.logged_interaction(logged, "Dana Smith", today=date(2026, 3, 2))["text"] == (
        "Logged a phone call with Dana Smith: Wants a quote. Follow-up set for Friday, March 6."
    )

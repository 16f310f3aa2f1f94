"""Lists: choices, search results, newest customers, `/followups`, and the pipeline message."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bot.blocks import lists
from bot.blocks.digests import PAST_DUE_SHOWN, pipeline_digest_messages
from bot.blocks.limit_check import limit_violations
from bot.blocks.lists import FollowUpPart, followups_list, parse_followups_args
from bot.blocks.pipeline import pipeline_message
from bot.ids import ActionId
from bot.values import LogEntryChoice, decode
from core.activity.reminders import DueReminders
from core.common.enums import InteractionType, LeadStatus, Outcome, PipelineStage
from core.contacts.lookups import CustomerSummary
from core.leads.quick_capture import LogEntry
from core.models import Contact, Reminder
from core.reports.followups import FollowUpItem, FollowUpKind, FollowUpList
from core.reports.stale_leads import StaleLead, StaleLeadReport
from core.reports.summaries import OldestOpenLead, PastDueLead, PipelineSummary
from tests.blocks.test_cards import EMOJI, TEN_KB, a_lead, dana
from tests.bot.harness import block_texts, iter_buttons, labels

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 14, tzinfo=UTC)


def follow_up(
    n: int, *, late: int = 0, name: str = "Dana Smith", owner: str | None = None
) -> FollowUpItem:
    return FollowUpItem(
        interaction_id=f"ix_{late}_{n}",
        contact_id="ct_dana",
        contact_name=name,
        lead_id="ld_1",
        lead_title="Faucet",
        opportunity_id=None,
        interaction_type=InteractionType.phone_call,
        outcome=Outcome.none,
        topic="quote",
        follow_up_date=TODAY - timedelta(days=late),
        days_overdue=late,
        kind=FollowUpKind.call_back,
        owner=owner,
    )


def stale_lead(n: int, *, title: str = "Gutter", owner: str | None = None) -> StaleLead:
    return StaleLead(
        lead_id=f"ld_stale_{n}",
        title=title,
        contact_id="ct_dana",
        contact_name="Dana Smith",
        created_on=date(2026, 2, 1),
        last_touch_at=datetime(2026, 2, 1, tzinfo=UTC),
        days_since=29,
        last_touch=None,
        today=TODAY,
        owner=owner,
    )


def report(items: list[StaleLead], total: int | None = None) -> StaleLeadReport:
    total = len(items) if total is None else total
    return StaleLeadReport(TODAY, date(2026, 2, 25), 3, tuple(items), total)


def test_contact_choice_offers_one_button_per_person_not_a_guess() -> None:
    people = [dana(contact_id="ct_1", address="1 Elm"), dana(contact_id="ct_2", last_name="Jones")]
    message = lists.contact_choice(
        people, name="Dana", action_id=ActionId.OPEN_CONTACT, label="Open contact"
    )
    assert message["text"] == "Which Dana? 2 people match."
    assert [(b["value"], b["action_id"]) for b in iter_buttons(message["blocks"])] == [
        ("ct_1", "crm-open-contact"),
        ("ct_2", "crm-open-contact"),
    ]
    shown = block_texts(message["blocks"])
    assert "*Dana Smith* · (555) 201-3344 · dana@example.com\n1 Elm" in shown
    assert limit_violations(message) == []


def test_a_choice_among_many_people_is_cut() -> None:
    people = [dana(contact_id=f"ct_{n}", first_name=TEN_KB[:200]) for n in range(40)]
    message = lists.contact_choice(
        people, name=TEN_KB, action_id=ActionId.OPEN_CONTACT, label=TEN_KB
    )
    assert len(list(iter_buttons(message["blocks"]))) == 10
    assert limit_violations(message) == []
    assert block_texts(message["blocks"])[-1].startswith("…and 30 more.")


def test_log_entry_choice_carries_the_parsed_entry_and_reads_back() -> None:
    entry = LogEntry(
        InteractionType.phone_call, "Dana", "wants a quote “asap” 🔧", date(2026, 3, 6)
    )
    people = [dana(contact_id="ct_1"), dana(contact_id="ct_2", last_name="Jones")]
    message = lists.log_entry_choice(people, entry)
    buttons = list(iter_buttons(message["blocks"]))
    assert [b["action_id"] for b in buttons] == ["crm-log-entry", "crm-log-entry"]
    chosen = decode(LogEntryChoice, buttons[1]["value"])
    assert chosen == LogEntryChoice(
        "ct_2", InteractionType.phone_call, "wants a quote “asap” 🔧", date(2026, 3, 6)
    )


def test_a_log_entry_too_long_for_a_button_opens_the_form_instead() -> None:
    entry = LogEntry(InteractionType.note, "Dana", "x" * 2500, None)
    message = lists.log_entry_choice([dana(contact_id="ct_1"), dana(contact_id="ct_2")], entry)
    assert [(b["action_id"], b["value"]) for b in iter_buttons(message["blocks"])] == [
        ("crm-log-call", "ct_1"),
        ("crm-log-call", "ct_2"),
    ]
    assert "paste it into the form" in message["text"]
    assert limit_violations(message) == []


def test_lead_choice_and_search_results_carry_the_lead_buttons() -> None:
    leads = [a_lead(dana(), lead_id=f"ld_{n}", title=f"Job {n}") for n in range(3)]
    choice = lists.lead_choice(
        leads, name="Dana", action_id=ActionId.DRAFT_FOLLOW_UP, label="Draft follow-up"
    )
    assert choice["text"] == "Which Dana lead? 3 open leads match."
    assert [b["value"] for b in iter_buttons(choice["blocks"])] == ["ld_0", "ld_1", "ld_2"]
    leads[2].status = LeadStatus.converted
    found = lists.lead_search_results(leads, "job")
    assert found["text"] == "Leads matching “job” (3):"
    assert labels(found).count("Convert") == 2  # the converted lead has no buttons
    nothing = lists.lead_search_results([], "zebra")
    assert nothing["text"].startswith("No leads match “zebra”.")


def test_search_results_on_huge_inputs_stay_inside_the_limits() -> None:
    contact = dana(first_name=TEN_KB[:200])
    leads = [a_lead(contact, lead_id=f"ld_{n}", title=TEN_KB[:200]) for n in range(500)]
    found = lists.lead_search_results(leads, TEN_KB)
    assert limit_violations(found) == []
    assert block_texts(found["blocks"])[-1] == "…and 485 more — add words to narrow the search."


def test_newest_customers_list() -> None:
    customers = [
        CustomerSummary("ct_1", "Dana Smith", "+15552013344", "dana@example.com", NOW),
        CustomerSummary("ct_2", "Sam Lee", None, None, NOW),
    ]
    message = lists.newest_customers_list(customers)
    assert message["text"] == (
        "Newest customers:\n— Dana Smith (+15552013344, dana@example.com)\n— Sam Lee"
    )
    shown = block_texts(message["blocks"])
    assert "*Dana Smith* · (555) 201-3344 · dana@example.com" in shown
    assert [b["value"] for b in iter_buttons(message["blocks"])] == ["ct_1", "ct_2"]
    assert lists.newest_customers_list([])["text"].startswith("No customers yet")
    many = [CustomerSummary(f"ct_{n}", TEN_KB[:200], None, TEN_KB, NOW) for n in range(80)]
    assert limit_violations(lists.newest_customers_list(many)) == []


def test_followups_lists_each_part_with_its_buttons() -> None:
    followups = FollowUpList(TODAY, (follow_up(1),), (follow_up(1, late=2),))
    message = followups_list(followups, report([stale_lead(1)]))
    shown = block_texts(message["blocks"])
    assert message["text"] == "Today's follow-ups: 1; overdue: 1; stale leads: 1"
    assert shown[0] == "*Today's follow-ups:*"
    assert "— Call back Dana Smith re: quote" in shown
    assert "*Overdue:*" in shown and "— Call back Dana Smith re: quote (2 days late)" in shown
    assert "*Stale leads (1):*" in shown
    assert any(t.startswith("Heads up: the Gutter lead from Dana Smith") for t in shown)
    assert labels(message)[:4] == ["Done", "Reschedule", "Done", "Reschedule"]
    assert "Draft follow-up" in labels(message) and "Snooze" in labels(message)
    assert limit_violations(message) == []


def test_nothing_to_follow_up_says_each_list_was_looked_at() -> None:
    message = followups_list(FollowUpList(TODAY, (), ()), report([]))
    assert block_texts(message["blocks"]) == [
        "*Today's follow-ups:* none",
        "*Overdue:* none",
        "*Stale leads:* none",
        "Nothing else promised for the next 7 days.",
    ]


def test_what_is_coming_up_is_counted_and_pointed_at() -> None:
    message = followups_list(FollowUpList(TODAY, (), ()), report([]), coming_up=3)
    assert block_texts(message["blocks"])[-1] == (
        "3 more promised for the next 7 days — type `/followups upcoming` to see them."
    )


def test_500_stale_leads_and_long_lists_are_cut_with_the_command_to_see_them() -> None:
    due = tuple(follow_up(n, name=TEN_KB[:200]) for n in range(60))
    overdue = tuple(follow_up(n, late=3) for n in range(60))
    stale = report([stale_lead(n, title=TEN_KB[:200]) for n in range(500)])
    message = followups_list(FollowUpList(TODAY, due, overdue), stale)
    assert limit_violations(message) == []
    shown = block_texts(message["blocks"])
    assert "…and 53 more due today — type `/followups due` to list them." in shown
    assert "…and 53 more overdue — type `/followups overdue` to list them." in shown
    assert "…and 493 more stale leads — type `/followups stale` to list them." in shown


def test_a_report_listing_fewer_than_it_counts_says_how_many_more() -> None:
    stale = report([stale_lead(n) for n in range(3)], total=40)
    shown = block_texts(followups_list(FollowUpList(TODAY, (), ()), stale)["blocks"])
    assert "…and 37 more stale leads — type `/followups stale` to list them." in shown


def test_one_part_page_by_page() -> None:
    stale = report([stale_lead(n) for n in range(50)])
    empty = FollowUpList(TODAY, (), ())
    first = followups_list(empty, stale, part=FollowUpPart.stale)
    third = followups_list(empty, stale, part=FollowUpPart.stale, page=3)
    assert limit_violations(first) == [] and limit_violations(third) == []
    assert block_texts(first["blocks"])[-1] == (
        "…and 28 more stale leads — type `/followups stale 2` for the next page."
    )
    assert block_texts(third["blocks"])[0] == "*Stale leads (50):* page 3"
    assert len([b for b in iter_buttons(third["blocks"]) if b["text"]["text"] == "Snooze"]) == 6
    beyond = followups_list(empty, stale, part=FollowUpPart.stale, page=9)
    assert block_texts(beyond["blocks"])[-1] == "Nothing stale leads here."


def test_followups_arguments() -> None:
    assert parse_followups_args("") == (None, 1)
    assert parse_followups_args("stale 2") == (FollowUpPart.stale, 2)
    assert parse_followups_args("Overdue") == (FollowUpPart.overdue, 1)
    assert parse_followups_args("whatever 0") == (None, 1)


def summary(past: int = 0, title: str = "Faucet") -> PipelineSummary:
    return PipelineSummary(
        today=TODAY,
        window_start=NOW - timedelta(days=7),
        window_end=NOW,
        first_close_date=date(2026, 2, 24),
        new_leads=3,
        follow_up_count=2,
        follow_up_avg_age_days=Decimal("4.5"),
        proposals_out_count=1,
        proposals_out_value=Decimal("1250"),
        won_count=1,
        won_value=Decimal("800"),
        lost_count=0,
        oldest_open_lead=OldestOpenLead(
            "ld_old", "Old job", "ct_dana", "Dana Smith", 40, PipelineStage.follow_up
        ),
        past_expected_close=tuple(
            PastDueLead(
                f"ld_p{n}",
                title,
                "ct_dana",
                "Dana Smith",
                PipelineStage.inquiry,
                date(2026, 2, 1),
                29,
            )
            for n in range(past)
        ),
        past_expected_close_total=past,
    )


def test_the_pipeline_message_keeps_the_procedures_lines() -> None:
    message = pipeline_message(summary(past=2))
    shown = "\n".join(block_texts(message["blocks"]))
    for line in (
        "Pipeline — Monday, March 2, 2026",
        "New leads this week: 3",
        "Leads in follow-up: 2 (avg age: 4.5 days)",
        "Proposals out: 1 (total value: $1,250)",
        "Won this week: 1 ($800)",
        "Lost this week: 0",
        "Oldest open lead: Dana Smith — 40 days, stage: follow up",
        "*Past expected close (2):*",
        "— Dana Smith: *Faucet* — expected Sunday, February 1 (29 days past)",
    ):
        assert line in shown
    assert "Past expected close:" in message["text"]
    assert [
        b["value"] for b in iter_buttons(message["blocks"]) if b["text"]["text"] == "Convert"
    ] == [
        "ld_old",
        "ld_p0",
        "ld_p1",
    ]
    assert limit_violations(message) == []


def test_a_long_past_due_list_is_paged() -> None:
    message = pipeline_message(summary(past=500, title=TEN_KB[:200] + EMOJI))
    assert limit_violations(message) == []
    assert block_texts(message["blocks"])[-1] == (
        "…and 480 more past their expected close date — type `/pipeline 2` to list them."
    )
    last = pipeline_message(summary(past=45), page=3)
    assert "*Past expected close (45):* page 3" in block_texts(last["blocks"])
    assert len([b for b in iter_buttons(last["blocks"]) if b["text"]["text"] == "Snooze"]) == 6


def test_the_pipeline_pages_count_from_the_total_of_late_leads() -> None:
    # `/pipeline 2`: the summary holds the second page of 20 from 45 late leads.
    loaded = replace(summary(past=20), past_expected_close_total=45, past_expected_close_offset=20)
    second = pipeline_message(loaded, page=2)
    shown = block_texts(second["blocks"])
    assert "*Past expected close (45):* page 2" in shown
    assert len([b for b in iter_buttons(second["blocks"]) if b["text"]["text"] == "Snooze"]) == 21
    assert shown[-1] == (
        "…and 5 more past their expected close date — type `/pipeline 3` to list them."
    )
    assert second["text"].count("— Dana Smith: Faucet") == 20
    # The weekly digest: the first PAST_DUE_SHOWN of 1,000 and how many more.
    digest = pipeline_digest_messages(
        replace(summary(past=PAST_DUE_SHOWN), past_expected_close_total=1000)
    )
    text = digest[0]["text"]
    assert text.count("— Dana Smith: Faucet") == PAST_DUE_SHOWN
    assert text.endswith(f"…and {1000 - PAST_DUE_SHOWN} more past their expected close date.")


def test_followups_lists_cut_by_a_limit_count_from_their_totals() -> None:
    due = tuple(follow_up(n) for n in range(7))
    overdue = tuple(follow_up(n, late=3) for n in range(7))
    loaded = FollowUpList(TODAY, due, overdue, due_today_count=9, overdue_count=1200)
    message = followups_list(loaded, report([]))
    assert message["text"] == "Today's follow-ups: 9; overdue: 1200; stale leads: 0"
    shown = block_texts(message["blocks"])
    assert "…and 2 more due today — type `/followups due` to list them." in shown
    assert "…and 1193 more overdue — type `/followups overdue` to list them." in shown
    # `/followups overdue 2`: the handler loaded 44; the page shows 23 to 44 and says what is left.
    page_two = tuple(follow_up(n, late=3) for n in range(44))
    loaded = FollowUpList(TODAY, (), page_two, due_today_count=0, overdue_count=50)
    second = followups_list(loaded, report([]), part=FollowUpPart.overdue, page=2)
    assert block_texts(second["blocks"])[0] == "*Overdue:* page 2"
    assert labels(second).count("Done") == 22
    assert block_texts(second["blocks"])[-1] == (
        "…and 6 more overdue — type `/followups overdue 3` for the next page."
    )


def reminder(n: int, due: date, *, note: str = "Check back") -> Reminder:
    who = Contact(contact_id=f"ct_{n}", workspace_id="T0TEST", first_name="Bo", last_name="Chen")
    return Reminder(
        reminder_id=f"rm_{n}",
        due_date=due,
        note=f"{note} {n}",
        contact=who,
        contact_id=who.contact_id,
    )


def test_reminders_are_listed_page_by_page_with_done() -> None:
    items = tuple(reminder(n, date(2026, 2, 1) + timedelta(days=n)) for n in range(30))
    first = lists.reminders_list(DueReminders(TODAY, items[:22], 30))
    shown = block_texts(first["blocks"])
    assert first["text"] == "Re-engage reminders due: 30"
    assert shown[0] == "*Re-engage reminders due (30):*"
    assert shown[1] == "— Check back with Bo Chen: Check back 0 (due Sunday, February 1)"
    assert [b["value"] for b in iter_buttons(first["blocks"])][:2] == ["rm_0", "rm_1"]
    assert labels(first) == ["Done"] * 22
    assert (
        shown[-1] == "…and 8 more reminders due — type `/followups reminders 2` for the next page."
    )
    second = lists.reminders_list(DueReminders(TODAY, items, 30), page=2)
    assert block_texts(second["blocks"])[0] == "*Re-engage reminders due (30):* page 2"
    assert labels(second) == ["Done"] * 8
    beyond = lists.reminders_list(DueReminders(TODAY, items, 30), page=5)
    assert block_texts(beyond["blocks"])[-1] == "Nothing more due here."
    none = lists.reminders_list(DueReminders(TODAY, (), 0))
    assert block_texts(none["blocks"]) == ["No re-engage reminders are due."]
    huge = tuple(reminder(n, TODAY, note=TEN_KB[:500] + EMOJI) for n in range(22))
    assert limit_violations(lists.reminders_list(DueReminders(TODAY, huge, 900))) == []
    assert parse_followups_args("Reminders 3") == (FollowUpPart.reminders, 3)
    with pytest.raises(ValueError, match="their own lists"):
        followups_list(FollowUpList(TODAY, (), ()), report([]), part=FollowUpPart.reminders)

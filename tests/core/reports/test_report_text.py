"""The report texts, rendered from hand-made results (no database, no clock)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from core.common.enums import InteractionType, LeadSource, OpportunityStage, Outcome, PipelineStage
from core.contacts.lookups import LastTouch
from core.reports.followups import FollowUpItem, FollowUpKind, FollowUpList, followup_kind
from core.reports.rows import Touchpoint, shorten, summarize
from core.reports.stale_leads import StaleLead, StaleLeadReport
from core.reports.summaries import OldestOpenLead, PastDueLead, PipelineSummary
from core.reports.win_loss import ReasonCount, SourceAmount, SourceCount, WinLossSummary
from core.reports.wording import (
    TOUCH_WORDS,
    days,
    followup_line,
    friendly_date,
    nudge_text,
    render_followups,
    render_last_touchpoint,
    render_pipeline_summary,
    render_stale_leads,
    render_win_loss,
)

TODAY = date(2026, 11, 30)
AT = datetime(2026, 11, 23, 20, tzinfo=UTC)


def _touch(
    summary: str = "wants a quote", kind: InteractionType = InteractionType.phone_call
) -> Touchpoint:
    return Touchpoint("ix_1", kind, AT, date(2026, 11, 23), summary)


def _stale(**changes: object) -> StaleLead:
    item = StaleLead(
        lead_id="ld_1",
        title="Leaky faucet",
        contact_id="ct_1",
        contact_name="Dana Smith",
        created_on=date(2026, 11, 2),
        last_touch_at=AT,
        days_since=7,
        last_touch=_touch(),
        today=TODAY,
    )
    return replace(item, **changes)  # type: ignore[arg-type]


def test_dates_and_day_counts() -> None:
    assert friendly_date(date(2026, 11, 24), TODAY) == "Tuesday, November 24"
    assert friendly_date(date(2025, 12, 31), TODAY) == "Wednesday, December 31, 2025"
    assert friendly_date(date(2026, 1, 5)) == "Monday, January 5, 2026"
    assert [days(0), days(1), days(2)] == ["0 days", "1 day", "2 days"]


def test_every_interaction_type_has_words() -> None:
    assert set(TOUCH_WORDS) == set(InteractionType)


def test_shorten_cuts_at_a_word() -> None:
    assert shorten("  a   b\n c ", 120) == "a b c"
    assert shorten("alpha beta gamma delta", 13) == "alpha beta…"
    assert len(shorten("x" * 500, 120)) == 120


def test_one_summary_rule_for_card_drafts_and_reports() -> None:
    assert summarize("Wants a quote", "Callback", "ignored") == "Wants a quote"
    assert (
        summarize(None, "Callback", "Wants a quote   by\nFriday")
        == "Callback: Wants a quote by Friday"
    )
    assert summarize("  ", None, "Asked re tile") == "Asked re tile"
    assert summarize(None, "Heater model", None) == "Heater model"
    assert summarize(None, None, None) == ""
    long = summarize(None, None, "word " * 2000)
    assert len(long) <= 120 and long.endswith("word…")


def test_the_nudge() -> None:
    assert nudge_text(_stale()) == (
        "Heads up: the Leaky faucet lead from Dana Smith has had no activity in 7 days. "
        "Last touchpoint: phone call on Monday, November 23 — wants a quote. "
        "Want me to draft a follow-up message?"
    )
    asked = _stale(last_touch=_touch("Can you come Friday?", InteractionType.email_inbound))
    assert (
        "Last touchpoint: email from them on Monday, November 23 — Can you come Friday? Want"
        in (nudge_text(asked))
    )
    bare = _stale(last_touch=_touch("", InteractionType.sms), contact_name=None)
    assert nudge_text(bare) == (
        "Heads up: the Leaky faucet lead from unknown contact has had no activity in 7 days. "
        "Last touchpoint: text message on Monday, November 23. "
        "Want me to draft a follow-up message?"
    )
    never = _stale(last_touch=None, days_since=28)
    assert (
        "in 28 days. Last touchpoint: none logged since it came in on Monday, November 2. Want"
        in (nudge_text(never))
    )


def test_stale_list_counts_the_rest() -> None:
    report = StaleLeadReport(TODAY, date(2026, 11, 24), 3, (_stale(),), total=2)
    assert render_stale_leads(report) == nudge_text(_stale()) + "\n\n…and 1 more stale lead."


def _followup(kind: FollowUpKind, late: int = 0, topic: str = "wants a quote") -> FollowUpItem:
    return FollowUpItem(
        interaction_id="ix_1",
        contact_id="ct_1",
        contact_name="Dana Smith",
        lead_id=None,
        lead_title=None,
        opportunity_id=None,
        interaction_type=InteractionType.phone_call,
        outcome=Outcome.none,
        topic=topic,
        follow_up_date=date(2026, 11, 30 - late),
        days_overdue=late,
        kind=kind,
    )


def test_followup_lines() -> None:
    call, proposal, other = FollowUpKind.call_back, FollowUpKind.proposal, FollowUpKind.follow_up
    assert followup_line(_followup(call), TODAY) == "— Call back Dana Smith re: wants a quote"
    assert followup_line(_followup(proposal), TODAY) == "— Dana Smith expects a proposal by today"
    assert followup_line(_followup(other), TODAY) == "— Follow up with Dana Smith re: wants a quote"
    assert followup_line(_followup(call, late=1), TODAY) == (
        "— Call back Dana Smith re: wants a quote (1 day late)"
    )
    assert followup_line(_followup(proposal, late=3), TODAY) == (
        "— Dana Smith expected a proposal by Friday, November 27 (3 days late)"
    )
    assert followup_line(_followup(other, topic=""), TODAY) == "— Follow up with Dana Smith"
    only_late = FollowUpList(TODAY, (), (_followup(other, late=2),))
    assert render_followups(only_late) == (
        "Today's follow-ups: none\n"
        "\n"
        "Overdue:\n"
        "— Follow up with Dana Smith re: wants a quote (2 days late)"
    )


@pytest.mark.parametrize(
    ("kind", "outcome", "lead_stage", "opp_stage", "expected"),
    [
        (InteractionType.phone_call, Outcome.spoke, None, None, FollowUpKind.call_back),
        (InteractionType.sms, Outcome.left_voicemail, None, None, FollowUpKind.call_back),
        (InteractionType.phone_call, Outcome.sent_proposal, None, None, FollowUpKind.proposal),
        (
            InteractionType.phone_call,
            Outcome.none,
            PipelineStage.estimate_sent,
            None,
            FollowUpKind.proposal,
        ),
        (
            InteractionType.email_outbound,
            Outcome.none,
            None,
            OpportunityStage.proposal_sent,
            FollowUpKind.proposal,
        ),
        (
            InteractionType.meeting,
            Outcome.spoke,
            PipelineStage.follow_up,
            None,
            FollowUpKind.follow_up,
        ),
    ],
)
def test_which_line_a_followup_gets(
    kind: InteractionType,
    outcome: Outcome,
    lead_stage: PipelineStage | None,
    opp_stage: OpportunityStage | None,
    expected: FollowUpKind,
) -> None:
    assert followup_kind(kind, outcome, lead_stage, opp_stage) == expected


def test_last_touchpoint_texts() -> None:
    last = LastTouch("ct_1", "Dana Smith", date(2026, 11, 24), _touch(), 1)
    assert render_last_touchpoint(last) == (
        "Last touchpoint with Dana Smith: phone call on Monday, November 23 (1 day ago) "
        "— wants a quote."
    )
    assert render_last_touchpoint(replace(last, touch=_touch(""), days_ago=0)) == (
        "Last touchpoint with Dana Smith: phone call on Monday, November 23 (today)."
    )
    assert render_last_touchpoint(replace(last, touch=None, days_ago=None)) == (
        "No touchpoints logged with Dana Smith yet."
    )


def _summary(**changes: object) -> PipelineSummary:
    summary = PipelineSummary(
        today=TODAY,
        window_start=datetime(2026, 11, 23, 13, tzinfo=UTC),
        window_end=datetime(2026, 11, 30, 13, tzinfo=UTC),
        first_close_date=date(2026, 11, 24),
        new_leads=3,
        follow_up_count=2,
        follow_up_avg_age_days=Decimal("4.5"),
        proposals_out_count=2,
        proposals_out_value=Decimal("1250.00"),
        won_count=1,
        won_value=Decimal("1250.50"),
        lost_count=0,
        oldest_open_lead=OldestOpenLead(
            "ld_1", "Roof", "ct_1", "Dana Smith", 42, PipelineStage.follow_up
        ),
        past_expected_close=(),
        past_expected_close_total=0,
    )
    return replace(summary, **changes)  # type: ignore[arg-type]


def test_pipeline_text_and_money() -> None:
    assert render_pipeline_summary(_summary()) == (
        "Pipeline — Monday, November 30, 2026\n"
        "New leads this week: 3\n"
        "Leads in follow-up: 2 (avg age: 4.5 days)\n"
        "Proposals out: 2 (total value: $1,250)\n"
        "Won this week: 1 ($1,250.50)\n"
        "Lost this week: 0\n"
        "\n"
        "Oldest open lead: Dana Smith — 42 days, stage: follow up"
    )
    past = PastDueLead("ld_2", "Fence", None, None, PipelineStage.inquiry, date(2025, 12, 1), 364)
    assert render_pipeline_summary(_summary(past_expected_close=(past,))).endswith(
        "\n\nPast expected close:\n"
        "— unknown contact: Fence — expected Monday, December 1, 2025 (364 days past)"
    )


def test_win_loss_text() -> None:
    summary = WinLossSummary(
        month_start=date(2026, 2, 1),
        month_end=date(2026, 2, 28),
        leads_created=5,
        converted=2,
        disqualified=1,
        disqualified_by_reason=(ReasonCount("outside_scope", 1),),
        still_open=2,
        won_count=2,
        won_amount=Decimal("1234567.89"),
        lost_count=1,
        lost_by_reason=(ReasonCount("no_decision", 1),),
        top_sources_by_leads=(SourceCount(LeadSource.web_form, 4), SourceCount(LeadSource.ad, 1)),
        top_sources_by_won_amount=(SourceAmount(LeadSource.ad, Decimal("1234567.89"), 2),),
        avg_days_to_win=Decimal("3.0"),
    )
    assert render_win_loss(summary) == (
        "Win/loss — February 2026\n"
        "\n"
        "Leads created: 5\n"
        "— Converted: 2\n"
        "— Disqualified: 1 (outside scope 1)\n"
        "— Still open: 2\n"
        "\n"
        "Deals closed:\n"
        "— Won: 2 ($1,234,567.89)\n"
        "— Lost: 1 (no decision 1)\n"
        "Win rate: 67%\n"
        "\n"
        "Top sources by leads: web form 4, ad 1\n"
        "Top sources by won amount: ad $1,234,567.89\n"
        "Average days from lead to win: 3.0"
    )

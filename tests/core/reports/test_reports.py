"""The weekly pipeline summary and the monthly win/loss summary, figures computed by hand."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from core.common.enums import (
    DisqualificationReason,
    InteractionType,
    LeadSource,
    LeadStatus,
    LossReason,
    OpportunityStage,
    PipelineStage,
)
from core.models import Workspace
from core.reports.summaries import one_decimal, pipeline_summary
from core.reports.win_loss import previous_month, win_loss
from core.reports.wording import render_pipeline_summary, render_win_loss
from core.workspaces.service import ensure_workspace
from tests.core.factories import (
    count_statements,
    make_contact,
    make_interaction,
    make_lead,
    make_opportunity,
    ny,
    utc,
)

# Monday 2026-11-30 08:00 in New York = 13:00 UTC; the window opens Mon 2026-11-23 08:00 local.
NOW = ny(2026, 11, 30, 8)
OPEN = LeadStatus.working
WON, LOST = OpportunityStage.won, OpportunityStage.lost


def _week(session: Session, ws: Workspace) -> None:
    wid = ws.workspace_id
    ann = make_contact(session, wid, "Ann", "Old")
    dana = make_contact(session, wid, "Dana", "Smith")
    bo = make_contact(session, wid, "Bo", "Chen")
    zed = make_contact(session, wid, "Zed", "Now")
    # Oldest open lead: Sep 15 -> Nov 30 = 15 + 31 + 30 = 76 days; 10 days past Fri Nov 20.
    make_lead(
        session,
        wid,
        title="Roof inspection",
        contact=ann,
        created_at=ny(2026, 9, 15, 10),
        status=LeadStatus.qualified,
        pipeline_stage=PipelineStage.needs_analysis,
        expected_close_date=date(2026, 11, 20),
    )
    # In follow-up: Oct 1 -> Nov 30 = 60 days; created 2026-11-26 03:00 UTC = Nov 25 local
    # (5 days, new this week). Average (60 + 5) / 2 = 32.5.
    make_lead(
        session,
        wid,
        title="Leaky faucet",
        contact=dana,
        created_at=ny(2026, 10, 1, 9),
        status=OPEN,
        pipeline_stage=PipelineStage.follow_up,
        estimated_value="1250",
    )
    make_lead(
        session,
        wid,
        title="Deck stain",
        contact=bo,
        created_at=utc(2026, 11, 26, 3),
        status=OPEN,
        pipeline_stage=PipelineStage.follow_up,
    )
    # Proposals out: two leads at estimate_sent ($2,000.50 and no value) ...
    make_lead(
        session,
        wid,
        title="Water heater",
        created_at=ny(2026, 11, 23, 8),
        status=LeadStatus.new,
        pipeline_stage=PipelineStage.estimate_sent,
        estimated_value="2000.50",
    )  # created exactly at the window start: not new this week
    make_lead(
        session,
        wid,
        title="Fence",
        created_at=ny(2026, 11, 24, 9),
        status=LeadStatus.new,
        pipeline_stage=PipelineStage.estimate_sent,
    )
    # ... not counted: closed leads; new this week when created in the window, whatever status.
    make_lead(
        session,
        wid,
        title="Shed",
        created_at=ny(2026, 11, 25),
        status=LeadStatus.disqualified,
        pipeline_stage=PipelineStage.estimate_sent,
        estimated_value="9999",
    )
    make_lead(
        session,
        wid,
        title="Old converted",
        created_at=ny(2026, 11, 1),
        status=LeadStatus.converted,
        pipeline_stage=PipelineStage.follow_up,
        expected_close_date=date(2026, 11, 2),
    )
    # Created at the report time exactly (new this week), 1 day past Sun Nov 29.
    make_lead(
        session,
        wid,
        title="Garage door",
        contact=zed,
        created_at=NOW,
        expected_close_date=date(2026, 11, 29),
    )
    make_lead(
        session,
        wid,
        title="Due today",
        created_at=ny(2026, 11, 2),
        expected_close_date=date(2026, 11, 30),
    )
    # After the report time: in nothing.
    make_lead(
        session,
        wid,
        title="Tomorrow's lead",
        created_at=ny(2026, 11, 30, 9),
        status=OPEN,
        pipeline_stage=PipelineStage.follow_up,
        expected_close_date=date(2026, 11, 1),
    )
    # ... and two opportunities at proposal_sent ($3,000 and no amount): 4 out, $5,000.50.
    make_opportunity(session, wid, name="Bath", stage=OpportunityStage.proposal_sent, amount="3000")
    make_opportunity(session, wid, name="Porch", stage=OpportunityStage.proposal_sent)
    make_opportunity(
        session, wid, name="Estimating", stage=OpportunityStage.estimating, amount="777"
    )
    # Won in the window: close dates Nov 24 .. Nov 30. $1,500.25 + $500 = $2,000.25.
    make_opportunity(
        session, wid, name="Won Tue", stage=WON, amount="1500.25", close_date=date(2026, 11, 24)
    )
    make_opportunity(
        session, wid, name="Won today", stage=WON, amount="500", close_date=date(2026, 11, 30)
    )
    make_opportunity(
        session, wid, name="Won before", stage=WON, amount="1", close_date=date(2026, 11, 23)
    )
    make_opportunity(
        session, wid, name="Won later", stage=WON, amount="1", close_date=date(2026, 12, 1)
    )
    make_opportunity(
        session, wid, name="Lost Fri", stage=LOST, amount="50", close_date=date(2026, 11, 27)
    )
    make_opportunity(session, wid, name="Lost before", stage=LOST, close_date=date(2026, 11, 23))
    # Another workspace's rows count for nothing here.
    other = ensure_workspace(session, "T0OTHER").workspace_id
    make_lead(
        session,
        other,
        title="Theirs",
        created_at=ny(2026, 11, 28),
        pipeline_stage=PipelineStage.follow_up,
    )
    make_opportunity(
        session, other, name="Theirs", stage=WON, amount="9", close_date=date(2026, 11, 28)
    )


EXPECTED_PIPELINE = """\
Pipeline — Monday, November 30, 2026
New leads this week: 4
Leads in follow-up: 2 (avg age: 32.5 days)
Proposals out: 4 (total value: $5,000.50)
Won this week: 2 ($2,000.25)
Lost this week: 1

Oldest open lead: Ann Old — 76 days, stage: needs analysis

Past expected close:
— Ann Old: Roof inspection — expected Friday, November 20 (10 days past)
— Zed Now: Garage door — expected Sunday, November 29 (1 day past)"""


def test_pipeline_summary(session: Session, ws: Workspace) -> None:
    _week(session, ws)

    summary = pipeline_summary(session, workspace=ws, now=NOW)

    assert summary.today == date(2026, 11, 30)
    assert summary.first_close_date == date(2026, 11, 24)
    assert summary.new_leads == 4  # Fence, Shed, Deck stain, Garage door
    assert summary.follow_up_count == 2
    assert summary.follow_up_avg_age_days == Decimal("32.5")
    assert summary.proposals_out_count == 4
    assert summary.proposals_out_value == Decimal("5000.50")
    assert (summary.won_count, summary.won_value, summary.lost_count) == (
        2,
        Decimal("2000.25"),
        1,
    )
    assert summary.oldest_open_lead is not None
    assert summary.oldest_open_lead.age_days == 76
    assert [(p.title, p.days_past) for p in summary.past_expected_close] == [
        ("Roof inspection", 10),
        ("Garage door", 1),
    ]
    assert render_pipeline_summary(summary) == EXPECTED_PIPELINE


def test_an_empty_pipeline(session: Session, ws: Workspace) -> None:
    summary = pipeline_summary(session, workspace=ws, now=NOW)
    assert summary.follow_up_avg_age_days is None
    assert render_pipeline_summary(summary) == (
        "Pipeline — Monday, November 30, 2026\n"
        "New leads this week: 0\n"
        "Leads in follow-up: 0 (avg age: 0.0 days)\n"
        "Proposals out: 0 (total value: $0)\n"
        "Won this week: 0 ($0)\n"
        "Lost this week: 0\n"
        "\n"
        "Oldest open lead: none"
    )


def test_the_window_is_seven_times_24_hours_across_a_clock_change(
    session: Session, ws: Workspace
) -> None:
    # Clocks went back on Sun 2026-11-01. Mon Nov 2 08:00 EST = 13:00 UTC, so the window
    # opens Oct 26 13:00 UTC = 09:00 EDT: a lead at 08:30 local on Oct 26 is outside it.
    make_lead(session, ws.workspace_id, title="Just outside", created_at=ny(2026, 10, 26, 8, 30))
    make_lead(session, ws.workspace_id, title="Just inside", created_at=ny(2026, 10, 26, 9, 30))
    # Close dates: Oct 26 is the local date of the window's start, so the first counted is Oct 27.
    make_opportunity(
        session, ws.workspace_id, name="a", stage=WON, amount="10", close_date=date(2026, 10, 26)
    )
    make_opportunity(
        session, ws.workspace_id, name="b", stage=WON, amount="20", close_date=date(2026, 10, 27)
    )

    summary = pipeline_summary(session, workspace=ws, now=ny(2026, 11, 2, 8))

    assert summary.new_leads == 1
    assert (summary.won_count, summary.won_value) == (1, Decimal("20.00"))
    assert summary.oldest_open_lead is not None
    assert summary.oldest_open_lead.age_days == 7  # Oct 26 -> Nov 2, local dates


def test_unknown_contact_and_odd_text(session: Session, ws: Workspace) -> None:
    make_lead(
        session,
        ws.workspace_id,
        title='Dana\'s "big" job 🚿',
        created_at=ny(2026, 11, 29, 23, 59),
        pipeline_stage=PipelineStage.scheduled_visit,
        expected_close_date=date(2026, 11, 29),
    )

    text = render_pipeline_summary(pipeline_summary(session, workspace=ws, now=NOW))

    assert "Oldest open lead: unknown contact — 1 day, stage: scheduled visit" in text
    assert text.endswith(
        '— unknown contact: Dana\'s "big" job 🚿 — expected Sunday, November 29 (1 day past)'
    )


def test_averages_round_half_up_to_one_decimal() -> None:
    assert one_decimal(5, 3) == Decimal("1.7")
    assert one_decimal(1, 4) == Decimal("0.3")  # 0.25 -> 0.3
    assert one_decimal(0, 0) is None


@pytest.mark.parametrize("rows", [3, 300])
def test_pipeline_summary_is_three_statements(session: Session, ws: Workspace, rows: int) -> None:
    for n in range(rows):
        person = make_contact(session, ws.workspace_id, f"Person {n}")
        make_lead(
            session,
            ws.workspace_id,
            title=f"Lead {n}",
            contact=person,
            created_at=ny(2026, 11, 25),
            pipeline_stage=PipelineStage.follow_up,
            expected_close_date=date(2026, 11, 1),
        )
        make_opportunity(
            session,
            ws.workspace_id,
            name=f"Won {n}",
            stage=WON,
            amount="10",
            close_date=date(2026, 11, 25),
        )

    with count_statements(session) as statements:
        summary = pipeline_summary(session, workspace=ws, now=NOW)

    assert (summary.new_leads, summary.follow_up_count, summary.won_count) == (rows, rows, rows)
    assert summary.follow_up_avg_age_days == Decimal("5.0")
    assert len(summary.past_expected_close) == summary.past_expected_close_total == rows
    assert statements.n == 3

    # A page of them: still three statements, the page loaded and every one counted.
    with count_statements(session) as statements:
        page = pipeline_summary(session, workspace=ws, now=NOW, past_due_limit=20)
    assert statements.n == 3
    assert len(page.past_expected_close) == min(rows, 20)
    assert page.past_expected_close_total == rows
    # Limits and offsets are written into the SQL, not bound: with `LIMIT $n` Postgres's generic
    # plan guessed a tenth of the rows and it planned the statement again on every call. (SQLite's
    # compiler binds an `OFFSET 0` of its own after every LIMIT; it keeps no plans.)
    bound = r"LIMIT\s+(%\(|\?|\$)|OFFSET\s+(%\(|\$)"
    assert not [s for s in statements.statements if re.search(bound, s)]


def test_the_past_due_list_is_loaded_a_page_at_a_time(session: Session, ws: Workspace) -> None:
    wid = ws.workspace_id
    for n in range(45):
        make_lead(
            session,
            wid,
            title=f"Late {n:02}",
            contact=make_contact(session, wid, f"Person {n}"),
            # Each status's leads are read apart, so the page mixes them.
            status=(LeadStatus.new, LeadStatus.working, LeadStatus.qualified)[n * 7 % 3],
            created_at=ny(2026, 10, 1, 9) + timedelta(minutes=n),
            expected_close_date=date(2026, 11, 1) + timedelta(days=n // 10),
        )
    # Not counted: closed, created after `now`, an archived contact's, not yet due.
    make_lead(
        session,
        wid,
        title="Won",
        status=LeadStatus.converted,
        created_at=ny(2026, 10, 1),
        expected_close_date=date(2026, 11, 1),
    )
    make_lead(
        session,
        wid,
        title="Later",
        created_at=NOW + timedelta(hours=1),
        expected_close_date=date(2026, 11, 1),
    )
    gone = make_contact(session, wid, "Gone")
    gone.archived = True
    make_lead(
        session,
        wid,
        title="Archived",
        contact=gone,
        created_at=ny(2026, 10, 1),
        expected_close_date=date(2026, 11, 1),
    )
    make_lead(
        session,
        wid,
        title="Due today",
        created_at=ny(2026, 10, 1),
        expected_close_date=date(2026, 11, 30),
    )
    session.flush()

    every = pipeline_summary(session, workspace=ws, now=NOW)
    titles = [lead.title for lead in every.past_expected_close]
    assert titles == [f"Late {n:02}" for n in range(45)]
    assert every.past_expected_close_total == 45

    first = pipeline_summary(session, workspace=ws, now=NOW, past_due_limit=20)
    assert [lead.title for lead in first.past_expected_close] == titles[:20]
    assert first.past_expected_close_total == 45
    last = pipeline_summary(session, workspace=ws, now=NOW, past_due_limit=20, past_due_offset=40)
    assert [lead.title for lead in last.past_expected_close] == titles[40:]
    assert (last.past_expected_close_total, last.past_expected_close_offset) == (45, 40)
    middle = pipeline_summary(session, workspace=ws, now=NOW, past_due_limit=20, past_due_offset=7)
    assert [lead.title for lead in middle.past_expected_close] == titles[7:27]
    counted = pipeline_summary(session, workspace=ws, now=NOW, past_due_limit=0)
    assert (counted.past_expected_close, counted.past_expected_close_total) == ((), 45)


# --- win / loss -------------------------------------------------------------------------------


def _october(session: Session, ws: Workspace) -> None:
    wid = ws.workspace_id
    phone, web, referral = LeadSource.phone_call, LeadSource.web_form, LeadSource.referral
    budget = DisqualificationReason.budget

    def made(
        title: str, at: object, source: LeadSource, status: LeadStatus, **kw: object
    ) -> object:
        return make_lead(
            session, wid, title=title, created_at=at, source=source, status=status, **kw
        )  # type: ignore[arg-type]

    # Created in October (local): 8 leads.
    w1 = made("W1", ny(2026, 10, 1, 0, 0), phone, LeadStatus.converted)
    w2 = made("W2", utc(2026, 10, 6, 2), referral, LeadStatus.converted)  # Oct 5, 22:00 local
    made("W3", ny(2026, 10, 7), web, LeadStatus.disqualified, disqualification_reason=budget)
    made("W4", ny(2026, 10, 8), web, LeadStatus.disqualified, disqualification_reason=budget)
    made(
        "W5",
        ny(2026, 10, 9),
        phone,
        LeadStatus.disqualified,
        disqualification_reason=DisqualificationReason.no_response,
    )
    made("W6", ny(2026, 10, 31, 23, 59), phone, LeadStatus.new)
    made("W7", ny(2026, 10, 12), web, LeadStatus.working)
    made("W8", ny(2026, 10, 13), referral, LeadStatus.qualified)
    # Not October in New York.
    made("Sep 30 local", utc(2026, 10, 1, 3), web, LeadStatus.new)
    made("Nov 1 local", ny(2026, 11, 1, 0, 0), web, LeadStatus.new)
    september = made("Sept", ny(2026, 9, 20, 15), phone, LeadStatus.converted)

    # Won in October: 4 for $13,550.50. Days lead -> win: W1 Oct 1 -> Oct 21 = 20,
    # W2 Oct 5 -> Oct 20 = 15, Sept Sep 20 -> Oct 10 = 20; average 55 / 3 = 18.3.
    make_opportunity(
        session, wid, name="O1", stage=WON, amount="4000", lead=w1, close_date=date(2026, 10, 21)
    )  # type: ignore[arg-type]
    make_opportunity(
        session, wid, name="O2", stage=WON, amount="8000", lead=w2, close_date=date(2026, 10, 20)
    )  # type: ignore[arg-type]
    make_opportunity(
        session,
        wid,
        name="O3",
        stage=WON,
        amount="1250.50",
        lead=september,  # type: ignore[arg-type]
        close_date=date(2026, 10, 10),
    )
    make_opportunity(
        session, wid, name="O4", stage=WON, amount="300", close_date=date(2026, 10, 31)
    )
    # Lost in October: 4 (price 2, competition 1, not given 1).
    for name, reason, day in (
        ("O5", LossReason.price, 15),
        ("O6", LossReason.price, 1),
        ("O7", LossReason.competition, 31),
        ("O8", None, 12),
    ):
        make_opportunity(
            session, wid, name=name, stage=LOST, loss_reason=reason, close_date=date(2026, 10, day)
        )
    # Outside October or not closed.
    make_opportunity(session, wid, name="Nov", stage=WON, amount="5", close_date=date(2026, 11, 1))
    make_opportunity(session, wid, name="Sep", stage=WON, amount="5", close_date=date(2026, 9, 30))
    make_opportunity(
        session,
        wid,
        name="Open",
        stage=OpportunityStage.scheduled,
        amount="5",
        close_date=date(2026, 10, 15),
    )


EXPECTED_WIN_LOSS = """\
Win/loss — October 2026

Leads created: 8
— Converted: 2
— Disqualified: 3 (budget 2, no response 1)
— Still open: 3

Deals closed:
— Won: 4 ($13,550.50)
— Lost: 4 (price 2, competition 1, not given 1)
Win rate: 50%

Top sources by leads: phone call 3, web form 3, referral 2
Top sources by won amount: referral $8,000, phone call $5,250.50, no lead $300
Average days from lead to win: 18.3"""


def test_win_loss_of_the_previous_month(session: Session, ws: Workspace) -> None:
    _october(session, ws)

    summary = win_loss(session, workspace=ws, now=ny(2026, 11, 1, 8))

    assert (summary.month_start, summary.month_end) == (date(2026, 10, 1), date(2026, 10, 31))
    assert (summary.leads_created, summary.converted, summary.still_open) == (8, 2, 3)
    assert (summary.won_count, summary.won_amount) == (4, Decimal("13550.50"))
    assert summary.avg_days_to_win == Decimal("18.3")
    assert render_win_loss(summary) == EXPECTED_WIN_LOSS
    # Any time in November reports on October; 2026-11-01 03:00 UTC is still Oct 31 locally.
    assert win_loss(session, workspace=ws, now=ny(2026, 11, 30, 23)) == summary
    assert win_loss(session, workspace=ws, now=utc(2026, 11, 1, 3)).month_start == date(2026, 9, 1)


def test_an_empty_month() -> None:
    assert previous_month(date(2027, 1, 15)) == (date(2026, 12, 1), date(2026, 12, 31))
    assert previous_month(date(2028, 3, 1)) == (date(2028, 2, 1), date(2028, 2, 29))


def test_win_loss_with_nothing_to_report(session: Session, ws: Workspace) -> None:
    text = render_win_loss(win_loss(session, workspace=ws, now=ny(2027, 1, 1, 8)))
    assert text == (
        "Win/loss — December 2026\n"
        "\n"
        "Leads created: 0\n"
        "— Converted: 0\n"
        "— Disqualified: 0\n"
        "— Still open: 0\n"
        "\n"
        "Deals closed:\n"
        "— Won: 0 ($0)\n"
        "— Lost: 0\n"
        "\n"
        "Top sources by leads: none\n"
        "Top sources by won amount: none\n"
        "Average days from lead to win: n/a"
    )


@pytest.mark.parametrize("rows", [3, 300])
def test_win_loss_is_two_statements(session: Session, ws: Workspace, rows: int) -> None:
    for n in range(rows):
        row = make_lead(
            session,
            ws.workspace_id,
            title=f"Lead {n}",
            created_at=ny(2026, 10, 1, 12),
            status=LeadStatus.converted,
        )
        make_opportunity(
            session,
            ws.workspace_id,
            name=f"Won {n}",
            stage=WON,
            amount="10",
            lead=row,
            close_date=date(2026, 10, 11),
        )

    with count_statements(session) as statements:
        summary = win_loss(session, workspace=ws, now=ny(2026, 11, 2))

    assert (summary.converted, summary.won_count) == (rows, rows)
    assert summary.avg_days_to_win == Decimal("10.0")
    assert statements.n == 2


def test_the_follow_up_line_gains_the_response_time_only_when_there_is_data(
    session: Session, ws: Workspace
) -> None:
    quick = make_lead(session, ws.workspace_id, title="Quick", created_at=ny(2026, 11, 27, 9))
    slow = make_lead(session, ws.workspace_id, title="Slow", created_at=ny(2026, 11, 28, 9))
    unanswered = make_lead(session, ws.workspace_id, title="Waiting", created_at=ny(2026, 11, 29))
    old = make_lead(session, ws.workspace_id, title="Last month", created_at=ny(2026, 10, 1))
    # First replies: 2 hours and 5 hours after the inquiry (a later reply does not count;
    # a call is not a written reply; an old lead's reply is outside the window).
    for lead, hours in ((quick, 2), (quick, 30), (slow, 5), (old, 1)):
        make_interaction(
            session,
            ws.workspace_id,
            lead=lead,
            type=InteractionType.email_outbound,
            timestamp=lead.created_at + timedelta(hours=hours),
        )
    make_interaction(
        session,
        ws.workspace_id,
        lead=unanswered,
        type=InteractionType.phone_call,
        timestamp=unanswered.created_at + timedelta(hours=1),
    )
    summary = pipeline_summary(session, workspace=ws, now=NOW)
    assert (summary.replied_leads, summary.response_avg_hours) == (2, Decimal("3.5"))
    assert "Leads in follow-up: 0 (avg age: 0.0 days); first reply to new leads in 3.5 hours" in (
        render_pipeline_summary(summary)
    )

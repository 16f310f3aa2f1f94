"""Stale leads, today's follow-ups, last touchpoint, newest customers (docs/product.md).

Calendar used throughout (America/New_York, US holidays): Thanksgiving is Thu 2026-11-26;
Fri 2026-11-27 is not a US public holiday (checked with `holidays`). Business days are counted
by hand in each test.
"""

from __future__ import annotations

from datetime import date

import holidays
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.common.enums import (
    FollowUpStatus,
    InteractionType,
    LeadStatus,
    LifecycleStage,
    OpportunityStage,
    Outcome,
    PipelineStage,
)
from core.contacts.lookups import last_touchpoint, newest_customers
from core.errors import InvalidInput, NotFound
from core.models import Workspace
from core.reports.followups import FollowUpKind, followups
from core.reports.stale_leads import stale_leads
from core.reports.wording import (
    nudge_text,
    render_followups,
    render_last_touchpoint,
    render_newest_customers,
    render_stale_leads,
)
from core.workspaces.service import ensure_workspace
from tests.core.factories import (
    count_statements,
    make_contact,
    make_interaction,
    make_lead,
    make_opportunity,
    ny,
    rows_read,
    utc,
)

MON_NOV_30 = ny(2026, 11, 30, 8)
FRI_NOV_27 = ny(2026, 11, 27, 8)
WAY_BACK = ny(2026, 11, 2, 9)


def test_the_calendar_these_tests_assume() -> None:
    us = holidays.country_holidays("US", years=2026, observed=True)
    assert date(2026, 11, 26) in us
    assert date(2026, 11, 27) not in us


# --- stale leads ------------------------------------------------------------------------------


def test_stale_over_thanksgiving_week(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, ws.workspace_id, "Dana", "Smith")
    sam = make_contact(session, ws.workspace_id, "Sam", "Lee")
    bo = make_contact(session, ws.workspace_id, "Bo", "Chen")
    faucet = make_lead(
        session, ws.workspace_id, title="Leaky faucet", contact=dana, created_at=WAY_BACK
    )
    make_interaction(
        session,
        ws.workspace_id,
        timestamp=ny(2026, 11, 23, 15),
        lead=faucet,
        contact=dana,
        body="Wants a quote",
        type=InteractionType.phone_call,
    )
    # Touched Wed 25: business days since are Fri 27 and Mon 30 = 2, under 3.
    heater = make_lead(
        session, ws.workspace_id, title="Water heater", contact=bo, created_at=WAY_BACK
    )
    make_interaction(
        session,
        ws.workspace_id,
        timestamp=ny(2026, 11, 25, 9),
        lead=heater,
        type=InteractionType.phone_call,
        body=None,
    )
    # Created Tue 24 and never touched: Wed 25, Fri 27, Mon 30 = 3 business days.
    make_lead(
        session,
        ws.workspace_id,
        title="Gutter repair",
        contact=sam,
        created_at=ny(2026, 11, 24, 16),
    )

    report = stale_leads(session, workspace=ws, now=MON_NOV_30)

    # Mon 23 -> Mon 30: Tue 24, Wed 25, Fri 27, Mon 30 = 4 business days (Thu 26 is a holiday).
    assert report.today == date(2026, 11, 30)
    assert report.cutoff == date(2026, 11, 24)
    assert report.total == 2
    assert [(i.title, i.contact_name, i.days_since) for i in report.items] == [
        ("Leaky faucet", "Dana Smith", 7),
        ("Gutter repair", "Sam Lee", 6),
    ]
    first = report.items[0]
    assert first.last_touch is not None
    assert first.last_touch.type == InteractionType.phone_call
    assert first.last_touch.local_date == date(2026, 11, 23)
    assert report.items[1].last_touch is None
    assert nudge_text(first) == (
        "Heads up: the Leaky faucet lead from Dana Smith has had no activity in 7 days. "
        "Last touchpoint: phone call on Monday, November 23 — Wants a quote. "
        "Want me to draft a follow-up message?"
    )
    assert nudge_text(report.items[1]) == (
        "Heads up: the Gutter repair lead from Sam Lee has had no activity in 6 days. "
        "Last touchpoint: none logged since it came in on Tuesday, November 24. "
        "Want me to draft a follow-up message?"
    )


def test_the_holiday_is_not_a_business_day_but_only_in_its_country(
    session: Session, ws: Workspace
) -> None:
    monday = make_lead(session, ws.workspace_id, title="Touched Monday", created_at=WAY_BACK)
    make_interaction(
        session,
        ws.workspace_id,
        timestamp=ny(2026, 11, 23, 10),
        lead=monday,
        type=InteractionType.phone_call,
        body=None,
    )
    tuesday = make_lead(session, ws.workspace_id, title="Touched Tuesday", created_at=WAY_BACK)
    make_interaction(
        session,
        ws.workspace_id,
        timestamp=ny(2026, 11, 24, 10),
        lead=tuesday,
        type=InteractionType.phone_call,
        body=None,
    )

    # US, Fri 27: since Mon 23 = Tue, Wed, Fri = 3 (stale); since Tue 24 = Wed, Fri = 2 (not).
    us = stale_leads(session, workspace=ws, now=FRI_NOV_27)
    assert [i.title for i in us.items] == ["Touched Monday"]

    # In Great Britain Thursday 26 is a working day: since Tue 24 = Wed, Thu, Fri = 3.
    ws.holiday_country = "GB"
    session.flush()
    gb = stale_leads(session, workspace=ws, now=FRI_NOV_27)
    assert [i.title for i in gb.items] == ["Touched Monday", "Touched Tuesday"]


def test_the_day_boundary_is_local_midnight_not_utc(session: Session, ws: Workspace) -> None:
    # On Fri 27 with 3 business days the cutoff is Mon 23: stale means touched before local
    # midnight starting Tue 24, which is 2026-11-24 05:00 UTC in New York (EST).
    def touched_at(title: str, at: object) -> None:
        row = make_lead(session, ws.workspace_id, title=title, created_at=WAY_BACK)
        make_interaction(
            session,
            ws.workspace_id,
            timestamp=at,
            lead=row,
            type=InteractionType.phone_call,
            body=None,
        )  # type: ignore[arg-type]

    touched_at("Late Monday evening", utc(2026, 11, 24, 3))  # 22:00 Mon 23 in New York
    touched_at("Last second of Monday", utc(2026, 11, 24, 4, 59, 59))
    touched_at("First second of Tuesday", utc(2026, 11, 24, 5))

    report = stale_leads(session, workspace=ws, now=FRI_NOV_27)

    assert report.cutoff == date(2026, 11, 23)
    assert [(i.title, i.days_since) for i in report.items] == [
        ("Late Monday evening", 4),
        ("Last second of Monday", 4),
    ]
    assert report.items[0].last_touch is not None
    assert report.items[0].last_touch.local_date == date(2026, 11, 23)


def test_touches_through_the_contact_count_and_creation_is_a_touch(
    session: Session, ws: Workspace
) -> None:
    pat = make_contact(session, ws.workspace_id, "Pat", "Jones")
    old = make_lead(
        session, ws.workspace_id, title="Old lead, fresh call", contact=pat, created_at=WAY_BACK
    )
    make_interaction(
        session,
        ws.workspace_id,
        timestamp=ny(2026, 11, 10),
        lead=old,
        type=InteractionType.phone_call,
        body=None,
    )
    make_interaction(
        session,
        ws.workspace_id,
        timestamp=ny(2026, 11, 25, 12),
        contact=pat,
        body="Called",
        type=InteractionType.phone_call,
    )
    # An interaction from long before the lead came in does not make a new lead stale.
    kim = make_contact(session, ws.workspace_id, "Kim", "Park")
    make_interaction(
        session,
        ws.workspace_id,
        timestamp=ny(2025, 3, 2),
        contact=kim,
        body="Old job",
        type=InteractionType.phone_call,
    )
    make_lead(
        session, ws.workspace_id, title="Brand new", contact=kim, created_at=ny(2026, 11, 26, 9)
    )

    assert stale_leads(session, workspace=ws, now=MON_NOV_30).total == 0


def test_snoozed_and_closed_leads_are_never_stale(session: Session, ws: Workspace) -> None:
    def quiet(title: str, **fields: object) -> None:
        make_lead(session, ws.workspace_id, title=title, created_at=WAY_BACK, **fields)  # type: ignore[arg-type]

    quiet("Snoozed through today", snoozed_until=date(2026, 11, 30))
    quiet("Snooze ended yesterday", snoozed_until=date(2026, 11, 29))
    quiet("Working", status=LeadStatus.working)
    quiet("Qualified", status=LeadStatus.qualified)
    quiet("Disqualified", status=LeadStatus.disqualified)
    quiet("Converted", status=LeadStatus.converted)

    report = stale_leads(session, workspace=ws, now=MON_NOV_30)

    assert sorted(i.title for i in report.items) == ["Snooze ended yesterday", "Working"]


def test_merged_contacts_show_the_survivor(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, ws.workspace_id, "Dana", "Smith")
    typo = make_contact(
        session, ws.workspace_id, "Dana", "Smyth", merged_into_contact_id=dana.contact_id
    )
    quiet = make_lead(
        session, ws.workspace_id, title="Porch light", contact=typo, created_at=WAY_BACK
    )

    report = stale_leads(session, workspace=ws, now=MON_NOV_30)
    assert [(i.lead_id, i.contact_name, i.contact_id) for i in report.items] == [
        (quiet.lead_id, "Dana Smith", dana.contact_id)
    ]

    # A call logged on the survivor counts for the lead still naming the merged-away record.
    make_interaction(
        session,
        ws.workspace_id,
        timestamp=ny(2026, 11, 27, 9),
        contact=dana,
        type=InteractionType.phone_call,
        body=None,
    )
    assert stale_leads(session, workspace=ws, now=MON_NOV_30).total == 0


def test_other_workspaces_and_the_future_do_not_count(session: Session, ws: Workspace) -> None:
    other = ensure_workspace(session, "T0OTHER")
    make_lead(session, other.workspace_id, title="Their stale lead", created_at=WAY_BACK)
    ours = make_lead(session, ws.workspace_id, title="Our lead", created_at=WAY_BACK)
    # A call after the report time has not happened yet as of the report.
    make_interaction(
        session,
        ws.workspace_id,
        timestamp=ny(2026, 12, 1),
        lead=ours,
        type=InteractionType.phone_call,
        body=None,
    )

    report = stale_leads(session, workspace=ws, now=MON_NOV_30)

    assert [i.title for i in report.items] == ["Our lead"]
    assert report.total == 1
    assert report.items[0].last_touch is None
    assert stale_leads(session, workspace=ws, now=ny(2026, 12, 1, 9)).total == 0


def test_limit_lists_the_oldest_and_counts_the_rest(session: Session, ws: Workspace) -> None:
    for day in range(1, 13):  # touched Nov 1..12, all stale on Nov 30
        row = make_lead(
            session, ws.workspace_id, title=f"Lead {day:02d}", created_at=ny(2026, 10, 1)
        )
        make_interaction(
            session,
            ws.workspace_id,
            timestamp=ny(2026, 11, day, 12),
            lead=row,
            type=InteractionType.phone_call,
            body=None,
        )

    report = stale_leads(session, workspace=ws, now=MON_NOV_30, limit=10)

    assert report.total == 12
    assert report.more == 2
    assert [i.title for i in report.items] == [f"Lead {d:02d}" for d in range(1, 11)]
    assert render_stale_leads(report).endswith("\n\n…and 2 more stale leads.")


def test_quotes_emoji_and_long_text_in_the_nudge(session: Session, ws: Workspace) -> None:
    owner = make_contact(session, ws.workspace_id, 'Zoë "Z"', "O'Neil 🚿")
    row = make_lead(
        session, ws.workspace_id, title='Dana\'s "big" leak 🚿', contact=owner, created_at=WAY_BACK
    )
    make_interaction(
        session,
        ws.workspace_id,
        timestamp=ny(2026, 11, 20, 9),
        lead=row,
        body="word " * 2000,
        type=InteractionType.phone_call,
    )

    [item] = stale_leads(session, workspace=ws, now=MON_NOV_30).items

    assert item.last_touch is not None
    assert len(item.last_touch.summary) <= 120
    assert item.last_touch.summary.endswith("word…")
    assert nudge_text(item).startswith(
        'Heads up: the Dana\'s "big" leak 🚿 lead from Zoë "Z" O\'Neil 🚿 has had no '
        "activity in 10 days. Last touchpoint: phone call on Friday, November 20 — word word"
    )
    assert nudge_text(item).endswith("word… Want me to draft a follow-up message?")


def test_no_stale_leads_renders_plainly(session: Session, ws: Workspace) -> None:
    assert render_stale_leads(stale_leads(session, workspace=ws, now=MON_NOV_30)) == (
        "No stale leads."
    )


@pytest.mark.parametrize("rows", [3, 300])
def test_stale_leads_is_one_statement_however_many_leads(
    session: Session, ws: Workspace, rows: int
) -> None:
    # On Postgres the page carries each lead's newest touch (LATERAL); SQLite reads them apart.
    touches = 0 if session.get_bind().dialect.name == "postgresql" else 1
    for n in range(rows):
        person = make_contact(session, ws.workspace_id, f"Person {n}")
        row = make_lead(
            session, ws.workspace_id, title=f"Lead {n}", contact=person, created_at=WAY_BACK
        )
        make_interaction(
            session,
            ws.workspace_id,
            timestamp=ny(2026, 11, 10),
            lead=row,
            type=InteractionType.phone_call,
            body=None,
        )
        make_interaction(
            session,
            ws.workspace_id,
            timestamp=ny(2026, 11, 12),
            contact=person,
            type=InteractionType.phone_call,
            body=None,
        )

    with count_statements(session) as statements:
        report = stale_leads(session, workspace=ws, now=MON_NOV_30)

    assert report.total == rows
    assert all(i.last_touch is not None for i in report.items)
    assert statements.n == 1 + touches
    # A report for a past time, when every lead was touched since: judged on history, read again.
    with count_statements(session) as statements:
        past = stale_leads(session, workspace=ws, now=ny(2026, 11, 11), limit=10)
    assert (past.total, len(past.items)) == (0, 0)  # each touched on Nov 10, the day before
    assert statements.n == 2 + touches


# --- today's follow-ups -----------------------------------------------------------------------


def _morning(session: Session, ws: Workspace) -> None:
    wid = ws.workspace_id
    dana = make_contact(session, wid, "Dana", "Smith")
    sam = make_contact(session, wid, "Sam", "Lee")
    pat = make_contact(session, wid, "Pat", "Jones")
    kim = make_contact(session, wid, "Kim", "Park")
    lou = make_contact(session, wid, "Lou", "Reed")
    make_interaction(
        session,
        wid,
        timestamp=ny(2026, 11, 27, 10),
        contact=dana,
        body="Wants a quote, call back Monday.",
        follow_up_date=date(2026, 11, 30),
        type=InteractionType.phone_call,
    )
    estimate = make_lead(
        session,
        wid,
        title="Water heater",
        contact=sam,
        pipeline_stage=PipelineStage.estimate_sent,
        status=LeadStatus.working,
        created_at=WAY_BACK,
    )
    # Linked to the lead only: the name comes from the lead's contact.
    make_interaction(
        session,
        wid,
        timestamp=ny(2026, 11, 27, 11),
        lead=estimate,
        type=InteractionType.email_outbound,
        subject="Your estimate",
        follow_up_date=date(2026, 11, 30),
        body=None,
    )
    make_interaction(
        session,
        wid,
        timestamp=ny(2026, 11, 20, 10),
        contact=pat,
        type=InteractionType.meeting,
        subject="Kitchen remodel walkthrough",
        follow_up_date=date(2026, 11, 27),
        body=None,
    )
    deal = make_opportunity(
        session, wid, name="Bath remodel", stage=OpportunityStage.estimating, contact=kim
    )
    make_interaction(
        session,
        wid,
        timestamp=ny(2026, 11, 25, 10),
        opportunity=deal,
        type=InteractionType.email_outbound,
        outcome=Outcome.sent_proposal,
        follow_up_date=date(2026, 11, 29),
        body=None,
    )
    make_interaction(
        session,
        wid,
        timestamp=ny(2026, 11, 26, 10),
        contact=lou,
        type=InteractionType.sms,
        outcome=Outcome.left_voicemail,
        body="Re: gutter cleaning",
        follow_up_date=date(2026, 11, 26),
    )
    # Not listed: done, canceled, due tomorrow.
    for status in (FollowUpStatus.completed, FollowUpStatus.canceled):
        make_interaction(
            session,
            wid,
            timestamp=ny(2026, 11, 20),
            contact=dana,
            follow_up_date=date(2026, 11, 30),
            follow_up_status=status,
            type=InteractionType.phone_call,
            body=None,
        )
    make_interaction(
        session,
        wid,
        timestamp=ny(2026, 11, 20),
        contact=dana,
        follow_up_date=date(2026, 12, 1),
        type=InteractionType.phone_call,
        body=None,
    )


EXPECTED_MORNING = """\
Today's follow-ups:
— Call back Dana Smith re: Wants a quote, call back Monday
— Sam Lee expects a proposal by today

Overdue:
— Call back Lou Reed re: Re: gutter cleaning (4 days late)
— Follow up with Pat Jones re: Kitchen remodel walkthrough (3 days late)
— Kim Park expected a proposal by Sunday, November 29 (1 day late)"""


def test_the_morning_list(session: Session, ws: Workspace) -> None:
    _morning(session, ws)

    result = followups(session, workspace=ws, now=MON_NOV_30)

    assert result.today == date(2026, 11, 30)
    assert [(i.contact_name, i.kind, i.days_overdue) for i in result.due_today] == [
        ("Dana Smith", FollowUpKind.call_back, 0),
        ("Sam Lee", FollowUpKind.proposal, 0),
    ]
    assert result.due_today[1].lead_title == "Water heater"
    assert [(i.contact_name, i.days_overdue) for i in result.overdue] == [
        ("Lou Reed", 4),
        ("Pat Jones", 3),
        ("Kim Park", 1),
    ]
    assert render_followups(result) == EXPECTED_MORNING


def test_today_is_the_workspace_date_not_the_utc_date(session: Session, ws: Workspace) -> None:
    _morning(session, ws)
    # 2026-12-01 03:00 UTC is still Monday Nov 30, 22:00, in New York.
    late_monday = followups(session, workspace=ws, now=utc(2026, 12, 1, 3))
    assert render_followups(late_monday) == EXPECTED_MORNING


def test_nothing_due(session: Session, ws: Workspace) -> None:
    assert render_followups(followups(session, workspace=ws, now=MON_NOV_30)) == (
        "Today's follow-ups: none"
    )


def test_a_page_reads_its_follow_ups_not_the_backlog(
    session: Session, ws: Workspace, backend: str
) -> None:
    """Ten of 2,000 overdue follow-ups (promised for three days), among 20,000 interactions,
    read about ten rows.

    The (workspace, status, date) index is in date order only: the overdue page read and sorted
    every follow-up of its first dates, all 1,967 in the full-size bench. The partial
    index of the pending ones in the lists' order (migration 0021) gives the page its first
    rows and the count its contacts.
    """
    if backend != "postgres":
        pytest.skip("the plan is Postgres's")
    book = {"ws": ws.workspace_id, "at": WAY_BACK}
    session.execute(  # 500 people, each with a few of the backlog's follow-ups
        text(
            "INSERT INTO contacts (contact_id, workspace_id, first_name, lifecycle_stage, tags,"
            " archived, created_at, updated_at)"
            " SELECT 'ct_many_' || n, :ws, 'Person' || n, 'lead', '[]', false, :at, :at"
            " FROM generate_series(0, 499) AS n"
        ),
        book,
    )
    session.execute(
        text(
            "INSERT INTO interactions (interaction_id, workspace_id, type, timestamp, contact_id,"
            " outcome, follow_up_date, follow_up_status, created_at, updated_at)"
            " SELECT 'in_many_' || n, :ws, 'phone_call', :at, 'ct_many_' || n % 500, 'spoke',"
            " CASE WHEN n <= 2000 THEN DATE '2026-11-29' - n % 3 END,"
            " CASE WHEN n <= 2000 THEN 'pending' ELSE 'none' END, :at, :at"
            " FROM generate_series(1, 22000) AS n"
        ),
        book,
    )
    session.execute(text("ANALYZE contacts, interactions"))

    with count_statements(session) as sent:
        result = followups(session, workspace=ws, now=MON_NOV_30, limit=10)

    assert (len(result.overdue), result.overdue_count) == (10, 2000)
    raw = session.connection().connection.driver_connection
    cursor = psycopg.RawCursor(raw)  # the statement as sent, with `$1` placeholders
    cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sent.statements[0], sent.parameters[0])
    plan = cursor.fetchone()[0][0]["Plan"]
    assert rows_read(plan, "interactions") < 100, plan


@pytest.mark.parametrize("rows", [3, 300])
def test_followups_is_one_statement(session: Session, ws: Workspace, rows: int) -> None:
    for n in range(rows):
        person = make_contact(session, ws.workspace_id, f"Person {n}")
        row = make_lead(
            session, ws.workspace_id, title=f"Lead {n}", contact=person, created_at=WAY_BACK
        )
        make_interaction(
            session,
            ws.workspace_id,
            timestamp=WAY_BACK,
            lead=row,
            follow_up_date=date(2026, 11, 30),
            type=InteractionType.phone_call,
            body=None,
        )

    with count_statements(session) as statements:
        result = followups(session, workspace=ws, now=MON_NOV_30)

    assert len(result.due_today) == rows
    assert statements.n == 1


def test_a_limit_keeps_the_first_of_each_list_and_counts_them_all(
    session: Session, ws: Workspace
) -> None:
    wid = ws.workspace_id
    bo = make_contact(session, wid, "Bo", "Chen")
    # Five due today (promised at 9:00, 9:01, ...), seven overdue (due Nov 20 .. Nov 26),
    # one due tomorrow and one done: not listed.
    for n in range(5):
        make_interaction(
            session,
            wid,
            timestamp=ny(2026, 11, 23, 9, n),
            contact=bo,
            subject=f"Today {n}",
            follow_up_date=date(2026, 11, 30),
            type=InteractionType.phone_call,
            body=None,
        )
    for day in (26, 20, 25, 21, 24, 22, 23):
        make_interaction(
            session,
            wid,
            timestamp=WAY_BACK,
            contact=bo,
            subject=f"Nov {day}",
            follow_up_date=date(2026, 11, day),
            type=InteractionType.phone_call,
            body=None,
        )
    make_interaction(
        session, wid, timestamp=WAY_BACK, contact=bo, follow_up_date=date(2026, 12, 1), body=None
    )
    make_interaction(
        session,
        wid,
        timestamp=WAY_BACK,
        contact=bo,
        follow_up_date=date(2026, 11, 2),
        follow_up_status=FollowUpStatus.completed,
        body=None,
    )

    with count_statements(session) as statements:
        page = followups(session, workspace=ws, now=MON_NOV_30, limit=3)

    assert statements.n == 1
    assert [item.topic for item in page.due_today] == ["Today 0", "Today 1", "Today 2"]
    assert [item.topic for item in page.overdue] == ["Nov 20", "Nov 21", "Nov 22"]  # most late
    assert [item.days_overdue for item in page.overdue] == [10, 9, 8]
    assert (page.due_today_total, page.overdue_total) == (5, 7)

    whole = followups(session, workspace=ws, now=MON_NOV_30)
    assert (len(whole.due_today), len(whole.overdue)) == (5, 7)
    assert (whole.due_today_total, whole.overdue_total) == (5, 7)
    roomy = followups(session, workspace=ws, now=MON_NOV_30, limit=6)
    assert (len(roomy.due_today), len(roomy.overdue), roomy.overdue_total) == (5, 6, 7)
    # Friday Nov 27: nothing is due that day; all seven (Nov 20 .. 26) are already late.
    friday = followups(session, workspace=ws, now=FRI_NOV_27, limit=2)
    assert (friday.due_today, friday.due_today_total, friday.overdue_total) == ((), 0, 7)
    assert [item.topic for item in friday.overdue] == ["Nov 20", "Nov 21"]
    with pytest.raises(ValueError, match="at least 1"):
        followups(session, workspace=ws, now=MON_NOV_30, limit=0)


# --- "How long since we talked to [customer]?" ----------------------------------------------


def test_last_touchpoint_across_contact_leads_and_deals(session: Session, ws: Workspace) -> None:
    wid = ws.workspace_id
    dana = make_contact(session, wid, "Dana", "Smith")
    row = make_lead(session, wid, title="Leaky faucet", contact=dana, created_at=WAY_BACK)
    deal = make_opportunity(
        session, wid, name="Faucet", stage=OpportunityStage.estimating, contact=dana
    )
    make_interaction(
        session,
        wid,
        timestamp=ny(2026, 11, 20),
        lead=row,
        type=InteractionType.email_inbound,
        body=None,
    )
    make_interaction(
        session,
        wid,
        timestamp=ny(2026, 11, 22),
        opportunity=deal,
        type=InteractionType.note,
        body=None,
    )
    make_interaction(
        session,
        wid,
        timestamp=ny(2026, 11, 24, 10),
        contact=dana,
        body="Wants a quote",
        type=InteractionType.phone_call,
    )
    make_interaction(
        session,
        wid,
        timestamp=ny(2026, 11, 26),
        contact=dana,
        body="after report time",
        type=InteractionType.phone_call,
    )

    answer = last_touchpoint(
        session, workspace=ws, contact_id=dana.contact_id, now=ny(2026, 11, 25, 9)
    )
    assert answer.days_ago == 1
    assert render_last_touchpoint(answer) == (
        "Last touchpoint with Dana Smith: phone call on Tuesday, November 24 (1 day ago) "
        "— Wants a quote."
    )

    make_interaction(
        session,
        wid,
        timestamp=ny(2026, 11, 25, 8),
        opportunity=deal,
        type=InteractionType.meeting,
        subject="Walkthrough!",
        body=None,
    )
    answer = last_touchpoint(
        session, workspace=ws, contact_id=dana.contact_id, now=ny(2026, 11, 25, 9)
    )
    assert render_last_touchpoint(answer) == (
        "Last touchpoint with Dana Smith: meeting on Wednesday, November 25 (today) — Walkthrough!"
    )


def test_last_touchpoint_of_a_merged_contact_and_of_nobody(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, ws.workspace_id, "Dana", "Smith")
    typo = make_contact(
        session, ws.workspace_id, "Dana", "Smyth", merged_into_contact_id=dana.contact_id
    )

    answer = last_touchpoint(session, workspace=ws, contact_id=typo.contact_id, now=MON_NOV_30)
    assert render_last_touchpoint(answer) == "No touchpoints logged with Dana Smith yet."

    make_interaction(
        session,
        ws.workspace_id,
        timestamp=ny(2025, 11, 2, 9),
        contact=typo,
        body="Old call",
        type=InteractionType.phone_call,
    )
    answer = last_touchpoint(session, workspace=ws, contact_id=dana.contact_id, now=MON_NOV_30)
    assert answer.days_ago == 393
    assert render_last_touchpoint(answer) == (
        "Last touchpoint with Dana Smith: phone call on Sunday, November 2, 2025 "
        "(393 days ago) — Old call."
    )


def test_last_touchpoint_of_an_unknown_contact(session: Session, ws: Workspace) -> None:
    other = ensure_workspace(session, "T0OTHER")
    theirs = make_contact(session, other.workspace_id, "Their", "Contact")
    for contact_id in ("ct_nope", theirs.contact_id):
        with pytest.raises(NotFound):
            last_touchpoint(session, workspace=ws, contact_id=contact_id, now=MON_NOV_30)


@pytest.mark.parametrize("rows", [3, 300])
def test_last_touchpoint_is_two_statements(session: Session, ws: Workspace, rows: int) -> None:
    dana = make_contact(session, ws.workspace_id, "Dana", "Smith")
    for n in range(rows):
        row = make_lead(
            session, ws.workspace_id, title=f"Lead {n}", contact=dana, created_at=WAY_BACK
        )
        make_interaction(
            session,
            ws.workspace_id,
            timestamp=ny(2026, 11, 2, n % 20),
            lead=row,
            type=InteractionType.phone_call,
            body=None,
        )

    with count_statements(session) as statements:
        answer = last_touchpoint(session, workspace=ws, contact_id=dana.contact_id, now=MON_NOV_30)

    assert answer.touch is not None
    assert statements.n == 2


# --- "Who are our newest customers?" ------------------------------------------------------------


def test_newest_customers(session: Session, ws: Workspace) -> None:
    wid = ws.workspace_id
    customer = LifecycleStage.customer
    make_contact(session, wid, "Ann", "Old", lifecycle_stage=customer, updated_at=ny(2026, 9, 1))
    make_contact(
        session,
        wid,
        "Dana",
        "Smith",
        lifecycle_stage=customer,
        updated_at=ny(2026, 11, 20),
        phones=["+15552013344"],
        emails=["dana@example.com"],
    )
    make_contact(
        session,
        wid,
        "Bo",
        None,
        lifecycle_stage=customer,
        updated_at=ny(2026, 10, 5),
        emails=["bo@x.io"],
    )
    survivor = make_contact(
        session, wid, "Kim", "Park", lifecycle_stage=customer, updated_at=ny(2026, 1, 1)
    )
    make_contact(
        session,
        wid,
        "Kim",
        "Parks",
        lifecycle_stage=customer,
        updated_at=ny(2026, 11, 29),
        merged_into_contact_id=survivor.contact_id,
    )
    make_contact(
        session,
        wid,
        "Arch",
        "Ived",
        lifecycle_stage=customer,
        updated_at=ny(2026, 11, 29),
        archived=True,
    )
    make_contact(session, wid, "Pro", "Spect", updated_at=ny(2026, 11, 29))
    other = ensure_workspace(session, "T0OTHER")
    make_contact(
        session,
        other.workspace_id,
        "Not",
        "Ours",
        lifecycle_stage=customer,
        updated_at=ny(2026, 11, 29),
    )

    rows = newest_customers(session, workspace=ws, limit=3)

    assert [c.name for c in rows] == ["Dana Smith", "Bo", "Ann Old"]
    assert render_newest_customers(rows) == (
        "Newest customers:\n"
        "— Dana Smith (+15552013344, dana@example.com)\n"
        "— Bo (bo@x.io)\n"
        "— Ann Old"
    )
    assert render_newest_customers(()) == "No customers yet."


@pytest.mark.parametrize("rows", [3, 300])
def test_newest_customers_is_two_statements(session: Session, ws: Workspace, rows: int) -> None:
    for n in range(rows):
        make_contact(
            session,
            ws.workspace_id,
            f"Person {n}",
            lifecycle_stage=LifecycleStage.customer,
            phones=[f"+1555201{n:04d}"],
        )

    with count_statements(session) as statements:
        result = newest_customers(session, workspace=ws, limit=1000)

    assert len(result) == rows
    assert all(c.phone for c in result)
    assert statements.n == 2


def test_items_carry_the_lead_owner_for_the_home_tab(session: Session, ws: Workspace) -> None:
    """Added for the App Home dashboard, which lists a person's own leads first."""
    dana = make_contact(session, ws.workspace_id, "Dana", "Smith")
    mine = make_lead(
        session, ws.workspace_id, title="Faucet", contact=dana, created_at=WAY_BACK, owner="U1"
    )
    make_lead(session, ws.workspace_id, title="Gutter", contact=dana, created_at=WAY_BACK)
    make_interaction(
        session,
        ws.workspace_id,
        timestamp=WAY_BACK,
        lead=mine,
        contact=dana,
        follow_up_date=date(2026, 11, 30),
        type=InteractionType.phone_call,
        body=None,
    )

    stale = stale_leads(session, workspace=ws, now=MON_NOV_30)
    due = followups(session, workspace=ws, now=MON_NOV_30)

    assert sorted((item.title, item.owner or "") for item in stale.items) == [
        ("Faucet", "U1"),
        ("Gutter", ""),
    ]
    assert [item.owner for item in due.due_today] == ["U1"]


def test_bad_arguments_are_refused(session: Session, ws: Workspace) -> None:
    with pytest.raises(ValueError, match="limit"):
        stale_leads(session, workspace=ws, now=MON_NOV_30, limit=0)
    with pytest.raises(ValueError, match="aware"):
        stale_leads(session, workspace=ws, now=MON_NOV_30.replace(tzinfo=None))
    ws.holiday_country = "XX"
    with pytest.raises(InvalidInput) as refused:
        stale_leads(session, workspace=ws, now=MON_NOV_30)
    assert refused.value.field == "holiday_country"


def test_each_total_leaves_out_whom_the_lists_leave_out(session: Session, ws: Workspace) -> None:
    """The totals count the index less the left-out contacts' follow-ups: the same as listed."""
    wid = ws.workspace_id
    bo = make_contact(session, wid, "Bo", "Chen")
    quiet = make_contact(session, wid, "Quiet", "One")  # asked not to be contacted
    folded = make_contact(session, wid, "Folded", "In")  # merged into the quiet one
    gone = make_contact(session, wid, "Gone", "Away")  # archived by itself
    quiet.do_not_contact = True
    folded.merged_into_contact_id, folded.archived = quiet.contact_id, True
    gone.archived = True
    for person in (bo, quiet, folded, gone):
        for day in (30, 20, 21):
            make_interaction(
                session,
                wid,
                timestamp=WAY_BACK,
                contact=person,
                subject=f"{person.first_name} Nov {day}",
                follow_up_date=date(2026, 11, day),
                type=InteractionType.phone_call,
                body=None,
            )
    session.flush()

    page = followups(session, workspace=ws, now=MON_NOV_30, limit=1)

    assert [item.topic for item in page.due_today + page.overdue] == ["Bo Nov 30", "Bo Nov 20"]
    assert (page.due_today_total, page.overdue_total) == (1, 2)

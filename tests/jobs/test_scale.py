"""Each job sends the same number of SQL statements for 30 leads as for 300: nothing is queried
per row. (Runs at full size are measured by `python -m bench`; see docs/performance.md.)

Each lead comes with a contact, a pending follow-up, a re-engage reminder, and every third one
an opportunity; the second run is for the next period, after 270 more leads came in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from console.local_slack import LocalSlackAPI
from core.activity.reminders import DueReminders, due_reminders
from core.common.enums import InteractionType, LeadStatus, OpportunityStage, PipelineStage
from core.reports.followups import FollowUpList, followups
from core.reports.stale_leads import StaleLeadReport, stale_leads
from jobs.daily import run_daily
from jobs.monthly import run_monthly
from jobs.scheduler import RunJob
from jobs.weekly import run_weekly
from tests.core.factories import (
    count_statements,
    make_contact,
    make_interaction,
    make_lead,
    make_opportunity,
    make_reminder,
    ny,
)

STAGES = list(PipelineStage)
DEALS = [OpportunityStage.won, OpportunityStage.lost, OpportunityStage.proposal_sent]


def seed(session: Session, ws: str, numbers: range, start: datetime) -> None:
    """Leads `Job i` for i in `numbers`, made a minute apart from `start`, with their rows."""
    day = start.date()
    for i in numbers:
        person = make_contact(session, ws, "Person", str(i))
        row = make_lead(
            session,
            ws,
            title=f"Job {i}",
            contact=person,
            created_at=start + timedelta(minutes=i),
            status=LeadStatus.new if i % 2 else LeadStatus.working,
            pipeline_stage=STAGES[i % len(STAGES)],
            estimated_value="100",
            expected_close_date=day,
        )
        make_interaction(
            session,
            ws,
            timestamp=start + timedelta(minutes=i),
            lead=row,
            contact=person,
            subject=f"Call {i}",
            follow_up_date=day + timedelta(days=i % 3),
            type=InteractionType.phone_call,
            body=None,
        )
        make_reminder(session, ws, day + timedelta(days=2), contact=person)
        if i % 3 == 0:
            make_opportunity(
                session,
                ws,
                name=f"Deal {i}",
                stage=DEALS[i // 3 % 3],
                amount="200",
                lead=row,
                contact=person,
                close_date=day + timedelta(days=1),
            )


@dataclass(frozen=True)
class Case:
    run: RunJob
    first: tuple[datetime, datetime]  # the first 30 leads from, and the report time
    second: tuple[datetime, datetime]  # 270 more from, and the next period's report time
    headline: str  # the line of the first message that counts them; {n} is filled in


CASES = {
    # Every lead is long untouched by Mon 30 / Tue 1: all stale; every follow-up is overdue.
    "daily": Case(
        run_daily,
        (ny(2026, 11, 2, 9), ny(2026, 11, 30, 8)),
        (ny(2026, 11, 3, 9), ny(2026, 12, 1, 8)),
        "Stale leads: {total}",
    ),
    # Made inside the week before Mon Nov 30 / Mon Dec 7, 08:00: new this week.
    "weekly": Case(
        run_weekly,
        (ny(2026, 11, 23, 9), ny(2026, 11, 30, 8)),
        (ny(2026, 11, 30, 9), ny(2026, 12, 7, 8)),
        "New leads this week: {added}",
    ),
    # Made in November / December: the months the Dec 1 / Jan 1 summaries cover.
    "monthly": Case(
        run_monthly,
        (ny(2026, 11, 2, 9), ny(2026, 12, 1, 8)),
        (ny(2026, 12, 2, 9), ny(2027, 1, 1, 8)),
        "Leads created: {added}",
    ),
}


@pytest.mark.parametrize("job", list(CASES))
def test_30_or_300_leads_take_the_same_statements(
    job: str,
    sessions: sessionmaker[Session],
    ws: str,
    slack_api: LocalSlackAPI,
    slack: WebClient,
) -> None:
    case = CASES[job]

    def run(at: datetime) -> tuple[int, int]:
        with sessions() as session, count_statements(session) as counter:
            outcome = case.run(sessions=sessions, slack=slack, now=at, workspace_id=ws)
        assert outcome.ok, outcome.describe()
        return counter.n, outcome.messages

    with sessions.begin() as session:
        seed(session, ws, range(30), case.first[0])
    few = run(case.first[1])
    first_texts = [m["text"] for m in slack_api.messages]
    with sessions.begin() as session:
        seed(session, ws, range(30, 300), case.second[0])
    many = run(case.second[1])
    second_texts = [m["text"] for m in slack_api.messages[len(first_texts) :]]

    assert many == few
    assert case.headline.format(total=30, added=30) in first_texts[0].split("\n")
    assert case.headline.format(total=300, added=270) in second_texts[0].split("\n")


def test_the_daily_run_loads_only_the_records_it_posts(
    sessions: sessionmaker[Session],
    ws: str,
    slack: WebClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loaded: list[Any] = []

    def watching(query: Any) -> Any:
        def watched(session: Session, **kwargs: Any) -> Any:
            result = query(session, **kwargs)
            loaded.append(result)
            return result

        return watched

    for name, query in [
        ("stale_leads", stale_leads),
        ("followups", followups),
        ("due_reminders", due_reminders),
    ]:
        monkeypatch.setattr(f"jobs.daily.{name}", watching(query))
    with sessions.begin() as session:
        seed(session, ws, range(300), ny(2026, 11, 2, 9))
    run_daily(sessions=sessions, slack=slack, now=ny(2026, 11, 30, 8), workspace_id=ws)
    stale, morning, reminders = loaded
    assert isinstance(stale, StaleLeadReport)
    assert (len(stale.items), stale.total) == (10, 300)  # a LIMIT 10 and a COUNT in SQL
    # Every follow-up was promised for Nov 2, 3 or 4 and every reminder is due Nov 4: all late.
    assert isinstance(morning, FollowUpList)
    assert (len(morning.due_today), morning.due_today_total) == (0, 0)
    assert (len(morning.overdue), morning.overdue_total) == (10, 300)
    assert isinstance(reminders, DueReminders)
    assert (len(reminders.items), reminders.total) == (10, 300)

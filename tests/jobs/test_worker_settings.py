"""The digest hour and the on/off switches are workspace settings the worker reads every tick:
changing the hour moves the run, turning a digest off stops it, turning it back on the same
day posts it once. An owner changes them through core's `update_settings`, as /crm settings does.

Mon 2026-11-30 .. Wed 2026-12-02, New York.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from console.local_slack import LocalSlackAPI
from core.models import JobRun, Workspace
from core.workspaces.service import update_settings
from jobs.periods import JobKind
from jobs.runner import OutcomeStatus
from jobs.scheduler import tick
from tests.conftest import OWNER
from tests.core.factories import make_contact, make_lead, ny
from tests.jobs.conftest import FixedClock


def change(sessions: sessionmaker[Session], ws: str, **changes: object) -> None:
    with sessions.begin() as session:
        workspace = session.get(Workspace, ws)
        assert workspace is not None
        update_settings(session=session, workspace=workspace, actor=OWNER, changes=changes)


def tick_all(
    sessions: sessionmaker[Session], slack: WebClient, at: datetime
) -> list[tuple[str, str]]:
    """One worker tick of every job at `at`: (job, period) of each run it posted."""
    posted = []
    for job in JobKind:
        for outcome in tick(job, sessions=sessions, clients=lambda _w: slack, clock=FixedClock(at)):
            assert outcome.status is OutcomeStatus.posted, outcome.describe()
            posted.append((job.value, outcome.period))
    return posted


def test_the_hour_moves_the_run_and_a_switch_stops_it(
    sessions: sessionmaker[Session], ws: str, slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    with sessions.begin() as session:
        dana = make_contact(session, ws, "Dana", "Smith")
        make_lead(session, ws, title="Roof", contact=dana, created_at=ny(2026, 11, 25, 10))
    change(sessions, ws, digest_hour=6, weekly_digest_enabled=False)

    assert tick_all(sessions, slack, ny(2026, 11, 30, 5, 59)) == []
    assert tick_all(sessions, slack, ny(2026, 11, 30, 6)) == [("daily", "2026-11-30")]
    # The Roof lead (Wed 25) is 2 business days old on Monday (Fri 27, Mon 30): not stale.
    assert [m["text"] for m in slack_api.messages] == ["Today's follow-ups: none"]
    assert tick_all(sessions, slack, ny(2026, 11, 30, 8)) == []  # 08:00 is no longer the hour

    # A lead comes in at 07:00; at 07:30 the owner turns the weekly digest back on. It is
    # still Monday, so it posts now, once, as of its 06:00 report time.
    with sessions.begin() as session:
        make_lead(session, ws, title="Early bird", created_at=ny(2026, 11, 30, 7))
    change(sessions, ws, weekly_digest_enabled=True)
    assert tick_all(sessions, slack, ny(2026, 11, 30, 7, 30)) == [("weekly", "2026-W49")]
    assert tick_all(sessions, slack, ny(2026, 11, 30, 7, 31)) == []
    weekly = slack_api.messages[-1]["text"].split("\n")
    assert weekly[:2] == ["Pipeline — Monday, November 30, 2026", "New leads this week: 1"]
    assert weekly[7] == "Oldest open lead: Dana Smith — 5 days, stage: inquiry"  # Nov 25 -> 30

    # Tuesday the 1st: the daily digest is off, the monthly summary still comes at 06:00.
    change(sessions, ws, daily_digest_enabled=False)
    assert tick_all(sessions, slack, ny(2026, 12, 1, 6)) == [("monthly", "2026-12")]
    assert tick_all(sessions, slack, ny(2026, 12, 1, 12)) == []

    # Wednesday: daily back on, at 09:00 now.
    change(sessions, ws, daily_digest_enabled=True, digest_hour=9)
    assert tick_all(sessions, slack, ny(2026, 12, 2, 8, 59)) == []
    assert tick_all(sessions, slack, ny(2026, 12, 2, 9)) == [("daily", "2026-12-02")]

    with sessions.begin() as session:
        ledger = sorted((r.job, r.period) for r in session.scalars(select(JobRun)))
    assert ledger == [
        ("daily", "2026-11-30"),
        ("daily", "2026-12-02"),
        ("monthly", "2026-12"),
        ("weekly", "2026-W49"),
    ]

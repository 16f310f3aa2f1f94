"""The worker, travelling in time with a fixed clock over a committed database of its own.

The week of Mon 2026-11-23 .. Tue 2026-12-01 in New York, Thanksgiving on Thu 26. Each test
shows every post made exactly once with the right figures: two workers started at once, a
worker killed mid-run and restarted, a worker down at 08:00, a Slack failure retried.
Stale figures are counted here by hand from the rows made, not by the code under test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from console.local_slack import LocalSlackAPI
from core.common.enums import InteractionType, JobRunStatus, OpportunityStage
from core.models import DealTally, JobRun, OAuthState
from core.platform.event_ledger import claim_event, event_was_claimed
from core.platform.oauth_states import issue_oauth_state, redeem_oauth_state
from core.workspaces.service import WorkspaceDefaults, ensure_workspace
from integrations.slack import make_client
from jobs.periods import JobKind
from jobs.runner import JobOutcome, OutcomeStatus
from jobs.scheduler import (
    build_scheduler,
    fold_tally_rows,
    forget_old_consent_states,
    forget_old_events,
    tick,
)
from tests.conftest import OWNER
from tests.core.factories import (
    NEW_YORK,
    make_contact,
    make_interaction,
    make_lead,
    make_opportunity,
    ny,
)
from tests.jobs.conftest import PIPELINE, CommittedDatabase, FixedClock

THANKSGIVING = date(2026, 11, 26)


def business_days_since(start: date, day: date) -> int:
    """Weekdays after `start` up to `day`, less Thanksgiving: counted here, independently."""
    span = (start + timedelta(days=n) for n in range(1, (day - start).days + 1))
    return sum(1 for d in span if d.weekday() < 5 and d != THANKSGIVING)


class Worker:
    """One worker process: its own engine and connection pool, its own Slack client."""

    def __init__(self, db: CommittedDatabase, api: LocalSlackAPI, clock: FixedClock) -> None:
        self.sessions = db.sessions()
        self.api = api
        self.clock = clock

    def client(self, _workspace_id: str) -> WebClient:
        return make_client("xoxb-test", base_url=self.api.url, sleep=lambda _s: None)

    def tick(self, *jobs: JobKind) -> list[JobOutcome]:
        outcomes: list[JobOutcome] = []
        for job in jobs or tuple(JobKind):
            outcomes += tick(
                job,
                sessions=self.sessions,
                clients=self.client,
                clock=self.clock,
            )
        return outcomes


def runs(sessions: sessionmaker[Session]) -> dict[tuple[str, str, str], JobRun]:
    with sessions.begin() as session:
        return {(r.workspace_id, r.job, r.period): r for r in session.scalars(select(JobRun))}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(ny(2026, 11, 23, 0))


# --- a week with a holiday in it ------------------------------------------------------------

# (title, contact, created, last touch before the day's 08:00 report, touched at)
ROOF = ("Roof leak", ("Dana", "Smith"), ny(2026, 11, 18, 10), None)
FENCE = ("Fence", ("Sam", "Lee"), ny(2026, 11, 20, 10), ny(2026, 11, 24, 9))
WINDOW = ("Window", ("Pat", "Kim"), ny(2026, 11, 25, 12), None)
LEADS = (ROOF, FENCE, WINDOW)


def seed_week(db: CommittedDatabase) -> None:
    with db.sessions().begin() as session:
        for title, (first, last), created, touched in LEADS:
            person = make_contact(session, db.workspace_id, first, last)
            row = make_lead(
                session, db.workspace_id, title=title, contact=person, created_at=created
            )
            if touched is not None:
                make_interaction(
                    session,
                    db.workspace_id,
                    timestamp=touched,
                    lead=row,
                    contact=person,
                    body="Called about the job",
                    type=InteractionType.phone_call,
                )
        make_opportunity(
            session,
            db.workspace_id,
            name="Boiler",
            stage=OpportunityStage.won,
            amount="2000",
            close_date=date(2026, 11, 24),
        )


def stale_figures(message: dict[str, Any]) -> list[tuple[str, int]]:
    """(title, days) of each nudge in a posted "Stale leads" message, read back from its text."""
    nudges = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    return [
        (n.split("the ", 1)[1].split(" lead from")[0], int(n.split(" in ")[1].split(" day")[0]))
        for n in nudges
    ]


def expected_stale(day: date) -> list[tuple[str, int]]:
    """(title, calendar days) of the leads stale at 08:00 on `day`, oldest touch first."""
    report_time = ny(day.year, day.month, day.day, 8)
    stale = []
    for title, _person, created, touched in LEADS:
        if created > report_time:
            continue
        last = touched if touched is not None and touched <= report_time else created
        last_day = last.astimezone(NEW_YORK).date()
        if business_days_since(last_day, day) >= 3:
            stale.append((last, title, (day - last_day).days))
    return [(title, days) for _last, title, days in sorted(stale)]


def test_a_week_with_thanksgiving_posts_each_digest_once(
    committed_db: CommittedDatabase, slack_api: LocalSlackAPI, clock: FixedClock
) -> None:
    seed_week(committed_db)
    worker = Worker(committed_db, slack_api, clock)
    posts_by_day: dict[date, list[dict[str, Any]]] = {}
    uploads_by_day: dict[date, int] = {}
    when = ny(2026, 11, 23, 0)
    while when < ny(2026, 12, 2, 0):  # every half hour for nine days
        clock.set(when)
        before, uploads = len(slack_api.messages), len(slack_api.uploads)
        worker.tick()
        day = when.astimezone(NEW_YORK).date()
        new = slack_api.messages[before:]
        if new:
            assert when.hour == 13 and when.minute == 0  # 08:00 New York (EST) exactly
        posts_by_day.setdefault(day, []).extend(new)
        uploads_by_day[day] = uploads_by_day.get(day, 0) + len(slack_api.uploads) - uploads
        when += timedelta(minutes=30)

    daily_days = [date(2026, 11, d) for d in (23, 24, 25, 27, 30)] + [date(2026, 12, 1)]
    ledger = runs(committed_db.sessions())
    ws = committed_db.workspace_id
    assert sorted(ledger) == sorted(
        [(ws, "daily", d.isoformat()) for d in daily_days]
        + [(ws, "weekly", "2026-W48"), (ws, "weekly", "2026-W49"), (ws, "monthly", "2026-12")]
    )
    assert {(r.status, r.attempts) for r in ledger.values()} == {(JobRunStatus.done, 1)}

    for day in sorted(posts_by_day):
        posts = posts_by_day[day]
        if day not in daily_days:
            assert posts == [], f"{day:%a %d} should be quiet"
            continue
        stale = expected_stale(day)
        channel_posts = [p for p in posts if p["channel"] == PIPELINE]
        daily = [p for p in channel_posts if not p["text"].startswith("Pipeline —")]
        if stale:
            assert daily[0]["text"] == f"Stale leads: {len(stale)}"
            assert stale_figures(daily[0]) == stale
        assert daily[-1]["text"] == "Today's follow-ups: none"
        assert len(daily) == (2 if stale else 1)

    # Mon 23: nothing stale yet but the roof (3 business days); Fri 27: the fence is only at 2
    # business days because Thanksgiving does not count; Mon 30: it is stale.
    assert expected_stale(date(2026, 11, 23)) == [("Roof leak", 5)]
    assert expected_stale(date(2026, 11, 27)) == [("Roof leak", 9)]
    assert expected_stale(date(2026, 11, 30)) == [("Roof leak", 12), ("Fence", 6)]
    assert expected_stale(date(2026, 12, 1)) == [("Roof leak", 13), ("Fence", 7), ("Window", 6)]

    weekly = {
        day: next(p["text"] for p in posts if p["text"].startswith("Pipeline —"))
        for day, posts in posts_by_day.items()
        if any(p["text"].startswith("Pipeline —") for p in posts)
    }
    assert sorted(weekly) == [date(2026, 11, 23), date(2026, 11, 30)]
    assert weekly[date(2026, 11, 23)].split("\n")[1:8] == [
        "New leads this week: 2",  # the roof (Wed 18) and the fence (Fri 20)
        "Leads in follow-up: 0 (avg age: 0.0 days)",
        "Proposals out: 0 (total value: $0)",
        "Won this week: 0 ($0)",
        "Lost this week: 0",
        "",
        "Oldest open lead: Dana Smith — 5 days, stage: inquiry",
    ]
    assert weekly[date(2026, 11, 30)].split("\n")[1:8] == [
        "New leads this week: 1",  # the window (Wed 25)
        "Leads in follow-up: 0 (avg age: 0.0 days)",
        "Proposals out: 0 (total value: $0)",
        "Won this week: 1 ($2,000)",  # the boiler, Tue 24
        "Lost this week: 0",
        "",
        "Oldest open lead: Dana Smith — 12 days, stage: inquiry",
    ]
    assert uploads_by_day[date(2026, 11, 23)] == uploads_by_day[date(2026, 11, 30)] == 1
    assert sum(uploads_by_day.values()) == 2

    monthly = [p for p in posts_by_day[date(2026, 12, 1)] if p["channel"] == OWNER]
    assert [p["text"].split("\n")[0] for p in monthly] == ["Win/loss — November 2026"]
    assert "— Won: 1 ($2,000)" in monthly[0]["text"].split("\n")


# --- two workers at once ----------------------------------------------------------------------


def all_at_once(workers: list[Worker]) -> list[JobOutcome]:
    """Start every worker's tick at the same instant, each on its own thread and connection."""
    start = threading.Barrier(len(workers))
    results: list[JobOutcome] = []
    errors: list[BaseException] = []

    def work(worker: Worker) -> None:
        try:
            start.wait()
            results.extend(worker.tick())
        except BaseException as error:  # noqa: BLE001 - surfaced by the assert below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def test_two_workers_started_at_once_post_once(
    committed_db: CommittedDatabase, slack_api: LocalSlackAPI, clock: FixedClock
) -> None:
    seed_week(committed_db)
    workers = [Worker(committed_db, slack_api, clock) for _ in range(2)]
    days = [ny(2026, 11, 30, 8), ny(2026, 12, 1, 8), ny(2026, 12, 2, 8), ny(2026, 12, 3, 8)]
    for when in days:
        clock.set(when)
        results = all_at_once(workers)
        posted = [o for o in results if o.status is OutcomeStatus.posted]
        expected = {"daily"} | ({"weekly"} if when.day == 30 else set())
        expected |= {"monthly"} if when.day == 1 else set()
        assert sorted(o.job.value for o in posted) == sorted(expected)

    ledger = runs(committed_db.sessions())
    assert len(ledger) == 4 + 1 + 1
    assert {(r.status, r.attempts) for r in ledger.values()} == {(JobRunStatus.done, 1)}
    # Each post landed once with its figures: per day the stale list and the morning list,
    # the Monday digest and its chart, the monthly DM.
    stale_posts = [m for m in slack_api.messages if m["text"].startswith("Stale leads:")]
    assert [stale_figures(m) for m in stale_posts] == [
        expected_stale(date(2026, 11, 30)),
        expected_stale(date(2026, 12, 1)),
        expected_stale(date(2026, 12, 2)),
        expected_stale(date(2026, 12, 3)),
    ]
    assert [stale_figures(m) for m in stale_posts][-1] == [
        ("Roof leak", 15),  # Nov 18 -> Dec 3
        ("Fence", 9),  # Nov 24 -> Dec 3
        ("Window", 8),  # Nov 25 -> Dec 3
    ]
    texts = [m["text"] for m in slack_api.messages]
    assert texts.count("Today's follow-ups: none") == 4
    (weekly,) = [t for t in texts if t.startswith("Pipeline —")]
    assert weekly.split("\n")[1:5] == [
        "New leads this week: 1",  # the window (Wed 25)
        "Leads in follow-up: 0 (avg age: 0.0 days)",
        "Proposals out: 0 (total value: $0)",
        "Won this week: 1 ($2,000)",  # the boiler, Tue 24
    ]
    (monthly,) = [m for m in slack_api.messages if m["text"].startswith("Win/loss —")]
    assert monthly["channel"] == OWNER
    assert "— Won: 1 ($2,000)" in monthly["text"].split("\n")
    assert len(slack_api.messages) == 4 * 2 + 1 + 1
    assert len(slack_api.uploads) == 1


# --- a worker killed mid-run ------------------------------------------------------------------


class WorkerKilled(BaseException):
    """The process died (SIGKILL, a crash): nothing in the worker gets to clean up."""


class DyingClient(WebClient):
    """Posts `survive` messages, then the process dies in the middle of the run."""

    def __init__(self, survive: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.survive = survive

    def chat_postMessage(self, **kwargs: Any) -> Any:  # noqa: N802 - slack_sdk's name
        if self.survive == 0:
            raise WorkerKilled()
        self.survive -= 1
        return super().chat_postMessage(**kwargs)


def test_a_worker_killed_mid_run_is_taken_over_after_15_minutes_without_double_posts(
    committed_db: CommittedDatabase, slack_api: LocalSlackAPI, clock: FixedClock
) -> None:
    seed_week(committed_db)
    clock.set(ny(2026, 11, 30, 8))
    doomed = Worker(committed_db, slack_api, clock)
    dying = DyingClient(1, token="xoxb-test", base_url=slack_api.url)
    with pytest.raises(WorkerKilled):
        tick(JobKind.daily, sessions=doomed.sessions, clients=lambda _w: dying, clock=clock)
    assert [m["text"] for m in slack_api.messages] == ["Stale leads: 2"]
    key = (committed_db.workspace_id, "daily", "2026-11-30")
    stuck = runs(committed_db.sessions())[key]
    assert (stuck.status, len(stuck.posted)) == (JobRunStatus.running, 1)

    restarted = Worker(committed_db, slack_api, clock)
    for minute in (5, 14):
        clock.set(ny(2026, 11, 30, 8, minute))
        assert restarted.tick(JobKind.daily) == []  # it may still be posting: wait
    clock.set(ny(2026, 11, 30, 8, 15))
    (outcome,) = restarted.tick(JobKind.daily)
    assert (outcome.status, outcome.messages) == (OutcomeStatus.posted, 1)
    clock.set(ny(2026, 11, 30, 8, 16))
    assert restarted.tick(JobKind.daily) == []

    stale, morning = slack_api.messages
    assert (stale["text"], morning["text"]) == ("Stale leads: 2", "Today's follow-ups: none")
    assert stale_figures(stale) == expected_stale(date(2026, 11, 30))
    assert stale_figures(stale) == [("Roof leak", 12), ("Fence", 6)]
    run = runs(committed_db.sessions())[key]
    assert (run.status, run.attempts, len(run.posted)) == (JobRunStatus.done, 2, 2)


# --- a worker down at 08:00 -------------------------------------------------------------------


def test_a_worker_down_at_eight_posts_once_that_day_and_never_old_days(
    committed_db: CommittedDatabase, slack_api: LocalSlackAPI, clock: FixedClock
) -> None:
    seed_week(committed_db)
    with committed_db.sessions().begin() as session:  # after Monday's 08:00 report time
        make_lead(
            session, committed_db.workspace_id, title="Late arrival", created_at=ny(2026, 11, 30, 9)
        )

    # Down all week: it comes back on Friday at 10:30 and posts Friday's digest only.
    clock.set(ny(2026, 11, 27, 10, 30))
    worker = Worker(committed_db, slack_api, clock)
    assert [(o.job.value, o.period) for o in worker.tick()] == [("daily", "2026-11-27")]
    clock.set(ny(2026, 11, 27, 10, 31))
    assert worker.tick() == []
    friday = len(slack_api.messages)
    assert stale_figures(slack_api.messages[0]) == expected_stale(date(2026, 11, 27))
    assert stale_figures(slack_api.messages[0]) == [("Roof leak", 9)]  # Nov 18 -> Nov 27

    # Down again over the weekend and Monday 08:00; back on Monday at 10:30.
    clock.set(ny(2026, 11, 30, 10, 30))
    worker = Worker(committed_db, slack_api, clock)
    outcomes = worker.tick()
    assert sorted((o.job.value, o.period) for o in outcomes) == [
        ("daily", "2026-11-30"),
        ("weekly", "2026-W49"),
    ]
    clock.set(ny(2026, 11, 30, 10, 31))
    assert worker.tick() == []
    weekly = next(m for m in slack_api.messages if m["text"].startswith("Pipeline —"))
    # Report time is the scheduled 08:00: the 09:00 lead is not in this week's digest.
    assert "New leads this week: 1" in weekly["text"].split("\n")

    # Restarted Tuesday at 10:30: Tuesday's digest, and nothing of Monday's again.
    clock.set(ny(2026, 12, 1, 10, 30))
    worker = Worker(committed_db, slack_api, clock)
    assert sorted((o.job.value, o.period) for o in worker.tick()) == [
        ("daily", "2026-12-01"),
        ("monthly", "2026-12"),
    ]
    ledger = runs(committed_db.sessions())
    assert sorted(period for (_ws, job, period) in ledger if job == "daily") == [
        "2026-11-27",
        "2026-11-30",
        "2026-12-01",
    ]
    assert friday == 2  # Friday: the roof nudge and the morning list
    # One post of each, never a backlog of missed days: Friday, Monday, Tuesday.
    assert [m["text"].split("\n")[0] for m in slack_api.messages] == [
        "Stale leads: 1",
        "Today's follow-ups: none",
        "Stale leads: 2",
        "Today's follow-ups: none",
        "Pipeline — Monday, November 30, 2026",
        "Stale leads: 3",
        "Today's follow-ups: none",
        "Win/loss — November 2026",
    ]
    monday, tuesday = slack_api.messages[2], slack_api.messages[5]
    assert stale_figures(monday) == expected_stale(date(2026, 11, 30))
    assert stale_figures(tuesday) == expected_stale(date(2026, 12, 1))
    assert stale_figures(tuesday) == [("Roof leak", 13), ("Fence", 7), ("Window", 6)]


# --- Slack failing ----------------------------------------------------------------------------


def test_a_failed_post_is_recorded_retried_after_backoff_and_others_still_post(
    committed_db: CommittedDatabase, slack_api: LocalSlackAPI, clock: FixedClock
) -> None:
    other = "T0OTHER"
    with committed_db.sessions().begin() as session:
        ensure_workspace(
            session, other, WorkspaceDefaults(owner_ids=[OWNER], pipeline_channel="C0OTHER")
        )
    ours = committed_db.workspace_id
    first, second = sorted([ours, other])
    slack_api.fail_next("chat.postMessage", error="channel_not_found")

    clock.set(ny(2026, 11, 24, 8))
    worker = Worker(committed_db, slack_api, clock)
    outcomes = {o.workspace_id: o for o in worker.tick(JobKind.daily)}
    assert outcomes[first].status is OutcomeStatus.failed
    assert "channel_not_found" in outcomes[first].detail
    assert outcomes[second].status is OutcomeStatus.posted
    failed = runs(worker.sessions)[(first, "daily", "2026-11-24")]
    assert (failed.status, failed.attempts) == (JobRunStatus.failed, 1)
    assert failed.error is not None and "Slack said channel_not_found" in failed.error

    clock.set(ny(2026, 11, 24, 8, 1))
    assert worker.tick(JobKind.daily) == []  # backing off: 2 minutes after the first failure
    clock.set(ny(2026, 11, 24, 8, 2))
    (retry,) = worker.tick(JobKind.daily)
    assert (retry.workspace_id, retry.status) == (first, OutcomeStatus.posted)
    done = runs(worker.sessions)[(first, "daily", "2026-11-24")]
    assert (done.status, done.attempts, done.error) == (JobRunStatus.done, 2, None)
    channels = [m["channel"] for m in slack_api.messages]
    assert sorted(channels) == sorted([PIPELINE, "C0OTHER"])


# --- the APScheduler wiring -------------------------------------------------------------------


def test_the_scheduler_registers_one_ticking_job_per_kind(clock: FixedClock) -> None:
    never: Callable[[str], WebClient] = lambda _w: WebClient()  # noqa: E731
    scheduler = build_scheduler(sessions=sessionmaker(), clients=never, clock=clock)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert sorted(jobs) == [
        "crm-digest-daily",
        "crm-digest-monthly",
        "crm-digest-weekly",
        "crm-fold-tallies",
        "crm-forget-consent-states",
        "crm-forget-events",
        "crm-forget-outbox",
        "crm-outbox",
        "crm-warm-up",
    ]
    assert jobs["crm-forget-events"].trigger.interval == timedelta(hours=1)
    assert jobs["crm-forget-outbox"].trigger.interval == timedelta(hours=1)
    assert jobs["crm-forget-consent-states"].trigger.interval == timedelta(hours=1)
    assert jobs["crm-fold-tallies"].trigger.interval == timedelta(minutes=1)
    assert jobs["crm-outbox"].trigger.interval == timedelta(seconds=3)
    # A new day's report statements are built before its first digest.
    assert jobs["crm-warm-up"].trigger.interval == timedelta(hours=1)
    assert jobs["crm-warm-up"].kwargs["freeze_heap"] is True
    daily = jobs["crm-digest-daily"]
    assert daily.args == (JobKind.daily,)
    assert daily.trigger.interval == timedelta(minutes=1)
    # The first tick is at start-up (catch-up), on the wall clock whatever the report clock says.
    started = datetime.now(UTC)
    assert abs(daily.next_run_time - started) < timedelta(seconds=5)
    assert daily.next_run_time != clock.now
    # Work a stopped worker left in the outbox is picked up at start-up too, and it warms up.
    assert abs(jobs["crm-outbox"].next_run_time - started) < timedelta(seconds=5)
    assert abs(jobs["crm-warm-up"].next_run_time - started) < timedelta(seconds=5)


def test_old_event_ids_are_forgotten_after_a_day_recent_ones_kept(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    now = ny(2026, 11, 30, 8)
    with sessions.begin() as session:
        claim_event(
            session,
            workspace_id=workspace_id,
            event_id="Ev-old",
            received_at=now - timedelta(hours=25),
        )
        claim_event(
            session,
            workspace_id=workspace_id,
            event_id="Ev-new",
            received_at=now - timedelta(hours=2),
        )
    assert forget_old_events(sessions=sessions, clock=FixedClock(now)) == 1
    with sessions.begin() as session:
        assert not event_was_claimed(session, workspace_id=workspace_id, event_id="Ev-old")
        assert event_was_claimed(session, workspace_id=workspace_id, event_id="Ev-new")


def test_consent_link_states_are_forgotten_a_day_after_they_expire(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    now = ny(2026, 11, 30, 8)
    with sessions.begin() as session:
        workspace = ensure_workspace(session, workspace_id, WorkspaceDefaults(owner_ids=[OWNER]))
        made = {
            age: issue_oauth_state(
                session, workspace=workspace, owner=OWNER, provider="google", now=now - age
            )
            for age in (timedelta(days=2), timedelta(hours=23), timedelta(minutes=5))
        }
        redeem_oauth_state(
            session,
            state=made[timedelta(days=2)],
            provider="google",
            now=now - timedelta(days=2),
            expired_text="expired",
        )

    assert forget_old_consent_states(sessions=sessions, clock=FixedClock(now)) == 1
    assert forget_old_consent_states(sessions=sessions, clock=FixedClock(now)) == 0
    with sessions.begin() as session:
        assert len(session.scalars(select(OAuthState)).all()) == 2
        # The live link still connects.
        consent = redeem_oauth_state(
            session,
            state=made[timedelta(minutes=5)],
            provider="google",
            now=now,
            expired_text="expired",
        )
    assert consent.owner == OWNER


def test_the_tallies_are_folded_to_one_row_per_key(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    with sessions.begin() as session:
        for name in ("a", "b", "c"):  # three deals at estimating: three delta rows, one key
            make_opportunity(session, workspace_id, name=name, amount="10")

    assert fold_tally_rows(sessions=sessions) == 3
    assert fold_tally_rows(sessions=sessions) == 0
    with sessions.begin() as session:
        rows = session.execute(select(DealTally.stage, DealTally.deals, DealTally.amount)).all()
    assert [(str(stage), deals, amount) for stage, deals, amount in rows] == [
        ("estimating", 3, Decimal("30.00"))
    ]


def test_a_workspace_with_a_bad_setting_does_not_stop_the_others(
    sessions: sessionmaker[Session], workspace_id: str, slack_api: LocalSlackAPI
) -> None:
    with sessions.begin() as session:
        broken = ensure_workspace(session, "T0BROKEN", WorkspaceDefaults(owner_ids=[OWNER]))
        broken.holiday_country = "XX"  # no such country: business days cannot be counted
    clock = FixedClock(ny(2026, 11, 30, 8))
    outcomes = tick(
        JobKind.daily,
        sessions=sessions,
        clients=lambda _w: make_client("xoxb-test", base_url=slack_api.url),
        clock=clock,
    )
    assert [(o.workspace_id, o.status) for o in outcomes] == [(workspace_id, OutcomeStatus.posted)]

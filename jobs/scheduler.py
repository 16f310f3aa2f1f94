"""`crm worker`: an APScheduler 3 process that posts each workspace's digests when they fall due.

One APScheduler job per kind (ids `crm-digest-daily`, `-weekly`, `-monthly`) ticks every
minute, and once at start-up, and asks "which workspaces have this job due today, past their
digest hour, and not settled in job_runs?". Times, hours and on/off switches are workspace
settings, read on every tick, so a settings change applies within a minute without a restart.
Asking instead of firing at 08:00 is what gives catch-up: a worker down at 08:00 posts when it
comes back that same day; a day later that period is no longer due, so nothing old is posted.
Report time for a caught-up run is still the scheduled 08:00 (docs/product.md, Definitions).
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, Unpack

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.errors import CRMError
from core.models import Workspace, utcnow
from core.platform.event_ledger import forget_events
from core.platform.logs import log_context
from core.platform.oauth_states import forget_oauth_states
from core.platform.outbox import forget_delivered
from core.platform.tallies import fold_tallies
from jobs import ledger
from jobs.daily import run_daily
from jobs.monthly import run_monthly
from jobs.outbox import OUTBOX_TICK_SECONDS, run_outbox
from jobs.periods import JobKind, Period, due_period
from jobs.runner import Clock, JobOutcome, RunOptions
from jobs.warm import warm_up
from jobs.weekly import run_weekly

log = logging.getLogger(__name__)

TICK_SECONDS = 60
# Slack retries an event for about an hour; a day of event ids is plenty to refuse repeats.
EVENT_MEMORY = timedelta(days=1)
# Delivered outbox items are kept a week for anyone asking "did the owner get told?".
OUTBOX_MEMORY = timedelta(days=7)
# A consent link lives ten minutes; a day past that, its state can only answer "was it used?".
CONSENT_STATE_MEMORY = timedelta(days=1)
ClientFor = Callable[[str], WebClient]


class RunJob(Protocol):
    def __call__(self, **options: Unpack[RunOptions]) -> JobOutcome: ...


JOBS: dict[JobKind, RunJob] = {
    JobKind.daily: run_daily,
    JobKind.weekly: run_weekly,
    JobKind.monthly: run_monthly,
}


def due_runs(session: Session, *, job: JobKind, now: datetime) -> list[tuple[str, Period]]:
    """Workspaces whose `job` is due at `now` and not settled: two statements for them all."""
    due: dict[str, Period] = {}
    for workspace in session.scalars(select(Workspace).order_by(Workspace.workspace_id)):
        try:
            period = due_period(workspace, job, now)
        except CRMError as error:  # e.g. a holiday country nobody knows: that workspace only
            log.error("%s digest for %s: %s", job.value, workspace.workspace_id, error.message)
            continue
        if period is not None:
            due[workspace.workspace_id] = period
    keys = {workspace_id: period.key for workspace_id, period in due.items()}
    settled = ledger.settled_runs(session, job=job.value, periods=keys, now=now)
    return [
        (workspace_id, period)
        for workspace_id, period in due.items()
        if workspace_id not in settled
    ]


def tick(
    job: JobKind,
    *,
    sessions: sessionmaker[Session],
    clients: ClientFor,
    clock: Clock = utcnow,
) -> list[JobOutcome]:
    """Run every due `job` now, each workspace on its own; one failing never stops the rest."""
    now = clock()
    with sessions.begin() as session:
        due = due_runs(session, job=job, now=now)
    outcomes: list[JobOutcome] = []
    for workspace_id, period in due:
        job_id = f"{job.value}:{period.key}"
        with log_context(workspace=workspace_id, job=job_id):
            started = time.monotonic()
            try:
                outcome = JOBS[job](
                    sessions=sessions,
                    slack=clients(workspace_id),
                    now=period.scheduled_at,
                    workspace_id=workspace_id,
                    clock=clock,
                )
            except Exception:  # noqa: BLE001 - logged; the next workspace still gets its post
                log.exception("%s %s for %s could not run", job.value, period.key, workspace_id)
                continue
            # One line per run, with how long it took and how it ended.
            log.log(
                logging.ERROR if not outcome.ok else logging.INFO,
                outcome.describe(),
                extra={
                    "duration_ms": round((time.monotonic() - started) * 1000),
                    "outcome": outcome.status.value,
                },
            )
            outcomes.append(outcome)
    return outcomes


def forget_old_events(*, sessions: sessionmaker[Session], clock: Clock = utcnow) -> int:
    """Keep the processed-events ledger to Slack's retry window, so it never grows unbounded."""
    with sessions.begin() as session:
        return forget_events(session, received_before=clock() - EVENT_MEMORY)


def forget_delivered_work(*, sessions: sessionmaker[Session], clock: Clock = utcnow) -> int:
    """Keep a week of delivered outbox items; pending and given-up ones stay."""
    with sessions.begin() as session:
        return forget_delivered(session, before=clock() - OUTBOX_MEMORY)


def forget_old_consent_states(*, sessions: sessionmaker[Session], clock: Clock = utcnow) -> int:
    """Keep a day of expired consent-link states (for a support question), no more."""
    with sessions.begin() as session:
        return forget_oauth_states(session, expired_before=clock() - CONSENT_STATE_MEMORY)


def fold_tally_rows(*, sessions: sessionmaker[Session]) -> int:
    """Fold the tallies' delta rows into one row per key, so a report sums a few rows whatever
    the writes since (docs/performance.md); the rows folded away."""
    with sessions.begin() as session:
        return fold_tallies(session)


def build_scheduler(
    *,
    sessions: sessionmaker[Session],
    clients: ClientFor,
    clock: Clock = utcnow,
    tick_seconds: int = TICK_SECONDS,
    outbox_seconds: int = OUTBOX_TICK_SECONDS,
) -> BlockingScheduler:
    """The worker's scheduler: one ticking job per digest kind, the outbox every few seconds.

    Every job's first run is right at start-up, so work left by a stopped worker is picked up;
    the daily digest is rendered once then, unposted, so the morning's run finds it built.
    """
    scheduler = BlockingScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": tick_seconds},
    )
    for job in JobKind:
        kwargs: dict[str, Any] = {"sessions": sessions, "clients": clients, "clock": clock}
        scheduler.add_job(
            tick,
            IntervalTrigger(seconds=tick_seconds, timezone=UTC),
            args=[job],
            kwargs=kwargs,
            id=f"crm-digest-{job.value}",
            name=f"{job.value} digest",
            # The scheduler runs on the wall clock; `clock` only decides what is due.
            next_run_time=datetime.now(UTC),
            replace_existing=True,
        )
    scheduler.add_job(
        warm_up,
        # At start-up, then hourly: each new day's report statements are built before its
        # first digest; the first also freezes the start-up heap (jobs/warm.py).
        IntervalTrigger(hours=1, timezone=UTC),
        kwargs={"sessions": sessions, "freeze_heap": True},
        id="crm-warm-up",
        name="warm up the daily digest",
        next_run_time=datetime.now(UTC),
        replace_existing=True,
    )
    scheduler.add_job(
        run_outbox,
        IntervalTrigger(seconds=outbox_seconds, timezone=UTC),
        # The wall clock, as the web processes that write the items use: `clock` is the
        # digests' report time, which may be forced.
        kwargs={"sessions": sessions, "clients": clients, "clock": utcnow},
        id="crm-outbox",
        name="deliver the outbox",
        next_run_time=datetime.now(UTC),
        replace_existing=True,
    )
    scheduler.add_job(
        forget_delivered_work,
        IntervalTrigger(hours=1, timezone=UTC),
        kwargs={"sessions": sessions, "clock": clock},
        id="crm-forget-outbox",
        name="forget delivered outbox items",
        replace_existing=True,
    )
    scheduler.add_job(
        forget_old_events,
        IntervalTrigger(hours=1, timezone=UTC),
        kwargs={"sessions": sessions, "clock": clock},
        id="crm-forget-events",
        name="forget old Slack event ids",
        replace_existing=True,
    )
    scheduler.add_job(
        forget_old_consent_states,
        IntervalTrigger(hours=1, timezone=UTC),
        kwargs={"sessions": sessions, "clock": clock},
        id="crm-forget-consent-states",
        name="forget expired consent-link states",
        replace_existing=True,
    )
    scheduler.add_job(
        fold_tally_rows,
        IntervalTrigger(minutes=1, timezone=UTC),
        kwargs={"sessions": sessions},
        id="crm-fold-tallies",
        name="fold the report tallies",
        replace_existing=True,
    )
    return scheduler


def run_worker(scheduler: BlockingScheduler) -> None:
    """Block until SIGTERM or Ctrl-C; a post under way finishes before the process exits."""

    def stop(_signum: int, _frame: object) -> None:
        log.info("Worker stopping; waiting for runs under way")
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=True)

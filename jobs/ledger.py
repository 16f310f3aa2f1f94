"""The job_runs ledger: one row per workspace, job and period, claimed before anything is posted.

Rules (docs/product.md, Running: "a scheduled job runs once per workspace and period"):
- The first claim inserts the unique row as `running` (INSERT ... ON CONFLICT DO NOTHING, so
  the loser of a race sees zero rows inserted). On Postgres the claim also holds
  `pg_try_advisory_xact_lock` on the run's key, so a second worker gives up at once instead of
  queueing behind the first. SQLite takes the same path; its single writer serializes claims.
- The caller commits the claim before posting, and records each message posted (`posted`).
- `done` never posts again, unless forced: `--force` reuses the same row (attempts + 1, status
  back to `running`, `posted` emptied), so the history of attempts stays on one row.
- `failed` is retried by a later claim after a backoff (2, 4, 8, 16 minutes) up to
  MAX_ATTEMPTS attempts; a retry (forced or not) posts only the messages not yet posted.
- `running` for longer than TAKEOVER_AFTER means its worker died mid-run: the next claim takes
  it over and posts the rest. A fresh `running` row is refused, even with `--force`.
Every change after the insert is a compare-and-set on (status, attempts), so two workers can
never both take over the same row.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.common.enums import JobRunStatus
from core.models import JobRun

log = logging.getLogger(__name__)

TAKEOVER_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 5
RETRY_BACKOFF = timedelta(minutes=2)
ERROR_LIMIT = 2000


def advisory_key(workspace_id: str, job: str, period: str) -> int:
    """A stable signed 64-bit key for pg_try_advisory_xact_lock, the same in every process."""
    digest = hashlib.blake2b(f"crm-job:{workspace_id}:{job}:{period}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def retry_due_at(run: JobRun) -> datetime | None:
    """When a failed run may be tried again; None when it has used up its attempts."""
    if run.attempts >= MAX_ATTEMPTS:
        return None
    return (run.finished_at or run.started_at) + RETRY_BACKOFF * (1 << max(run.attempts - 1, 0))


def may_claim(run: JobRun, *, now: datetime, force: bool = False) -> bool:
    """Whether a claim at `now` would take this existing row (see the module rules)."""
    if run.status == JobRunStatus.running:
        return now - run.started_at >= TAKEOVER_AFTER
    if force:
        return True
    if run.status == JobRunStatus.done:
        return False
    retry_at = retry_due_at(run)
    return retry_at is not None and now >= retry_at


def get_run(session: Session, *, workspace_id: str, job: str, period: str) -> JobRun | None:
    return session.scalars(
        select(JobRun).where(
            JobRun.workspace_id == workspace_id, JobRun.job == job, JobRun.period == period
        )
    ).one_or_none()


def claim_run(
    session: Session,
    *,
    workspace_id: str,
    job: str,
    period: str,
    now: datetime,
    force: bool = False,
) -> bool:
    """Take the run for this workspace, job and period; False when it is done or running elsewhere.

    The caller commits right after a True, before posting anything.
    """
    if _is_postgres(session):
        key = advisory_key(workspace_id, job, period)
        if not session.scalar(select(func.pg_try_advisory_xact_lock(key))):
            return False
    insert = postgres_insert if _is_postgres(session) else sqlite_insert
    values: dict[str, Any] = {
        "workspace_id": workspace_id,
        "job": job,
        "period": period,
        "status": JobRunStatus.running,
        "attempts": 1,
        "started_at": now,
        "posted": [],
    }
    # A write first: on SQLite it takes the database's write lock before anything is read.
    statement = insert(JobRun).values(**values).on_conflict_do_nothing().returning(JobRun.id)
    if session.execute(statement).scalar_one_or_none() is not None:
        return True
    run = get_run(session, workspace_id=workspace_id, job=job, period=period)
    if run is None or not may_claim(run, now=now, force=force):
        return False
    if run.status == JobRunStatus.running:
        log.warning(
            "Taking over %s %s for %s: its worker has been at it since %s and must have died",
            job,
            period,
            workspace_id,
            run.started_at,
        )
    changes: dict[str, Any] = {
        "status": JobRunStatus.running,
        "attempts": run.attempts + 1,
        "started_at": now,
        "finished_at": None,
    }
    if force and run.status == JobRunStatus.done:
        changes |= {"posted": [], "error": None}
    taken: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(JobRun)
        .where(
            JobRun.id == run.id,
            JobRun.status == run.status,
            JobRun.attempts == run.attempts,
        )
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    session.expire(run)
    return taken.rowcount == 1


def record_posted(
    session: Session, *, workspace_id: str, job: str, period: str, posted: list[dict[str, str]]
) -> None:
    """Remember the messages posted so far, so a retry never posts them twice."""
    session.execute(
        update(JobRun)
        .where(JobRun.workspace_id == workspace_id, JobRun.job == job, JobRun.period == period)
        .values(posted=list(posted))
        .execution_options(synchronize_session=False)
    )


def finish_run(
    session: Session, *, workspace_id: str, job: str, period: str, now: datetime
) -> None:
    """Mark the run done: it never posts again for this period (unless forced)."""
    session.execute(
        update(JobRun)
        .where(JobRun.workspace_id == workspace_id, JobRun.job == job, JobRun.period == period)
        .values(status=JobRunStatus.done, finished_at=now, error=None)
        .execution_options(synchronize_session=False)
    )


def fail_run(
    session: Session, *, workspace_id: str, job: str, period: str, now: datetime, error: str
) -> None:
    """Mark the run failed with its error, visible in job_runs, to be retried after a backoff."""
    session.execute(
        update(JobRun)
        .where(JobRun.workspace_id == workspace_id, JobRun.job == job, JobRun.period == period)
        .values(status=JobRunStatus.failed, finished_at=now, error=error[:ERROR_LIMIT])
        .execution_options(synchronize_session=False)
    )


def settled_runs(session: Session, *, job: str, periods: dict[str, str], now: datetime) -> set[str]:
    """Of the workspaces given (workspace id -> period key), those a claim now would not take.

    One query, so a worker's minute tick costs the same however many workspaces there are.
    """
    if not periods:
        return set()
    rows = session.scalars(
        select(JobRun)
        .where(JobRun.job == job, JobRun.workspace_id.in_(list(periods)))
        .where(JobRun.period.in_(set(periods.values())))
    )
    return {
        run.workspace_id
        for run in rows
        if periods.get(run.workspace_id) == run.period and not may_claim(run, now=now)
    }

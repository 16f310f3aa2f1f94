"""The job_runs ledger: claimed once, done never again, failed retried after a backoff,
a stuck run taken over, --force reusing the same row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from core.common.enums import JobRunStatus
from core.models import JobRun
from jobs import ledger

T0 = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 08:00 in New York
KEY = {"job": "daily", "period": "2026-11-23"}


def claim(
    sessions: sessionmaker[Session], workspace_id: str, at: datetime, force: bool = False
) -> bool:
    with sessions.begin() as session:
        return ledger.claim_run(session, workspace_id=workspace_id, **KEY, now=at, force=force)


def row(sessions: sessionmaker[Session], workspace_id: str) -> JobRun:
    with sessions.begin() as session:
        run = ledger.get_run(session, workspace_id=workspace_id, **KEY)
        assert run is not None
        return run


def finish(sessions: sessionmaker[Session], workspace_id: str, at: datetime) -> None:
    with sessions.begin() as session:
        ledger.finish_run(session, workspace_id=workspace_id, **KEY, now=at)


def fail(sessions: sessionmaker[Session], workspace_id: str, at: datetime) -> None:
    with sessions.begin() as session:
        ledger.fail_run(
            session, workspace_id=workspace_id, **KEY, now=at, error="channel_not_found"
        )


def test_first_claim_wins_and_the_rest_lose(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    assert claim(sessions, workspace_id, T0) is True
    assert claim(sessions, workspace_id, T0) is False
    assert claim(sessions, workspace_id, T0 + timedelta(minutes=1)) is False
    run = row(sessions, workspace_id)
    assert (run.status, run.attempts, run.posted, run.started_at) == (
        JobRunStatus.running,
        1,
        [],
        T0,
    )
    with sessions.begin() as session:
        count = len(session.scalars(select(JobRun)).all())
    assert count == 1


def test_done_never_again_unless_forced_which_reuses_the_row(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    assert claim(sessions, workspace_id, T0)
    with sessions.begin() as session:
        ledger.record_posted(
            session, workspace_id=workspace_id, **KEY, posted=[{"channel": "C1", "ts": "1.0"}]
        )
    finish(sessions, workspace_id, T0 + timedelta(seconds=5))
    assert row(sessions, workspace_id).status == JobRunStatus.done
    assert claim(sessions, workspace_id, T0 + timedelta(days=1)) is False
    assert claim(sessions, workspace_id, T0 + timedelta(hours=1), force=True) is True
    run = row(sessions, workspace_id)
    assert (run.status, run.attempts, run.posted, run.finished_at) == (
        JobRunStatus.running,
        2,
        [],
        None,
    )


def test_failed_is_retried_after_a_doubling_backoff_up_to_five_attempts(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    at = T0
    assert claim(sessions, workspace_id, at)
    for attempt, backoff in enumerate([2, 4, 8, 16], start=1):
        fail(sessions, workspace_id, at)
        assert row(sessions, workspace_id).error == "channel_not_found"
        early = at + timedelta(minutes=backoff) - timedelta(seconds=1)
        assert claim(sessions, workspace_id, early) is False
        at = at + timedelta(minutes=backoff)
        assert claim(sessions, workspace_id, at) is True
        assert row(sessions, workspace_id).attempts == attempt + 1
    fail(sessions, workspace_id, at)
    assert row(sessions, workspace_id).attempts == ledger.MAX_ATTEMPTS == 5
    assert claim(sessions, workspace_id, at + timedelta(hours=5)) is False  # given up
    assert claim(sessions, workspace_id, at + timedelta(hours=5), force=True) is True


def test_a_run_stuck_in_running_is_taken_over_after_15_minutes_keeping_what_was_posted(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    assert claim(sessions, workspace_id, T0)
    posted = [{"to": "C1", "channel": "C1", "ts": "1.0"}]
    with sessions.begin() as session:
        ledger.record_posted(session, workspace_id=workspace_id, **KEY, posted=posted)
    almost = T0 + timedelta(minutes=14, seconds=59)
    assert claim(sessions, workspace_id, almost) is False
    assert claim(sessions, workspace_id, almost, force=True) is False  # someone is posting
    assert claim(sessions, workspace_id, T0 + timedelta(minutes=15)) is True
    run = row(sessions, workspace_id)
    assert (run.status, run.attempts, run.posted) == (JobRunStatus.running, 2, posted)
    assert run.started_at == T0 + timedelta(minutes=15)


def test_periods_jobs_and_workspaces_are_separate_rows(
    sessions: sessionmaker[Session], workspace_id: str
) -> None:
    with sessions.begin() as session:
        for job, period in [
            ("daily", "2026-11-23"),
            ("daily", "2026-11-24"),
            ("weekly", "2026-W48"),
        ]:
            assert ledger.claim_run(
                session, workspace_id=workspace_id, job=job, period=period, now=T0
            )


def test_advisory_key_is_stable_and_fits_a_bigint() -> None:
    key = ledger.advisory_key("T0TEST", "daily", "2026-11-23")
    assert key == ledger.advisory_key("T0TEST", "daily", "2026-11-23")
    assert key != ledger.advisory_key("T0TEST", "daily", "2026-11-24")
    assert -(2**63) <= key < 2**63


def test_on_postgres_a_claim_gives_up_while_another_worker_holds_the_run_lock(
    backend: str, engine: Engine, sessions: sessionmaker[Session], workspace_id: str
) -> None:
    if backend != "postgres":
        pytest.skip("advisory locks are Postgres's; SQLite serializes claims with its write lock")
    key = ledger.advisory_key(workspace_id, **KEY)
    with engine.connect() as other_worker:
        assert other_worker.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
        try:
            assert claim(sessions, workspace_id, T0) is False
        finally:
            other_worker.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    assert claim(sessions, workspace_id, T0) is True

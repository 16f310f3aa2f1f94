"""One run against a Slack that pushes back: a 429 waited out for its Retry-After, a transient
error retried with backoff and then recorded on job_runs and in the log, never dropped.

Mon 2026-11-30 08:00 New York; one stale lead makes the digest two messages.
"""

from __future__ import annotations

import logging
import time

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from console.local_slack import LocalSlackAPI
from core.common.enums import JobRunStatus
from core.models import JobRun
from integrations.slack import make_client
from jobs.daily import run_daily
from jobs.runner import JobOutcome, OutcomeStatus
from tests.core.factories import make_lead, ny
from tests.jobs.conftest import PIPELINE, FixedClock, Sleeps

NOW = ny(2026, 11, 30, 8)


@pytest.fixture
def quiet_lead(sessions: sessionmaker[Session], ws: str) -> str:
    with sessions.begin() as session:
        make_lead(session, ws, title="Roof leak", created_at=ny(2026, 11, 2, 9))
    return ws


def the_run(sessions: sessionmaker[Session]) -> JobRun:
    with sessions.begin() as session:
        return session.scalars(select(JobRun)).one()


def test_a_429_is_waited_out_for_its_retry_after(
    sessions: sessionmaker[Session], quiet_lead: str, slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    slack_api.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=1)
    started = time.monotonic()
    outcome = run_daily(sessions=sessions, slack=slack, now=NOW, workspace_id=quiet_lead)
    waited = time.monotonic() - started

    assert (outcome.status, outcome.messages) == (OutcomeStatus.posted, 2)
    assert waited >= 1.0  # Retry-After: 1, honoured by the WebClient's retry handler
    assert len(slack_api.calls_to("chat.postMessage")) == 3  # refused once, then both posted
    assert [m["text"] for m in slack_api.messages] == [
        "Stale leads: 1",
        "Today's follow-ups: none",
    ]
    run = the_run(sessions)
    assert (run.status, run.attempts, len(run.posted)) == (JobRunStatus.done, 1, 2)


def test_a_failing_post_is_retried_with_backoff_then_recorded_and_logged(
    sessions: sessionmaker[Session],
    quiet_lead: str,
    slack_api: LocalSlackAPI,
    slack: WebClient,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    slack_api.fail_next("chat.postMessage", error="internal_error", times=4)  # 1 + 3 retries
    clock = FixedClock(NOW)

    def run() -> JobOutcome:
        return run_daily(
            sessions=sessions,
            slack=make_client("xoxb-test", base_url=slack_api.url, sleep=sleeps),
            now=NOW,
            workspace_id=quiet_lead,
            clock=clock,
        )

    with (
        caplog.at_level(logging.WARNING, logger="jobs"),
        caplog.at_level(logging.WARNING, logger="integrations"),  # the client's retries
    ):
        outcome = run()

    assert outcome.status is OutcomeStatus.failed
    assert outcome.detail == f"Slack said internal_error posting to {PIPELINE}"
    assert sleeps == [1.0, 2.0, 4.0]
    assert slack_api.messages == []
    failed = the_run(sessions)
    assert (failed.status, failed.attempts, failed.error, failed.posted) == (
        JobRunStatus.failed,
        1,
        f"Slack said internal_error posting to {PIPELINE}",
        [],
    )
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        f"daily 2026-11-30 for {quiet_lead} failed: Slack said internal_error posting to {PIPELINE}"
    ]
    retries = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert retries == [
        f"Slack call chat.postMessage failed (Slack said internal_error); retrying in {s}s"
        for s in (1.0, 2.0, 4.0)
    ]

    # Too soon: still backing off (2 minutes after the failure); then it posts.
    clock.set(ny(2026, 11, 30, 8, 1))
    early = run()
    assert early.status is OutcomeStatus.failed
    assert early.detail.startswith("1 attempt(s) failed, last with Slack said internal_error")
    assert "the worker retries at 13:02 UTC" in early.detail
    clock.set(ny(2026, 11, 30, 8, 2))
    retried = run()
    assert (retried.status, retried.messages) == (OutcomeStatus.posted, 2)
    assert [m["text"] for m in slack_api.messages] == [
        "Stale leads: 1",
        "Today's follow-ups: none",
    ]
    done = the_run(sessions)
    assert (done.status, done.attempts, done.error, len(done.posted)) == (
        JobRunStatus.done,
        2,
        None,
        2,
    )


def test_a_bug_while_rendering_is_recorded_with_its_traceback(
    sessions: sessionmaker[Session],
    quiet_lead: str,
    slack_api: LocalSlackAPI,
    slack: WebClient,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("jobs.daily.due_reminders", broken)
    with caplog.at_level(logging.ERROR, logger="jobs"):
        outcome = run_daily(sessions=sessions, slack=slack, now=NOW, workspace_id=quiet_lead)

    assert (outcome.status, outcome.detail) == (OutcomeStatus.failed, "division by zero")
    assert slack_api.messages == []
    run = the_run(sessions)
    assert (run.status, run.error) == (JobRunStatus.failed, "division by zero")
    (record,) = caplog.records
    assert record.getMessage() == f"daily 2026-11-30 for {quiet_lead} failed"
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError

"""One scheduled run, start to finish: claim the period, render, post, record the outcome.

Transactions are short and separate: the claim commits before anything is posted, each posted
message is recorded as it lands, and the run is marked done (or failed, with Slack's error)
at the end. A failure is logged and returned; it never stops other workspaces' runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NotRequired, TypedDict

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from core.common.enums import JobRunStatus
from core.models import Workspace, utcnow
from core.workspaces.service import get_workspace
from jobs import ledger
from jobs.periods import JobKind, Period, is_enabled, period_at, posts_on
from jobs.posting import Post, PostFailed, deliver

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Render = Callable[[Session, Workspace, datetime], list[Post]]


class RunOptions(TypedDict):
    """The keyword arguments of every `run_<name>` job (jobs/daily.py, weekly.py, monthly.py).

    sessions, slack: where to read and post; now: the report time; workspace_id: whose digest;
    force: post again even if done; clock: the worker's clock (tests fix it).
    """

    sessions: sessionmaker[Session]
    slack: WebClient
    now: datetime
    workspace_id: str
    force: NotRequired[bool]
    clock: NotRequired[Clock]


class OutcomeStatus(StrEnum):
    posted = "posted"
    already_done = "already_done"
    in_progress = "in_progress"
    skipped = "skipped"
    failed = "failed"


@dataclass(frozen=True)
class JobOutcome:
    """What one run did, for the worker's log and `crm run-job`'s one line per workspace."""

    workspace_id: str
    job: JobKind
    period: str
    status: OutcomeStatus
    messages: int = 0
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not OutcomeStatus.failed

    def describe(self) -> str:
        head = f"{self.job.value} {self.period} for {self.workspace_id}"
        if self.status is OutcomeStatus.posted:
            noun = "message" if self.messages == 1 else "messages"
            return f"{head}: posted {self.messages} {noun}{self.detail}."
        if self.status is OutcomeStatus.already_done:
            return f"{head}: already posted; nothing to do (--force posts it again)."
        if self.status is OutcomeStatus.in_progress:
            return f"{head}: another worker is posting it right now{self.detail}."
        if self.status is OutcomeStatus.skipped:
            return f"{head}: not posted: {self.detail}."
        return f"{head}: FAILED: {self.detail}"


def run_job(
    job: JobKind,
    render: Render,
    *,
    sessions: sessionmaker[Session],
    slack: WebClient,
    now: datetime,
    workspace_id: str,
    force: bool = False,
    clock: Clock = utcnow,
) -> JobOutcome:
    """Post `job` for the period containing `now` (the report time), at most once unless forced.

    Claim, render as of `now`, deliver what an earlier attempt did not, and record the outcome.
    """
    with sessions.begin() as session:
        workspace = get_workspace(session, workspace_id)
        period = period_at(workspace, job, now)
        reason = None
        if not is_enabled(workspace, job):
            reason = f"the {job.value} digest is turned off in settings"
        elif not posts_on(workspace, job, period.day):
            reason = f"{period.day:%A %Y-%m-%d} is not a business day"
    if reason is not None and not force:
        return JobOutcome(workspace_id, job, period.key, OutcomeStatus.skipped, detail=reason)

    key = {"workspace_id": workspace_id, "job": job.value, "period": period.key}
    with sessions.begin() as session:
        claimed = ledger.claim_run(session, **key, now=clock(), force=force)
    if not claimed:
        return _refusal(sessions, workspace_id, period)

    def remember(records: list[dict[str, str]]) -> None:
        with sessions.begin() as session:
            ledger.record_posted(session, **key, posted=records)

    try:
        with sessions.begin() as session:
            run = ledger.get_run(session, **key)
            already = list(run.posted or []) if run is not None else []
            posts = render(session, get_workspace(session, workspace_id), now)
        records = deliver(slack, posts, already_posted=already, on_posted=remember)
    except Exception as error:  # noqa: BLE001 - recorded on the ledger, logged, and returned
        if isinstance(error, PostFailed):  # Slack's answer says it all
            log.error("%s %s for %s failed: %s", job.value, period.key, workspace_id, error)
        else:  # a bug or the database: keep the traceback
            log.exception("%s %s for %s failed", job.value, period.key, workspace_id)
        with sessions.begin() as session:
            ledger.fail_run(session, **key, now=clock(), error=str(error) or repr(error))
        return JobOutcome(workspace_id, job, period.key, OutcomeStatus.failed, detail=str(error))
    with sessions.begin() as session:
        ledger.finish_run(session, **key, now=clock())
    fresh = len(records) - len(already)
    detail = f" (the first {len(already)} were posted by an earlier attempt)" if already else ""
    return JobOutcome(
        workspace_id, job, period.key, OutcomeStatus.posted, messages=fresh, detail=detail
    )


def _refusal(sessions: sessionmaker[Session], workspace_id: str, period: Period) -> JobOutcome:
    """Say why a claim was refused: done already, or someone else is on it."""
    with sessions.begin() as session:
        run = ledger.get_run(session, workspace_id=workspace_id, job=period.job, period=period.key)
    if run is not None and run.status == JobRunStatus.done:
        return JobOutcome(workspace_id, period.job, period.key, OutcomeStatus.already_done)
    if run is not None and run.status == JobRunStatus.failed:
        retry_at = ledger.retry_due_at(run)
        when = f"retries at {retry_at:%H:%M} UTC" if retry_at else "has given up"
        detail = (
            f"{run.attempts} attempt(s) failed, last with {run.error}; the worker {when}"
            " (--force tries again now)"
        )
        return JobOutcome(workspace_id, period.job, period.key, OutcomeStatus.failed, detail=detail)
    since = f" (since {run.started_at:%H:%M} UTC)" if run is not None else ""
    return JobOutcome(workspace_id, period.job, period.key, OutcomeStatus.in_progress, detail=since)

"""The Monday pipeline digest: the procedure's summary lines, then the chart as a PNG upload."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.digests import pipeline_digest_messages
from core.models import Workspace, utcnow
from core.reports import pipeline_summary
from jobs.chart import chart_data, render_chart
from jobs.periods import JobKind
from jobs.posting import Post
from jobs.runner import Clock, JobOutcome, run_job


def render_weekly(session: Session, workspace: Workspace, now: datetime) -> list[Post]:
    """The summary message(s) for the week before `now`, and the chart after them."""
    summary = pipeline_summary(session, workspace=workspace, now=now)
    channel = workspace.pipeline_channel
    posts = [
        Post(channel=channel, text=message["text"], blocks=message["blocks"])
        for message in pipeline_digest_messages(summary)
    ]
    png = render_chart(chart_data(session, workspace=workspace, now=now))
    day = summary.today
    title = f"Pipeline chart — {day:%B} {day.day}, {day.year}"
    posts.append(
        Post(
            channel=channel,
            text="",
            content=png,
            filename=f"pipeline-{day.isoformat()}.png",
            title=title,
        )
    )
    return posts


def run_weekly(
    *,
    sessions: sessionmaker[Session],
    slack: WebClient,
    now: datetime,
    workspace_id: str,
    force: bool = False,
    clock: Clock = utcnow,
    sleep: Callable[[float], None] = time.sleep,
) -> JobOutcome:
    """Post the pipeline digest for the week containing `now`, once."""
    return run_job(
        JobKind.weekly,
        render_weekly,
        sessions=sessions,
        slack=slack,
        now=now,
        workspace_id=workspace_id,
        force=force,
        clock=clock,
        sleep=sleep,
    )

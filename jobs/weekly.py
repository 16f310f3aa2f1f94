"""The Monday pipeline digest: the procedure's summary lines, then the chart as a PNG upload."""

from __future__ import annotations

from datetime import datetime
from typing import Unpack

from sqlalchemy.orm import Session

from bot.blocks.digests import PAST_DUE_SHOWN, pipeline_digest_messages
from core.models import Workspace
from core.reports.summaries import pipeline_summary
from jobs.chart import chart_data, render_chart
from jobs.periods import JobKind
from jobs.posting import Post
from jobs.runner import JobOutcome, RunOptions, run_job


def render_weekly(session: Session, workspace: Workspace, now: datetime) -> list[Post]:
    """The summary message(s) for the week before `now`, and the chart after them."""
    summary = pipeline_summary(session, workspace=workspace, now=now, past_due_limit=PAST_DUE_SHOWN)
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


def run_weekly(**options: Unpack[RunOptions]) -> JobOutcome:
    """Post the pipeline digest for the week containing `now`, once."""
    return run_job(JobKind.weekly, render_weekly, **options)

"""The win/loss summary of the previous calendar month, sent to each owner by direct message.

With no owner set yet it goes to the pipeline channel, so it is never lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Unpack

from sqlalchemy.orm import Session

from bot.blocks.digests import win_loss_messages
from core.models import Workspace
from core.reports.win_loss import win_loss
from jobs.periods import JobKind
from jobs.posting import Post
from jobs.runner import JobOutcome, RunOptions, run_job


def render_monthly(session: Session, workspace: Workspace, now: datetime) -> list[Post]:
    """The summary once per owner (a user id as channel opens the app's DM with them)."""
    messages = win_loss_messages(win_loss(session, workspace=workspace, now=now))
    recipients = list(workspace.owner_ids or []) or [workspace.pipeline_channel]
    return [
        Post(channel=recipient, text=message["text"], blocks=message["blocks"])
        for recipient in recipients
        for message in messages
    ]


def run_monthly(**options: Unpack[RunOptions]) -> JobOutcome:
    """Post last month's win/loss summary for the month containing `now`, once."""
    return run_job(JobKind.monthly, render_monthly, **options)

"""The morning digest: stale-lead nudges, today's follow-ups (overdue apart), due reminders.

Posted to the workspace's pipeline channel at the digest hour on business days (a weekend or
public holiday of the workspace country gets no post: stale counts do not move on those days,
and follow-ups dated then come up the next business morning under "Overdue:").
Only the oldest STALE_SHOWN stale leads are loaded (a LIMIT plus a COUNT), so the post and
the memory it takes stay the same size however big the backlog.
"""

from __future__ import annotations

from datetime import datetime
from typing import Unpack

from sqlalchemy.orm import Session

from bot.blocks.digests import STALE_SHOWN, daily_digest_messages
from core.followups import followups
from core.models import Workspace
from core.reminders import due_reminders
from core.stale_leads import stale_leads
from jobs.periods import JobKind
from jobs.posting import Post
from jobs.runner import JobOutcome, RunOptions, run_job


def render_daily(session: Session, workspace: Workspace, now: datetime) -> list[Post]:
    """The daily digest's messages as of the report time `now`: five statements in all."""
    stale = stale_leads(session, workspace=workspace, now=now, limit=STALE_SHOWN)
    morning = followups(session, workspace=workspace, now=now)
    reminders = due_reminders(session, workspace=workspace, today=morning.today)
    return [
        Post(channel=workspace.pipeline_channel, text=message["text"], blocks=message["blocks"])
        for message in daily_digest_messages(stale, morning, reminders)
    ]


def run_daily(**options: Unpack[RunOptions]) -> JobOutcome:
    """Post the daily digest for the day containing `now`, once."""
    return run_job(JobKind.daily, render_daily, **options)

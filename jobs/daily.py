"""The morning digest: stale-lead nudges, today's follow-ups (overdue apart), due reminders.

Posted to the workspace's pipeline channel at the digest hour on business days (a weekend or
public holiday of the workspace country gets no post: stale counts do not move on those days,
and follow-ups dated then come up the next business morning under "Overdue:").
Every list is loaded with the limit the post shows (a LIMIT or a rank cut, with its total
counted in SQL), so the post and the memory it takes stay the same size however big the
backlog. Sends that may not have gone out are told to each owner by direct message (the
pipeline channel when no owner is set), since only an owner can settle them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Unpack

from sqlalchemy.orm import Session

from bot.blocks.digests import (
    FOLLOW_UPS_SHOWN,
    REMINDERS_SHOWN,
    STALE_SHOWN,
    UNCONFIRMED_SHOWN,
    daily_digest_messages,
    unconfirmed_send_messages,
)
from bot.blocks.limits import Message
from core.activity.reminders import due_reminders
from core.drafts.unconfirmed_sends import unconfirmed_sends
from core.models import Workspace
from core.reports.followups import followups
from core.reports.stale_leads import stale_leads
from core.workspaces.service import zone
from jobs.periods import JobKind
from jobs.posting import Post
from jobs.runner import JobOutcome, RunOptions, run_job


def _posts(channels: list[str], messages: list[Message]) -> list[Post]:
    return [
        Post(channel=channel, text=message["text"], blocks=message["blocks"])
        for channel in channels
        for message in messages
    ]


def render_daily(session: Session, workspace: Workspace, now: datetime) -> list[Post]:
    """The daily digest's messages as of the report time `now`: six statements in all."""
    stale = stale_leads(session, workspace=workspace, now=now, limit=STALE_SHOWN)
    morning = followups(session, workspace=workspace, now=now, limit=FOLLOW_UPS_SHOWN)
    reminders = due_reminders(
        session, workspace=workspace, today=morning.today, limit=REMINDERS_SHOWN
    )
    unsure = unconfirmed_sends(session, workspace=workspace, now=now, limit=UNCONFIRMED_SHOWN)
    owners = list(workspace.owner_ids or []) or [workspace.pipeline_channel]
    for_owners = unconfirmed_send_messages(
        unsure, zone=zone(workspace), region=workspace.default_phone_region
    )
    return _posts(
        [workspace.pipeline_channel], daily_digest_messages(stale, morning, reminders)
    ) + _posts(owners, for_owners)


def run_daily(**options: Unpack[RunOptions]) -> JobOutcome:
    """Post the daily digest for the day containing `now`, once."""
    return run_job(JobKind.daily, render_daily, **options)

"""What needs attention now, in one read: the follow-up lists and the Home tab's dashboard.

`/followups` shows today's and overdue follow-ups beside the stale leads; the App Home adds
the pipeline figures. Each is one operation over the report queries, so a handler asks once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core.followups import FollowUpList, followups
from core.models import Workspace
from core.reports import PipelineSummary, pipeline_summary
from core.stale_leads import StaleLeadReport, stale_leads

__all__ = ["Dashboard", "FollowUpsNow", "dashboard", "followups_now"]


@dataclass(frozen=True)
class FollowUpsNow:
    """Today's and overdue follow-ups, and the stale leads (the first `limit` of them)."""

    followups: FollowUpList
    stale: StaleLeadReport


def followups_now(
    session: Session, *, workspace: Workspace, now: datetime, stale_limit: int | None = None
) -> FollowUpsNow:
    """`/followups`: what is promised for today, what is overdue, and which leads went quiet."""
    return FollowUpsNow(
        followups=followups(session, workspace=workspace, now=now),
        stale=stale_leads(session, workspace=workspace, now=now, limit=stale_limit),
    )


@dataclass(frozen=True)
class Dashboard:
    """The App Home: the pipeline figures and everything `/followups` lists."""

    summary: PipelineSummary
    followups: FollowUpList
    stale: StaleLeadReport


def dashboard(
    session: Session, *, workspace: Workspace, now: datetime, stale_limit: int | None = None
) -> Dashboard:
    """The workspace's dashboard as of `now`."""
    due = followups_now(session, workspace=workspace, now=now, stale_limit=stale_limit)
    summary = pipeline_summary(session, workspace=workspace, now=now)
    return Dashboard(summary=summary, followups=due.followups, stale=due.stale)

"""What needs attention now, in one read: the follow-up lists and the Home tab's dashboard.

`/followups` shows today's and overdue follow-ups beside the stale leads (and how many are
promised for the week ahead); the App Home adds the pipeline figures, the week ahead, and for
an owner the sends that may not have gone out. Each is one
operation over the report queries, so a handler asks once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core.drafts.unconfirmed_sends import UnconfirmedSends, unconfirmed_sends
from core.drafts.waiting import DraftsWaiting, drafts_waiting
from core.models import Workspace
from core.reports.followups import FollowUpList, followups
from core.reports.stale_leads import StaleLeadReport, stale_leads
from core.reports.summaries import PipelineSummary, pipeline_summary
from core.reports.upcoming import UpcomingFollowUps, upcoming

UPCOMING_SHOWN = 5  # the Home's "Coming up" list; `/followups upcoming` pages the rest

__all__ = ["Dashboard", "FollowUpsNow", "dashboard", "followups_now"]


@dataclass(frozen=True)
class FollowUpsNow:
    """Today's and overdue follow-ups, and the stale leads (the first `limit` of them)."""

    followups: FollowUpList
    stale: StaleLeadReport
    upcoming: UpcomingFollowUps | None = None  # the week ahead, when asked for


def followups_now(
    session: Session,
    *,
    workspace: Workspace,
    now: datetime,
    stale_limit: int | None = None,
    followup_limit: int | None = None,
    upcoming_limit: int | None = None,
) -> FollowUpsNow:
    """`/followups`: what is promised for today, what is overdue, and which leads went quiet.

    Each limit bounds the rows loaded for its lists; the totals are counted whatever the limit.
    With `upcoming_limit`, also the first of the follow-ups promised for the next seven days.
    """
    week = None
    if upcoming_limit is not None:
        week = upcoming(session, workspace=workspace, now=now, limit=upcoming_limit)
    return FollowUpsNow(
        followups=followups(session, workspace=workspace, now=now, limit=followup_limit),
        stale=stale_leads(session, workspace=workspace, now=now, limit=stale_limit),
        upcoming=week,
    )


@dataclass(frozen=True)
class Dashboard:
    """The App Home: the pipeline figures and everything `/followups` lists.

    `unconfirmed` and `drafts` are for an owner viewing it (None for anyone else): sends that
    may not have gone out, which only an owner can settle, and a page of the drafts waiting
    for approval.
    """

    summary: PipelineSummary
    followups: FollowUpList
    stale: StaleLeadReport
    unconfirmed: UnconfirmedSends | None = None
    drafts: DraftsWaiting | None = None
    upcoming: UpcomingFollowUps | None = None


def dashboard(
    session: Session,
    *,
    workspace: Workspace,
    now: datetime,
    stale_limit: int | None = None,
    viewer: str | None = None,
    unconfirmed_limit: int | None = None,
    drafts_page: int = 1,
    upcoming_limit: int = UPCOMING_SHOWN,
) -> Dashboard:
    """The workspace's dashboard as of `now`, as `viewer` (a Slack user id) sees it."""
    due = followups_now(
        session,
        workspace=workspace,
        now=now,
        stale_limit=stale_limit,
        upcoming_limit=upcoming_limit,
    )
    # The Home shows how many leads are past their expected close date, none of them.
    summary = pipeline_summary(session, workspace=workspace, now=now, past_due_limit=0)
    unconfirmed = drafts = None
    if viewer is not None and workspace.is_owner(viewer):
        unconfirmed = unconfirmed_sends(
            session, workspace=workspace, now=now, limit=unconfirmed_limit
        )
        drafts = drafts_waiting(session, workspace=workspace, viewer=viewer, page=drafts_page)
    return Dashboard(
        summary=summary,
        followups=due.followups,
        stale=due.stale,
        unconfirmed=unconfirmed,
        drafts=drafts,
        upcoming=due.upcoming,
    )

"""Which period a job run belongs to, and when it falls due, in the workspace's own time zone.

A period key names one post: `daily` 2026-11-23 (the local date), `weekly` 2026-W48 (the ISO
week), `monthly` 2026-12 (the month it is posted in; the summary covers the month before).
A run is due on its due day from the workspace's digest hour on, and only on that day: a worker
that comes back later the same day catches up once; it never posts an older period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.common.business_days import is_business_day
from core.models import Workspace
from core.workspaces.service import zone


class JobKind(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"


@dataclass(frozen=True)
class Period:
    """One workspace's post of one job: its ledger key and its scheduled (report) time."""

    job: JobKind
    key: str
    day: date
    scheduled_at: datetime


def period_key(job: JobKind, day: date) -> str:
    """The ledger key of the period that contains the local date `day`."""
    if job is JobKind.daily:
        return day.isoformat()
    if job is JobKind.weekly:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def due_day(job: JobKind, day: date) -> date:
    """The local date on which the period containing `day` is posted."""
    if job is JobKind.daily:
        return day
    if job is JobKind.weekly:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def scheduled_time(day: date, hour: int, tz: ZoneInfo) -> datetime:
    """The digest hour of a local date as an aware instant (DST days keep the wall-clock hour)."""
    return datetime.combine(day, time(hour), tzinfo=tz)


def is_enabled(workspace: Workspace, job: JobKind) -> bool:
    flag: bool = getattr(workspace, f"{job.value}_digest_enabled")
    return flag


def posts_on(workspace: Workspace, job: JobKind, day: date) -> bool:
    """Daily digests go out on business days only; weekly on Mondays, monthly on the 1st."""
    if job is JobKind.daily:
        return is_business_day(day, workspace.holiday_country)
    return due_day(job, day) == day


def period_at(workspace: Workspace, job: JobKind, at: datetime) -> Period:
    """The period containing the instant `at` (for `crm run-job --at`), whatever the weekday."""
    tz = zone(workspace)
    day = at.astimezone(tz).date()
    due = due_day(job, day)
    return Period(
        job=job,
        key=period_key(job, day),
        day=due,
        scheduled_at=scheduled_time(due, workspace.digest_hour, tz),
    )


def due_period(workspace: Workspace, job: JobKind, now: datetime) -> Period | None:
    """The period a worker should post at `now`: today's, once the digest hour has passed."""
    if not is_enabled(workspace, job):
        return None
    tz = zone(workspace)
    local = now.astimezone(tz)
    today = local.date()
    if not posts_on(workspace, job, today):
        return None
    scheduled = scheduled_time(today, workspace.digest_hour, tz)
    if local < scheduled:
        return None
    return Period(job=job, key=period_key(job, today), day=today, scheduled_at=scheduled)

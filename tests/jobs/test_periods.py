"""Period keys and due times, in the workspace's time zone (no database needed)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.models import Workspace
from jobs.periods import JobKind, due_period, period_at, period_key

NY = ZoneInfo("America/New_York")


def ws(**settings: object) -> Workspace:
    base: dict[str, object] = {
        "workspace_id": "T1",
        "timezone": "America/New_York",
        "holiday_country": "US",
        "digest_hour": 8,
        "daily_digest_enabled": True,
        "weekly_digest_enabled": True,
        "monthly_digest_enabled": True,
    }
    return Workspace(**(base | settings))


def ny(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY)


def test_period_keys() -> None:
    assert period_key(JobKind.daily, date(2026, 11, 23)) == "2026-11-23"
    assert period_key(JobKind.weekly, date(2026, 11, 23)) == "2026-W48"
    assert period_key(JobKind.weekly, date(2026, 11, 29)) == "2026-W48"  # Sunday, same week
    assert period_key(JobKind.weekly, date(2026, 11, 30)) == "2026-W49"
    assert period_key(JobKind.weekly, date(2027, 1, 1)) == "2026-W53"  # ISO year
    assert period_key(JobKind.monthly, date(2026, 12, 1)) == "2026-12"


def test_daily_is_due_from_the_digest_hour_on_that_day_only() -> None:
    workspace = ws()
    assert due_period(workspace, JobKind.daily, ny(23, 7, 59)) is None
    period = due_period(workspace, JobKind.daily, ny(23, 8))
    assert period is not None and period.key == "2026-11-23"
    assert period.scheduled_at == ny(23, 8)
    late = due_period(workspace, JobKind.daily, ny(23, 23, 59))
    assert late is not None and late.scheduled_at == ny(23, 8)  # report time stays 08:00
    # Just after midnight the next day, the new day's run is not due yet: Monday's is gone.
    assert due_period(workspace, JobKind.daily, ny(24, 0, 1)) is None


@pytest.mark.parametrize(
    ("day", "posts"),
    [(23, True), (24, True), (25, True), (26, False), (27, True), (28, False), (29, False)],
)
def test_daily_posts_on_business_days_only(day: int, posts: bool) -> None:
    # Thu 26 is Thanksgiving; Sat 28 and Sun 29 are the weekend.
    assert (due_period(ws(), JobKind.daily, ny(day, 9)) is not None) is posts


def test_weekly_on_monday_and_monthly_on_the_first_only() -> None:
    workspace = ws()
    assert due_period(workspace, JobKind.weekly, ny(23, 8)) is not None
    assert due_period(workspace, JobKind.weekly, ny(24, 8)) is None  # Tuesday: missed is gone
    assert due_period(workspace, JobKind.monthly, ny(30, 8)) is None
    first = due_period(workspace, JobKind.monthly, ny(1, 8, month=12))
    assert first is not None and first.key == "2026-12"


def test_hour_switches_and_time_zone_are_workspace_settings() -> None:
    assert due_period(ws(digest_hour=6), JobKind.daily, ny(23, 6)) is not None
    assert due_period(ws(digest_hour=9), JobKind.daily, ny(23, 8, 30)) is None
    assert due_period(ws(daily_digest_enabled=False), JobKind.daily, ny(23, 9)) is None
    # 08:00 in Tokyo on Tue Nov 24 is still Monday in UTC; the key is Tokyo's date.
    tokyo = ws(timezone="Asia/Tokyo", holiday_country="JP")
    at = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    period = due_period(tokyo, JobKind.daily, at)
    assert period is not None and period.key == "2026-11-24"


def test_period_at_any_time_names_the_period_containing_it() -> None:
    wednesday = period_at(ws(), JobKind.weekly, ny(25, 15))
    assert (wednesday.key, wednesday.day) == ("2026-W48", date(2026, 11, 23))
    assert wednesday.scheduled_at == ny(23, 8)
    mid_month = period_at(ws(), JobKind.monthly, ny(15, 12, month=12))
    assert (mid_month.key, mid_month.day) == ("2026-12", date(2026, 12, 1))

"""Business-day arithmetic for "stale after N business days" (docs/product.md, Definitions).

A business day is a weekday that is not a public holiday (observed days included) of the
workspace's country, per the `holidays` package.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

from core.errors import InvalidInput

__all__ = ["MAX_BUSINESS_DAYS", "business_day_cutoff", "business_days_since", "is_business_day"]

_ONE_DAY = timedelta(days=1)

#: Upper bound for `business_day_cutoff`'s n (about four years): a larger value is a typo.
MAX_BUSINESS_DAYS = 1000


@lru_cache(maxsize=256)
def _holidays(country: str, years: tuple[int, ...]) -> frozenset[date]:
    """Building a holiday calendar is slow; every report asks for the same few years."""
    try:
        calendar = holidays.country_holidays(country, years=years, observed=True, expand=False)
    except NotImplementedError as exc:
        raise InvalidInput(
            f'"{country[:60]}" is not a country I know public holidays for. '
            "Use a two-letter code like US or GB.",
            field="holiday_country",
        ) from exc
    return frozenset(calendar.keys())


def is_business_day(day: date, country: str) -> bool:
    """Weekends and the country's public holidays (observed days too) are not worked."""
    if day.weekday() >= 5:
        return False
    # Observed days are listed under the year they fall in (New Year's Day 2022 was
    # observed on Fri 2021-12-31 and is in the 2021 calendar), so one year suffices.
    return day not in _holidays(country.strip().upper(), (day.year,))


def _weekdays_through(day: date) -> int:
    """Weekdays from 0001-01-01 (a Monday) through `day`, so a range count is a subtraction."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


def business_days_since(start: date, today: date, country: str) -> int:
    """How long a lead has waited, in worked days: days after `start` up to and incl. `today`."""
    if today <= start:
        return 0
    code = country.strip().upper()
    count = _weekdays_through(today) - _weekdays_through(start)
    for year in range(start.year, today.year + 1):
        count -= sum(1 for h in _holidays(code, (year,)) if start < h <= today and h.weekday() < 5)
    return count


def business_day_cutoff(today: date, n: int, country: str) -> date:
    """The latest D with business_days_since(D, today) >= n, so staleness is one SQL compare."""
    # Stale means last_touch_date <= cutoff. With n = 0 every date up to today qualifies.
    if not 0 <= n <= MAX_BUSINESS_DAYS:
        raise InvalidInput(
            f"The number of business days must be between 0 and {MAX_BUSINESS_DAYS}.",
            field="stale_after_business_days",
        )
    day = today
    counted = 0
    while counted < n:
        if is_business_day(day, country):
            counted += 1
        day -= _ONE_DAY
    return day

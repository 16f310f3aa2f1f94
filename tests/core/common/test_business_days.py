"""Business days skip weekends and the country's public holidays, observed days included.

Expected values are counted by hand from the calendar; the holiday facts they rest on are
asserted against the `holidays` package first, so a surprise there fails loudly.
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest

from core.common import business_days as bd
from core.common.business_days import (
    MAX_BUSINESS_DAYS,
    business_day_cutoff,
    business_days_since,
    is_business_day,
)
from core.errors import InvalidInput


def test_calendar_facts_the_tests_rely_on() -> None:
    us = holidays.country_holidays("US", years=[2026, 2027])
    assert date(2026, 11, 26).weekday() == 3 and date(2026, 11, 26) in us  # Thanksgiving, Thu
    assert date(2026, 11, 27) not in us  # the Friday after is not a federal holiday
    assert date(2026, 12, 25).weekday() == 4 and date(2026, 12, 25) in us
    assert date(2027, 12, 25).weekday() == 5  # Saturday ...
    assert "observed" in us[date(2027, 12, 24)]  # ... so Friday the 24th is observed
    assert "observed" in us[date(2027, 12, 31)]  # New Year's Day 2028 (Sat) observed in 2027
    gb = holidays.country_holidays("GB", years=2026)
    assert date(2026, 12, 26).weekday() == 5 and date(2026, 12, 28) in gb  # Boxing Day observed


def test_thanksgiving_week_us() -> None:
    # Tue 24 -> Mon 30: Wed 25 yes, Thu 26 Thanksgiving, Fri 27 yes, Sat, Sun, Mon 30 yes.
    assert business_days_since(date(2026, 11, 24), date(2026, 11, 30), "US") == 3


def test_thanksgiving_week_somewhere_without_thanksgiving() -> None:
    # GB: Wed, Thu, Fri, Mon.
    assert business_days_since(date(2026, 11, 24), date(2026, 11, 30), "GB") == 4


def test_start_day_is_not_counted_today_is() -> None:
    # Wed 25 -> Thu 26 (holiday): nothing; -> Fri 27: one.
    assert business_days_since(date(2026, 11, 25), date(2026, 11, 26), "US") == 0
    assert business_days_since(date(2026, 11, 25), date(2026, 11, 27), "US") == 1


def test_weekend_only() -> None:
    # Fri 2026-03-06 -> Sun 03-08: Saturday and Sunday are not worked.
    assert business_days_since(date(2026, 3, 6), date(2026, 3, 8), "US") == 0
    assert business_days_since(date(2026, 3, 6), date(2026, 3, 9), "US") == 1


def test_same_day_and_future_start() -> None:
    assert business_days_since(date(2026, 3, 4), date(2026, 3, 4), "US") == 0
    assert business_days_since(date(2026, 3, 10), date(2026, 3, 4), "US") == 0


def test_christmas_2026_us_and_gb() -> None:
    # Wed 23 -> Tue 29. US: Thu 24, (Fri 25 Christmas), Mon 28, Tue 29 = 3.
    assert business_days_since(date(2026, 12, 23), date(2026, 12, 29), "US") == 3
    # GB: Thu 24, (Fri 25 Christmas), (Mon 28 Boxing Day observed), Tue 29 = 2.
    assert business_days_since(date(2026, 12, 23), date(2026, 12, 29), "GB") == 2


def test_observed_christmas_and_new_year_across_the_year_end() -> None:
    # Thu 2027-12-23 -> Mon 12-27: Fri 24 observed Christmas, Mon 27 = 1.
    assert business_days_since(date(2027, 12, 23), date(2027, 12, 27), "US") == 1
    # Thu 2027-12-30 -> Mon 2028-01-03: Fri 31 observed New Year, Mon 3 = 1.
    assert business_days_since(date(2027, 12, 30), date(2028, 1, 3), "US") == 1
    assert not is_business_day(date(2027, 12, 31), "US")
    assert is_business_day(date(2028, 1, 3), "US")


def test_long_range_matches_a_day_by_day_count() -> None:
    us = holidays.country_holidays("US", years=range(2024, 2029))
    start = date(2024, 2, 29)
    for end in (date(2024, 12, 31), date(2026, 7, 3), date(2028, 12, 31)):
        expected = sum(
            1
            for i in range(1, (end - start).days + 1)
            if (day := start + timedelta(days=i)).weekday() < 5 and day not in us
        )
        assert business_days_since(start, end, "US") == expected


def test_country_code_is_case_insensitive() -> None:
    assert business_days_since(date(2026, 11, 24), date(2026, 11, 30), " us ") == 3


def test_unknown_country_is_refused_clearly() -> None:
    with pytest.raises(InvalidInput) as caught:
        business_days_since(date(2026, 3, 2), date(2026, 3, 4), "ZZ")
    assert caught.value.field == "holiday_country"
    assert '"ZZ"' in caught.value.message


def test_holiday_calendars_are_cached() -> None:
    bd._holidays.cache_clear()
    business_days_since(date(2026, 1, 1), date(2026, 12, 31), "US")
    first = bd._holidays.cache_info()
    assert first.misses == 1
    business_days_since(date(2026, 2, 1), date(2026, 11, 30), "US")
    second = bd._holidays.cache_info()
    assert second.misses == 1
    assert second.hits > first.hits


# --------------------------------------------------------------------------- cutoff


@pytest.mark.parametrize(
    ("today", "n", "cutoff"),
    [
        # Mon 30 back: Mon 30 (1), Fri 27 (2), Thu 26 holiday, Wed 25 (3) -> Tue 24.
        (date(2026, 11, 30), 3, date(2026, 11, 24)),
        (date(2026, 11, 30), 2, date(2026, 11, 26)),
        (date(2026, 11, 30), 1, date(2026, 11, 29)),
        (date(2026, 11, 30), 0, date(2026, 11, 30)),
        # Wed 25 back: Wed 25, Tue 24, Mon 23 -> Sun 22.
        (date(2026, 11, 25), 3, date(2026, 11, 22)),
        # Sat 2026-03-07 back: Fri 6, Thu 5, Wed 4 -> Tue 3.
        (date(2026, 3, 7), 3, date(2026, 3, 3)),
        # Mon 2028-01-03 back: Mon 3 (1), Fri 31 observed, Thu 30 (2), Wed 29 (3) -> Tue 28.
        (date(2028, 1, 3), 3, date(2027, 12, 28)),
    ],
)
def test_business_day_cutoff(today: date, n: int, cutoff: date) -> None:
    assert business_day_cutoff(today, n, "US") == cutoff
    assert business_days_since(cutoff, today, "US") >= n


def test_cutoff_is_the_latest_such_date() -> None:
    day = date(2026, 11, 1)
    while day <= date(2027, 1, 15):
        for n in range(0, 12):
            cutoff = business_day_cutoff(day, n, "US")
            assert business_days_since(cutoff, day, "US") >= n, (day, n)
            if n > 0:
                later = cutoff + timedelta(days=1)
                assert business_days_since(later, day, "US") < n, (day, n)
        day += timedelta(days=1)


def test_cutoff_as_a_stale_rule() -> None:
    # "Stale after 3 business days" as of Mon 2026-11-30: touched Tue 24 is stale, Wed 25 not.
    cutoff = business_day_cutoff(date(2026, 11, 30), 3, "US")
    assert date(2026, 11, 24) <= cutoff
    assert not date(2026, 11, 25) <= cutoff


@pytest.mark.parametrize("n", [-1, MAX_BUSINESS_DAYS + 1])
def test_cutoff_refuses_out_of_range_n(n: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        business_day_cutoff(date(2026, 3, 4), n, "US")
    assert caught.value.field == "stale_after_business_days"


def test_cutoff_at_the_maximum() -> None:
    today = date(2026, 3, 4)
    cutoff = business_day_cutoff(today, MAX_BUSINESS_DAYS, "US")
    assert business_days_since(cutoff, today, "US") == MAX_BUSINESS_DAYS

"""The follow-up date a `/log` summary commits to ("call back Friday"), found in linear time.

The phrases people use for a follow-up are found with one regular expression; only those short
phrases are handed to dateparser, and at most `MAX_DATE_PHRASES` of them, so a long summary
costs one scan. (dateparser's own `search_dates` over the whole summary took seconds on a long
paste, and also read "may", "sat" or "Jan" the name as dates.) A phrase written as a date that
is not one, like `2026-02-30` or `Feb 30`, is refused rather than silently ignored.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from dateparser import parse as parse_date

from core.errors import InvalidInput

__all__ = ["MAX_DATE_PHRASES", "find_follow_up_date", "read_day"]

#: A summary naming more date phrases than this (all of them past) is not waiting on a follow-up.
MAX_DATE_PHRASES = 20

_WEEKDAY = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues?|thu|thurs?|fri)"  # not wed/sat/sun: they are ordinary words
)
_MONTH_ALONE = r"(?:january|february|april|june|july|august|september|october|november|december)"
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+\d{4})?"
_COUNT = r"(?:\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_MONTH_DAY = rf"{_MONTH}\s+{_DAY}{_YEAR}|{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}"

# The phrases a person uses for a follow-up. dateparser alone also reads "may", "sat", "Jan"
# (a name), "the 1st" or "Friday 2" (Friday + "2 pipes") as dates; only these count.
_FOLLOW_UP_PHRASE = re.compile(
    r"\b(?:"
    r"(?:the\s+)?day\s+after\s+tomorrow|today|tonight|tomorrow"
    rf"|(?:(?:last|this|next|coming|on)\s+)?{_WEEKDAY}"
    r"|next\s+(?:week|month)"
    rf"|in\s+{_COUNT}\s+(?:days?|weeks?|months?)"
    rf"|{_MONTH_DAY}"
    rf"|{_MONTH_ALONE}"
    # 12/3 or 12/3/2026, but not a pipe size: 3/4 inch, 1/2", 3/4-in
    r"|\d{1,2}/\d{1,2}(?:/\d{2,4})?(?!\s*(?:\"|”|''|inch|-in\b))"
    r"|\d{4}-\d{2}-\d{2}"
    r")\b",
    re.IGNORECASE,
)
_DAY_AFTER_TOMORROW = re.compile(r"(?:the\s+)?day\s+after\s+tomorrow", re.IGNORECASE)
# Words dateparser does not read but that add nothing to the day: "on Friday", "coming Friday".
_FILLER = re.compile(r"^(?:on|coming)\s+", re.IGNORECASE)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_SLASHED = re.compile(r"(?P<month>\d{1,2})/(?P<day>\d{1,2})(?:/(?P<year>\d{4}|\d{2}))?")
# A month and a day in words that dateparser cannot read (`Feb 30`) is a typo to report.
_MONTH_AND_DAY = re.compile(_MONTH_DAY, re.IGNORECASE)


def _date_settings(today: date) -> dict[str, Any]:
    """Resolve phrases relative to the workspace's today, towards the future, US day order."""
    return {
        "PREFER_DATES_FROM": "future",
        "PREFER_DAY_OF_MONTH": "first",
        "RELATIVE_BASE": datetime.combine(today, time()),
        "DATE_ORDER": "MDY",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }


def _not_a_date(phrase: str) -> InvalidInput:
    shown = " ".join(phrase.split())
    return InvalidInput(
        f'"{shown}" is not a date: check the day and the month, or say it in words '
        '("call back Friday", "in 2 weeks"). Nothing was logged.',
        field="follow_up_date",
    )


def _numeric(phrase: str, today: date) -> date | None:
    """`2026-03-10`, `12/3/2026`, `12/3` read exactly (month first); None if not numeric.

    dateparser guesses at these (`2026-13-01` became a date, `2/30` February 2030), so they
    are read here: a full date that does not exist is refused, a short one that does not is
    a fraction (`2/30 of the pipe`) and is not a date at all.
    """
    if match := _ISO.fullmatch(phrase):
        year, month, day = (int(part) for part in match.groups())
    elif match := _SLASHED.fullmatch(phrase):
        month, day = int(match["month"]), int(match["day"])
        if match["year"] is None:
            try:
                this_year = date(today.year, month, day)
            except ValueError:
                return None
            return this_year if this_year >= today else this_year.replace(year=today.year + 1)
        year = int(match["year"]) + (2000 if len(match["year"]) == 2 else 0)
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        raise _not_a_date(phrase) from None


def _resolve(phrase: str, today: date, settings: dict[str, Any]) -> date | None:
    """The day one follow-up phrase means; a calendar date that does not exist is refused."""
    if _DAY_AFTER_TOMORROW.fullmatch(phrase):
        return today + timedelta(days=2)  # dateparser says +1
    if _ISO.fullmatch(phrase) or _SLASHED.fullmatch(phrase):
        return _numeric(phrase, today)
    when: datetime | None = parse_date(_FILLER.sub("", phrase), languages=["en"], settings=settings)
    if when is not None:
        return when.date()
    if _MONTH_AND_DAY.fullmatch(phrase):
        raise _not_a_date(phrase)
    return None


def find_follow_up_date(text: str, *, today: date) -> date | None:
    """The first follow-up date (today or later) a summary commits to, like "call back Friday"."""
    settings = _date_settings(today)
    for tried, phrase in enumerate(_FOLLOW_UP_PHRASE.finditer(text)):
        if tried >= MAX_DATE_PHRASES:
            break
        when = _resolve(phrase.group(0), today, settings)
        if when is not None and when >= today:
            return when
    return None


def read_day(phrase: str, *, today: date) -> date | None:
    """A day said on its own ("the 20th", "next Friday", "March 20"), read from today onwards.

    Only a short phrase is handed to dateparser (the request it came in is capped).
    """
    words = " ".join(phrase.split())[:100]
    if not words:
        return None
    return _resolve(words, today, _date_settings(today))

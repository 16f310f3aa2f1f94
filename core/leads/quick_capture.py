"""The one-line grammars of `/lead` and `/log` (docs/product.md, Commands), as pure parsers.

`/lead Dana Smith, 555-201-3344, leaky faucet at 123 Main via phone $350`
`/log call Dana Smith: wants a quote, call back Friday`
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from dateparser import parse as parse_date
from dateparser.search import search_dates

from core.common.enums import InteractionType, LeadSource
from core.common.money import parse_money
from core.contacts.points import Found, scan_emails, scan_phones, shorten
from core.errors import InvalidEmail, InvalidInput, InvalidPhone

__all__ = [
    "DEFAULT_LOG_TYPE",
    "MAX_NAME_LENGTH",
    "MAX_TITLE_LENGTH",
    "MAX_WHO_LENGTH",
    "LeadCapture",
    "LogEntry",
    "find_follow_up_date",
    "parse_lead_text",
    "parse_log_text",
    "parse_source",
]

MAX_TITLE_LENGTH = 200
MAX_NAME_LENGTH = 100
MAX_WHO_LENGTH = 100

_LEAD_EXAMPLE = "/lead Dana Smith, 555-201-3344, leaky faucet at 123 Main via phone $350"
_LOG_EXAMPLE = "/log call Dana Smith: wants a quote, call back Friday"


# --------------------------------------------------------------------------- /lead


@dataclass(frozen=True)
class LeadCapture:
    """What a `/lead` line says, ready for the new-inquiry operation."""

    first_name: str
    last_name: str | None
    phones: list[str]  # E.164, in the order typed (the first is primary)
    emails: list[str]  # lower-cased, in the order typed (the first is primary)
    source: LeadSource
    estimated_value: Decimal | None
    address: str | None
    title: str


_SOURCE_WORDS: dict[str, LeadSource] = {
    "phone": LeadSource.phone_call,
    "call": LeadSource.phone_call,
    "phone call": LeadSource.phone_call,
    "phonecall": LeadSource.phone_call,
    "email": LeadSource.email,
    "e-mail": LeadSource.email,
    "mail": LeadSource.email,
    "web": LeadSource.web_form,
    "form": LeadSource.web_form,
    "website": LeadSource.web_form,
    "web form": LeadSource.web_form,
    "webform": LeadSource.web_form,
    "referral": LeadSource.referral,
    "referred": LeadSource.referral,
    "ad": LeadSource.ad,
    "ads": LeadSource.ad,
}

# `via phone`, `via the website`, `via phone call`, `via google ad`: one word, or two when the
# second completes a known compound.
_VIA = re.compile(
    r"\bvia\s+(?:(?:a|an|the)\s+)?(?P<source>[\w-]+(?:\s+(?:call|form|ads?)\b)?)",
    re.IGNORECASE,
)
# `$350`, `$1,250`, `$1250.50`; a malformed one (`$1,25`) is caught so parse_money can say so.
_MONEY = re.compile(r"-?\$\s?-?\d[\d,.]*")
# `at 123 Main`, `at 12B Elm St`, `at 12-14 Oak Ave`; not `at 3 pm`.
_ADDRESS_START = re.compile(
    r"\bat\s+(?P<address>\d+[A-Za-z]?(?:-\d+)?\s+(?!(?:am|pm|a\.m\.|p\.m\.|o'?clock)\b)\S)",
    re.IGNORECASE,
)
_ADDRESS_STOP = re.compile(r"\s+via\s|\s*\$|,", re.IGNORECASE)
# A whole comma-separated piece that is only digits and phone punctuation: meant as a phone.
_PHONE_ATTEMPT = re.compile(r"\+?[\d\s().-]+")
_WORD = re.compile(r"\S+")


def parse_source(word: str) -> LeadSource:
    """Turn the word after `via` into the procedure's lead source (unknown words: other)."""
    text = " ".join(re.sub(r"[^\w\s-]", " ", word.lower()).split())
    if not text:
        return LeadSource.other
    if text in _SOURCE_WORDS:
        return _SOURCE_WORDS[text]
    words = text.split()
    for candidate in (words[0], words[-1]):
        if candidate in _SOURCE_WORDS:
            return _SOURCE_WORDS[candidate]
    return LeadSource.other


def _blank(text: str, start: int, end: int) -> str:
    """Cut a recognized piece out while keeping every other offset where it was."""
    return text[:start] + " " * (end - start) + text[end:]


def _tidy(text: str) -> str:
    """Join what is left of comma-separated pieces into one readable phrase."""
    pieces = [" ".join(piece.split()) for piece in text.split(",")]
    return ", ".join(piece for piece in pieces if piece).strip(" ,;:-–—")


def parse_lead_text(text: str, *, region: str) -> LeadCapture:
    """Read a quick-capture `/lead` line so a lead can be made from one message."""
    text = text.replace("\u00a0", " ").strip()
    if not text:
        raise InvalidInput(f"Start with the customer's name, e.g. {_LEAD_EXAMPLE}", field="name")

    masked = text

    emails: list[str] = []
    for found in scan_emails(text):
        if found.value is None:
            raise InvalidEmail(
                f'"{shorten(found.raw)}" is not an email address I can use. '
                "Fix it or leave it out.",
                field="email",
            )
        if found.value not in emails:
            emails.append(found.value)
        masked = _blank(masked, found.start, found.end)

    estimated_value: Decimal | None = None
    money = _MONEY.search(masked)
    if money:
        raw_money = money.group(0).rstrip(".,")
        estimated_value = parse_money(raw_money)
        masked = _blank(masked, money.start(), money.start() + len(raw_money))

    source = LeadSource.phone_call
    via = _VIA.search(masked)
    if via:
        source = parse_source(via.group("source"))
        masked = _blank(masked, via.start(), via.end())

    phone_spans: list[Found] = scan_phones(masked, region)
    phones: list[str] = []
    for found in phone_spans:
        if found.value is not None and found.value not in phones:
            phones.append(found.value)
        masked = _blank(masked, found.start, found.end)

    # Where the address must stop: emails and phones become commas (offsets kept).
    stops = text
    for found in [*scan_emails(text), *phone_spans]:
        stops = stops[: found.start] + "," * (found.end - found.start) + stops[found.end :]

    for piece in masked.split(","):
        if _looks_like_a_phone(piece.strip()):
            raise InvalidPhone(
                f'"{shorten(piece)}" is not a phone number I can use. '
                "Try one like 555-201-3344, or leave it out.",
                field="phone",
            )

    name, rest_start = _split_name(masked)
    first_name, _, last = name.partition(" ")
    title = _tidy(masked[rest_start:])
    if not any(ch.isalnum() for ch in title):
        raise InvalidInput(
            f"Add a short description of the job after the name and phone, e.g. {_LEAD_EXAMPLE}",
            field="title",
        )
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput(
            f"The job description is {len(title):,} characters; keep it to {MAX_TITLE_LENGTH} "
            "(a short label like “leaky faucet at 123 Main”) and add details as a note.",
            field="title",
        )

    return LeadCapture(
        first_name=first_name,
        last_name=last.strip() or None,
        phones=phones,
        emails=emails,
        source=source,
        estimated_value=estimated_value,
        address=_find_address(text, stops, rest_start),
        title=title,
    )


def _split_name(masked: str) -> tuple[str, int]:
    """The name is what comes before the first comma, else the first two words."""
    if "," in masked:
        end = masked.index(",")
        name = " ".join(masked[:end].split())
        rest_start = end + 1
    else:
        words = [m for m in _WORD.finditer(masked) if any(ch.isalnum() for ch in m.group(0))]
        chosen = words[:2]
        name = " ".join(m.group(0) for m in chosen)
        rest_start = chosen[-1].end() if chosen else len(masked)
    if not any(ch.isalpha() for ch in name):
        raise InvalidInput(
            f"Start with the customer's name, then a comma, e.g. {_LEAD_EXAMPLE}", field="name"
        )
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(
            f'The name "{shorten(name)}" is longer than {MAX_NAME_LENGTH} characters. '
            f"Put a comma after the name, e.g. {_LEAD_EXAMPLE}",
            field="name",
        )
    return name, rest_start


def _find_address(text: str, stops: str, rest_start: int) -> str | None:
    """`at <number> <street>` names the service address; it ends at via, $, a comma or a phone."""
    match = _ADDRESS_START.search(stops, rest_start)
    if not match:
        return None
    start = match.start("address")
    stop = _ADDRESS_STOP.search(stops, start)
    end = stop.start() if stop else len(text)
    address = " ".join(text[start:end].split()).rstrip(".;:!?")
    return address or None


def _looks_like_a_phone(piece: str) -> bool:
    """A piece of only digits and phone punctuation was meant as a phone: refuse, don't title it."""
    # Five digits or more, or four with a separator (`555-1`); a bare `2026` or `123` is not.
    if not _PHONE_ATTEMPT.fullmatch(piece):
        return False
    digits = sum(ch.isdigit() for ch in piece)
    return digits >= 5 or (digits >= 4 and any(not ch.isdigit() for ch in piece))


# --------------------------------------------------------------------------- /log


@dataclass(frozen=True)
class LogEntry:
    """What a `/log` line says, ready for the log-interaction operation."""

    interaction_type: InteractionType
    who: str
    summary: str
    follow_up_date: date | None = None


_TYPE_WORDS: dict[str, InteractionType] = {
    "call": InteractionType.phone_call,
    "called": InteractionType.phone_call,
    "phone": InteractionType.phone_call,
    "phoned": InteractionType.phone_call,
    "email": InteractionType.email_outbound,
    "emailed": InteractionType.email_outbound,
    "e-mail": InteractionType.email_outbound,
    "text": InteractionType.sms,
    "texted": InteractionType.sms,
    "sms": InteractionType.sms,
    "meeting": InteractionType.meeting,
    "meet": InteractionType.meeting,
    "met": InteractionType.meeting,
    "visit": InteractionType.meeting,
    "visited": InteractionType.meeting,
    "note": InteractionType.note,
}

#: With no type word (`/log Dana: ...`) the entry is a phone call: that is what staff log most.
DEFAULT_LOG_TYPE = InteractionType.phone_call

_WHO_PREFIX = re.compile(r"^(?:with|to|from)(?:\s+|$)", re.IGNORECASE)


def parse_log_text(text: str, *, today: date) -> LogEntry:
    """Read a `/log` line; a date phrase in the summary becomes the follow-up date."""
    text = text.replace("\u00a0", " ").strip()
    if not text:
        raise InvalidInput(f"Say who it was with, e.g. {_LOG_EXAMPLE}", field="who")
    interaction_type = DEFAULT_LOG_TYPE
    first, _, after = text.partition(" ")
    type_word = first.lower().rstrip(":,")
    if type_word in _TYPE_WORDS:
        interaction_type = _TYPE_WORDS[type_word]
        # `/log call: Dana ...` has no who; keep the colon so the check below says so.
        text = (":" + after) if first.endswith(":") else after

    who_part, colon, summary_part = text.partition(":")
    who = " ".join(_WHO_PREFIX.sub("", who_part.strip()).split())
    summary = " ".join(summary_part.split())
    if not colon:
        raise InvalidInput(
            f"Put a colon after who it was, then what happened, e.g. {_LOG_EXAMPLE}",
            field="summary",
        )
    if not who:
        raise InvalidInput(f"Say who it was with, e.g. {_LOG_EXAMPLE}", field="who")
    if len(who) > MAX_WHO_LENGTH:
        raise InvalidInput(
            f'"{shorten(who)}" is too long for a name; put a colon right after the name, '
            f"e.g. {_LOG_EXAMPLE}",
            field="who",
        )
    if not summary:
        raise InvalidInput(
            f"Add what happened after the colon, e.g. {_LOG_EXAMPLE}", field="summary"
        )
    return LogEntry(
        interaction_type=interaction_type,
        who=who,
        summary=summary,
        follow_up_date=find_follow_up_date(summary, today=today),
    )


# --------------------------------------------------------------------------- follow-up dates

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

# The phrases a person uses for a follow-up. dateparser alone also reads "may", "sat", "Jan"
# (a name), "the 1st" or "Friday 2" (Friday + "2 pipes") as dates; a phrase must contain one
# of these to count, and only the part that matches is resolved.
_FOLLOW_UP_PHRASE = re.compile(
    r"\b(?:"
    r"(?:the\s+)?day\s+after\s+tomorrow|today|tonight|tomorrow"
    rf"|(?:(?:last|this|next|coming|on)\s+)?{_WEEKDAY}"
    r"|next\s+(?:week|month)"
    rf"|in\s+{_COUNT}\s+(?:days?|weeks?|months?)"
    rf"|{_MONTH}\s+{_DAY}{_YEAR}|{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}"
    rf"|{_MONTH_ALONE}"
    # 12/3 or 12/3/2026, but not a pipe size: 3/4 inch, 1/2", 3/4-in
    r"|\d{1,2}/\d{1,2}(?:/\d{2,4})?(?!\s*(?:\"|”|''|inch|-in\b))"
    r"|\d{4}-\d{2}-\d{2}"
    r")\b",
    re.IGNORECASE,
)
_DAY_AFTER_TOMORROW = re.compile(r"(?:the\s+)?day\s+after\s+tomorrow", re.IGNORECASE)


def _date_settings(today: date) -> dict[str, Any]:
    """Resolve phrases relative to the workspace's today, towards the future, US day order."""
    return {
        "PREFER_DATES_FROM": "future",
        "PREFER_DAY_OF_MONTH": "first",
        "RELATIVE_BASE": datetime.combine(today, time()),
        "DATE_ORDER": "MDY",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }


def find_follow_up_date(text: str, *, today: date) -> date | None:
    """The first follow-up date (today or later) a summary commits to, like "call back Friday"."""
    settings = _date_settings(today)
    found: list[tuple[str, datetime]] | None = search_dates(
        text, languages=["en"], settings=settings
    )
    cursor = 0
    for phrase, when in found or []:
        at = text.find(phrase, cursor)
        if at < 0:  # dateparser reports phrases as typed; be safe if it ever does not
            continue
        cursor = at + len(phrase)
        # Searched in the full text so a pattern can look past the phrase ("3/4 inch").
        qualifying = _FOLLOW_UP_PHRASE.search(text, at)
        if not qualifying or qualifying.start() >= cursor:
            continue
        if _DAY_AFTER_TOMORROW.fullmatch(qualifying.group(0)):
            when = datetime.combine(today + timedelta(days=2), time())  # dateparser says +1
        elif qualifying.group(0).lower() != phrase.strip().lower():
            # "Friday 2" read from "Friday 2 pipes": resolve just "Friday".
            reparsed = parse_date(qualifying.group(0), languages=["en"], settings=settings)
            if reparsed is None:
                continue
            when = reparsed
        if when.date() >= today:
            return when.date()
    return None

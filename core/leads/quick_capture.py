"""The one-line grammars of `/lead` and `/log` (docs/product.md, Commands), as pure parsers.

`/lead Dana Smith, 555-201-3344, leaky faucet at 123 Main via phone $350`
`/log call Dana Smith: wants a quote, call back Friday`

Phones and emails count only where a person puts contact details, never inside the job text;
every scan is linear (docs/parsing.md).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import accumulate, islice

from core.common.enums import InteractionType, LeadSource
from core.common.money import parse_money
from core.contacts.points import Found, scan_emails, scan_phones, shorten
from core.errors import InvalidEmail, InvalidInput, InvalidPhone
from core.leads.follow_up_dates import find_follow_up_date

__all__ = [
    "DEFAULT_LOG_TYPE",
    "MAX_POINTS",
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
#: More phones or emails than this in one line is a paste, not a capture. Scanning stops one
#: past it (each one found costs a validation), so a long paste costs one linear scan.
MAX_POINTS = 20

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
    source_given: bool = True  # False: no `via`, so the source is the default (phone_call)


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
# `$350`, `$1,250`, `$1250.50`; a malformed one (`$1,25`, `$1e400`, `$350k`) is taken whole
# so parse_money refuses it, instead of reading `$1` and leaving "e400" in the title.
_MONEY = re.compile(r"-?\$\s?-?\d[\w,.]*")
# `at 123 Main`, `at 12B Elm St`, `at 12-14 Oak Ave`; not `at 3 pm`.
_ADDRESS_START = re.compile(
    r"\bat\s+(?P<address>\d+[A-Za-z]?(?:-\d+)?\s+(?!(?:am|pm|a\.m\.|p\.m\.|o'?clock)\b)\S)",
    re.IGNORECASE,
)
_ADDRESS_STOP = re.compile(r"\s+via\s|\s*\$|,", re.IGNORECASE)
# A whole comma-separated piece that is only digits and phone punctuation: meant as a phone.
_PHONE_ATTEMPT = re.compile(r"\+?[\d\s().-]+")
_WORD = re.compile(r"\S+")
_SEPARATORS = " /|&;:+.-–—"


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
    # A piece left with only the separator between two phones (`555-… / dana@…`) goes too.
    return ", ".join(piece for piece in pieces if piece.strip(_SEPARATORS)).strip(" ,;:-–—")


def _too_much() -> InvalidInput:
    return InvalidInput(
        f"That is too much for a quick capture: more than {MAX_POINTS} phone numbers or emails. "
        f"Give the name, a phone or email and a short job label, e.g. {_LEAD_EXAMPLE}, "
        "and add details as a note.",
        field="title",
    )


def _typed(text: str) -> str:
    """The line as typed, trimmed; a NUL character (which no database column takes) refused."""
    if "\x00" in text:
        raise InvalidInput("That text contains a NUL character; remove it and send it again.")
    return text.replace("\u00a0", " ").strip()


def parse_lead_text(text: str, *, region: str) -> LeadCapture:
    """Read a quick-capture `/lead` line so a lead can be made from one message.

    A phone or email counts only in a contact position (see `_in_contact_positions`); one
    with job words on both sides is part of the job text and stays in the title.
    """
    text = _typed(text)
    if not text:
        raise InvalidInput(f"Start with the customer's name, e.g. {_LEAD_EXAMPLE}", field="name")

    # The skeleton has every phone- or email-looking piece and the $ and via clauses blanked
    # out (offsets kept): what is left are the name and the job words.
    email_spans = scan_emails(text, limit=MAX_POINTS + 1)
    skeleton = text
    for found in email_spans:
        skeleton = _blank(skeleton, found.start, found.end)
    cut: list[tuple[int, int]] = []

    estimated_value: Decimal | None = None
    money = _MONEY.search(skeleton)
    if money:
        raw_money = money.group(0).rstrip(".,")
        estimated_value = parse_money(raw_money)
        cut.append((money.start(), money.start() + len(raw_money)))
        skeleton = _blank(skeleton, *cut[-1])

    source = LeadSource.phone_call
    via = _VIA.search(skeleton)
    if via:
        source = parse_source(via.group("source"))
        cut.append((via.start(), via.end()))
        skeleton = _blank(skeleton, *cut[-1])

    phone_spans: list[Found] = scan_phones(skeleton, region, limit=MAX_POINTS + 1)
    if len(email_spans) > MAX_POINTS or len(phone_spans) > MAX_POINTS:
        raise _too_much()
    for found in phone_spans:
        skeleton = _blank(skeleton, found.start, found.end)

    name, name_end, rest_start = _name_span(skeleton)
    emails: list[str] = []
    phones: list[str] = []
    masked = text
    for found in _in_contact_positions([*email_spans, *phone_spans], skeleton, name_end):
        masked = _blank(masked, found.start, found.end)
        if found in email_spans:
            if found.value is None:
                raise InvalidEmail(
                    f'"{shorten(found.raw)}" is not an email address I can use. '
                    "Fix it or leave it out.",
                    field="email",
                )
            if found.value not in emails:
                emails.append(found.value)
        elif found.value is not None and found.value not in phones:
            phones.append(found.value)
    for start, end in cut:
        masked = _blank(masked, start, end)

    # Where the address must stop: emails and phones become commas (offsets kept).
    stops = text
    for found in [*email_spans, *phone_spans]:
        stops = stops[: found.start] + "," * (found.end - found.start) + stops[found.end :]

    for piece in masked.split(","):
        if _looks_like_a_phone(piece.strip()):
            raise InvalidPhone(
                f'"{shorten(piece)}" is not a phone number I can use. '
                "Try one like 555-201-3344, or leave it out.",
                field="phone",
            )

    _check_name(name)
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
        source_given=via is not None,
    )


def _name_span(skeleton: str) -> tuple[str, int, int]:
    """The name, where its piece ends, and where the job text starts.

    The name is what comes before the first comma, else the first two words.
    """
    if "," in skeleton:
        end = skeleton.index(",")
        return " ".join(skeleton[:end].split()), end, end + 1
    words = (m for m in _WORD.finditer(skeleton) if any(ch.isalnum() for ch in m.group(0)))
    chosen = list(islice(words, 2))
    end = chosen[-1].end() if chosen else len(skeleton)
    return " ".join(m.group(0) for m in chosen), end, end


def _check_name(name: str) -> None:
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


def _in_contact_positions(found: list[Found], skeleton: str, name_end: int) -> list[Found]:
    """The phones and emails written where the grammar puts contact details, in text order.

    Contact positions: anywhere in the name's piece (before the first comma, or around the
    first two words when there is no comma), and at the start or the end of every later
    comma-separated piece, as a run with no word between it and that comma or line end.
    `paint unit 4455123 at 9 Pine` has words on both sides of the number: job text.
    """
    words_before = list(accumulate((ch.isalnum() for ch in skeleton), initial=0))
    bounds = [name_end, *(i for i, ch in enumerate(skeleton) if ch == "," and i > name_end)]
    bounds.append(len(skeleton))
    kept: list[Found] = []
    for point in sorted(found, key=lambda f: f.start):
        if point.start < name_end:
            kept.append(point)
            continue
        at = bisect_right(bounds, point.start) - 1
        piece_start, piece_end = bounds[at], bounds[min(at + 1, len(bounds) - 1)]
        leading = words_before[point.start] == words_before[piece_start]
        trailing = words_before[piece_end] == words_before[point.end]
        if leading or trailing:
            kept.append(point)
    return kept


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
    text = _typed(text)
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

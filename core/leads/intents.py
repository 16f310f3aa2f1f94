"""The procedure's "Common Requests" in plain words (a DM to the bot, a mention, `/crm <text>`).

Recognition is one table of anchored patterns (`INTENTS`), not a language model: a request
either reads as one of its rows or is not understood, and the bot then offers the nearest rows
(rapidfuzz against their examples). Names are returned as typed, minus "the", "lead", "job" and
a possessive "'s"; the rest a request carries (a stage, a date, a lead's line) is `detail`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process, utils

__all__ = [
    "INTENTS",
    "MAX_REQUEST_LENGTH",
    "Intent",
    "IntentKind",
    "IntentRow",
    "nearest_requests",
    "parse_request",
]

#: Longer text is not a request but a message (or a paste); it is not interpreted.
MAX_REQUEST_LENGTH = 500


class IntentKind(StrEnum):
    """The eight common requests of docs/product.md, Commands, the day-one ones, and help."""

    add_customer = "add_customer"
    log_call = "log_call"
    pipeline = "pipeline"
    follow_up = "follow_up"
    convert = "convert"
    disqualify = "disqualify"
    last_touch = "last_touch"
    newest_customers = "newest_customers"
    help = "help"
    follow_ups_today = "follow_ups_today"
    overdue = "overdue"
    stale_leads = "stale_leads"
    capture_lead = "capture_lead"
    move_stage = "move_stage"
    close_date = "close_date"
    do_not_contact = "do_not_contact"
    quote = "quote"


@dataclass(frozen=True)
class Intent:
    """A recognised request, the person it is about, and what else it said (stage, date, text)."""

    kind: IntentKind
    name: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class IntentRow:
    """One request the bot understands: how it is said, and what it answers.

    `examples` are shown in help and offered as the nearest requests when a message is not
    understood; `about_someone` means the request needs a name (the first example shows how).
    """

    kind: IntentKind
    examples: tuple[str, ...]
    patterns: tuple[str, ...]
    answers: str
    about_someone: bool = False


_NAME = r"(?P<name>.+?)"
_RECORD = r"(?:lead|job|deal|opportunity)"
_LEAD_NAME = rf"(?:the\s+)?{_NAME}(?:'s)?(?:\s+{_RECORD})?"
_FOLLOW_UPS = r"follow(?:\s|-)?ups?"

# The one intent table: matched in order, each pattern against the request's words whole
# (`fullmatch`), so "don't move the Dana lead" is not "move the Dana lead". No pattern nests a
# repetition inside another, and requests are capped at MAX_REQUEST_LENGTH characters.
INTENTS: tuple[IntentRow, ...] = (
    IntentRow(
        IntentKind.help,
        ("help",),
        (r"help(?:\s+me)?|\?+|what\s+can\s+you\s+do|commands",),
        "what the bot can do",
    ),
    IntentRow(
        IntentKind.newest_customers,
        ("who are our newest customers?",),
        (
            r"(?:who\s+are\s+)?(?:our\s+|the\s+|my\s+)?"
            r"(?:newest|latest|most\s+recent|recent)\s+customers"
            r"|who\s+are\s+(?:our|my)\s+new\s+customers",
        ),
        "the customers added most recently",
    ),
    IntentRow(
        IntentKind.capture_lead,
        ("new lead: Rita Moreno, 555-777-0101, clogged drain",),
        (r"(?:(?:add|log|capture)\s+(?:a\s+)?(?:new\s+)?|new\s+)lead\s*[:\-]\s*(?P<detail>.+)",),
        "captures a lead the way `/lead` does in one line",
    ),
    IntentRow(
        IntentKind.add_customer,
        ("add a new customer",),
        (
            r"(?:(?:add|create|make)\s+(?:a\s+)?(?:new\s+)?|new\s+)(?:customer|client|contact)"
            rf"(?:\s*(?::|named|called)?\s+{_NAME})?",
        ),
        "opens the New customer form",
    ),
    IntentRow(
        IntentKind.log_call,
        ("log a call with Dana",),
        (rf"log\s+(?:a\s+|the\s+)?call(?:\s+(?:with|to|from)?\s*{_NAME})?",),
        "asks how the call went, for the one person named",
        about_someone=True,
    ),
    IntentRow(
        IntentKind.follow_ups_today,
        ("who needs a follow-up today?", "today's follow-ups"),
        (
            rf"who\s+needs?\s+(?:a\s+)?{_FOLLOW_UPS}(?:\s+today)?"
            rf"|(?:(?:show(?:\s+me)?|what\s+are|list)\s+)?(?:today'?s|the)\s+{_FOLLOW_UPS}"
            rf"(?:\s+(?:for\s+)?today)?|{_FOLLOW_UPS}\s+(?:for\s+|due\s+)?today"
            r"|what(?:'?s|\s+is)\s+due(?:\s+today)?"
            r"|who\s+(?:do|should)\s+(?:i|we)\s+follow(?:\s|-)?up\s+with(?:\s+today)?",
        ),
        "today's follow-ups",
    ),
    IntentRow(
        IntentKind.overdue,
        ("what's overdue?",),
        (
            r"what(?:'?s|\s+is|\s+are)\s+(?:still\s+)?overdue|anything\s+overdue"
            rf"|(?:show(?:\s+me)?\s+)?(?:the\s+)?overdue(?:\s+{_FOLLOW_UPS})?"
            rf"|which\s+{_FOLLOW_UPS}\s+are\s+overdue",
        ),
        "the follow-ups whose day has passed",
    ),
    IntentRow(
        IntentKind.stale_leads,
        ("show stale leads",),
        (
            r"(?:(?:show(?:\s+me)?|list|what\s+are|which\s+are|any)\s+)?(?:the\s+|our\s+|my\s+)?"
            r"stale\s+leads|which\s+leads\s+(?:are|have\s+gone)\s+stale",
        ),
        "the open leads with no activity for a while",
    ),
    IntentRow(
        IntentKind.pipeline,
        ("what's our pipeline?", "how many new leads this week?"),
        (
            r"(?:(?:what(?:'?s|\s+is)|how(?:'?s|\s+is)|show(?:\s+me)?|check)\s+)?"
            r"(?:our\s+|the\s+|my\s+)?pipeline"
            r"(?:\s+(?:looking(?:\s+like)?|look(?:ing)?\s+like|summary|report|now|today))?",
            r"(?:how\s+many\s+)?new\s+leads\s+(?:this|last)\s+week",
        ),
        "the pipeline summary",
    ),
    IntentRow(
        IntentKind.follow_up,
        ("follow up on the Dana lead",),
        (rf"follow(?:\s+|-)?up(?:\s+(?:on|with)\s+{_LEAD_NAME})?",),
        "drafts a follow-up for the owner to approve",
        about_someone=True,
    ),
    IntentRow(
        IntentKind.convert,
        ("convert Dana to a job",),
        (
            rf"convert(?:\s+{_LEAD_NAME})?"
            r"(?:\s+(?:to|into)\s+(?:a\s+|an\s+)?(?:job|opportunity|deal))?",
        ),
        "turns the lead into a job",
        about_someone=True,
    ),
    IntentRow(
        IntentKind.disqualify,
        ("disqualify the Dana lead",),
        (rf"disqualify(?:\s+{_LEAD_NAME})?",),
        "asks why, then closes the lead",
        about_someone=True,
    ),
    IntentRow(
        IntentKind.move_stage,
        ("move the Dana lead to estimate sent",),
        (
            rf"move\s+{_LEAD_NAME}\s+(?:to|into)\s+(?:the\s+)?"
            r"(?P<detail>[a-z][a-z_ \-]*?)(?:\s+stage)?",
        ),
        "moves the lead (or the job) to that stage",
        about_someone=True,
    ),
    IntentRow(
        IntentKind.close_date,
        ("Dana's job closes on the 20th",),
        (
            rf"set\s+(?:the\s+)?(?:expected\s+)?close\s+date\s+(?:for|of|on)\s+{_LEAD_NAME}"
            r"\s+to\s+(?P<detail>.+)",
            rf"{_LEAD_NAME}\s+(?:closes|(?:should|will|is\s+going\s+to|is\s+expected\s+to)\s+close)"
            r"\s+(?:on\s+|by\s+)?(?P<detail>.+)",
        ),
        "sets the expected close date",
        about_someone=True,
    ),
    IntentRow(
        IntentKind.do_not_contact,
        ("mark Dana as do not contact", "Dana asked us not to contact her"),
        (
            rf"mark\s+{_NAME}\s+(?:as\s+)?(?:do[\s-]+not[\s-]+contact|dnc)",
            rf"{_NAME}\s+(?P<detail>(?:asked|wants|told)\s+(?:us\s+|me\s+)?(?:not\s+to\s+"
            r"(?:contact|call|email|text)\s+(?:her|him|them)|not\s+to\s+be\s+contacted"
            r"|to\s+stop\s+(?:contacting|calling|emailing)\s+(?:her|him|them))"
            r"(?:\s+(?:again|anymore|any\s+more))?)",
        ),
        "marks the person as do not contact",
        about_someone=True,
    ),
    IntentRow(
        IntentKind.quote,
        ("what did we quote Dana?",),
        (
            rf"(?:what|how\s+much)\s+did\s+(?:we|i|you)\s+quote\s+{_LEAD_NAME}",
            rf"what(?:'?s|\s+is|\s+was)\s+{_NAME}'s\s+(?:quote|estimate)",
            rf"what(?:'?s|\s+is|\s+was)\s+(?:the|our)\s+(?:quote|estimate)\s+(?:for|to)\s+{_LEAD_NAME}",
        ),
        "the estimate on the lead and the amount of the job",
        about_someone=True,
    ),
    IntentRow(
        IntentKind.last_touch,
        ("how long since we talked to Dana?",),
        (
            r"(?:how\s+long(?:\s+has\s+it\s+been)?\s+since\s+(?:we|i|you|anyone)"
            r"(?:\s+last)?\s+(?:talked|spoke|spoken|heard\s+from|contacted|called)"
            r"|when\s+did\s+(?:we|i|you|anyone)\s+last\s+(?:talk|speak|hear\s+from|contact|call)"
            r"|(?:last\s+(?:touch(?:point)?|contact)))"
            rf"(?:\s+(?:to|with))?\s+{_NAME}",
        ),
        "the last touchpoint with the person",
        about_someone=True,
    ),
)

_COMPILED: list[tuple[IntentKind, re.Pattern[str]]] = [
    (row.kind, re.compile(pattern, re.IGNORECASE)) for row in INTENTS for pattern in row.patterns
]

# "convert this lead", "disqualify them": the request is about the record in context.
_NOT_A_NAME = frozenset(
    {"this", "that", "it", "him", "her", "them", "this one", "that one", "lead", "this lead"}
)

_QUOTES = str.maketrans({"‘": "'", "’": "'", "`": "'", "“": '"', "”": '"', "´": "'"})
_QUOTE_CHARS = "\"'“”‘’`´ "
_MENTION = re.compile(r"\s*(?:<@[^>]+>\s*)+")
_POLITE_START = re.compile(
    r"\s*(?:(?:hey|hi|ok|okay)\b[\s,!]*)?(?:(?:please|pls|can\s+you|could\s+you|would\s+you)[\s,!]+)*",
    re.IGNORECASE,
)
_POLITE_END = re.compile(r"(?:[\s,]+(?:please|pls|thanks|thank\s+you))+$", re.IGNORECASE)
_TRAILING_PUNCT = re.compile(r"[\s?!.,;:]+$")


def _core_span(text: str) -> tuple[int, int]:
    """Where the words that carry the request are: without mention, politeness, punctuation."""
    start, end = 0, len(text)
    previous = (-1, -1)
    while previous != (start, end):
        previous = (start, end)
        for prefix in (_MENTION, _POLITE_START):
            match = prefix.match(text, start, end)
            if match:
                start = match.end()
        for suffix in (_TRAILING_PUNCT, _POLITE_END):
            match = suffix.search(text, start, end)
            if match:
                end = match.start()
    return start, end


def _clean_name(raw: str | None) -> str | None:
    """The person as typed, without quotes, articles, "lead" or a possessive."""
    if raw is None:
        return None
    name = raw.strip().strip(_QUOTE_CHARS).strip()
    name = re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)
    name = re.sub(r"\s+(?:lead|job|deal|opportunity)$", "", name, flags=re.IGNORECASE)
    name = re.sub(r"['’]s$", "", name, flags=re.IGNORECASE)
    name = name.strip().strip(_QUOTE_CHARS).strip()
    if name.lower() in _NOT_A_NAME:
        return None
    return name or None


def parse_request(text: str) -> Intent | None:
    """Recognise a plain-words request so the bot can run the matching operation."""
    if "\x00" in text:  # nothing a person types; no name lookup may carry it to the database
        return None
    if len(text) > MAX_REQUEST_LENGTH:
        return None
    # Smart quotes become plain ones for matching; the translation keeps every offset, so the
    # name is cut from the original text, exactly as typed.
    plain = text.translate(_QUOTES)
    start, end = _core_span(plain)
    if start >= end:
        return Intent(IntentKind.help) if "?" in text else None
    for kind, pattern in _COMPILED:
        match = pattern.fullmatch(plain, start, end)
        if match:
            found = match.groupdict()
            name = found.get("name")
            detail = found.get("detail")
            return Intent(
                kind,
                None
                if name is None
                else _clean_name(text[match.start("name") : match.end("name")]),
                None
                if detail is None
                else text[match.start("detail") : match.end("detail")].strip(),
            )
    return None


def nearest_requests(text: str, *, limit: int = 3) -> list[IntentRow]:
    """The requests whose examples read closest to `text`, for a message not understood."""
    words = " ".join(text[:MAX_REQUEST_LENGTH].split())
    examples = {example: row for row in INTENTS for example in row.examples}
    found = process.extract(
        words,
        list(examples),
        scorer=fuzz.token_set_ratio,
        processor=utils.default_process,
        limit=limit * 2,
    )
    rows: list[IntentRow] = []
    for example, _score, _index in found:
        row = examples[example]
        if row not in rows and row.kind != IntentKind.help:
            rows.append(row)
    return rows[:limit]

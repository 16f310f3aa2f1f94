"""The procedure's "Common Requests" in plain words (a DM to the bot, a mention, `/crm <text>`).

Recognition is a small set of anchored patterns, not a language model: a request either reads
as one of the eight requests (or help) or is not understood, and the bot then says what it can
do. Names are returned as typed, minus "the", "lead" and a possessive "'s".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["MAX_REQUEST_LENGTH", "Intent", "IntentKind", "parse_request"]

#: Longer text is not a request but a message (or a paste); it is not interpreted.
MAX_REQUEST_LENGTH = 500


class IntentKind(StrEnum):
    """The eight common requests of docs/product.md, Commands, plus help."""

    add_customer = "add_customer"
    log_call = "log_call"
    pipeline = "pipeline"
    follow_up = "follow_up"
    convert = "convert"
    disqualify = "disqualify"
    last_touch = "last_touch"
    newest_customers = "newest_customers"
    help = "help"


@dataclass(frozen=True)
class Intent:
    """A recognised request and the person it is about, when it names one."""

    kind: IntentKind
    name: str | None = None


_NAME = r"(?P<name>.+?)"
_LEAD_NAME = rf"(?:the\s+)?{_NAME}(?:'s)?(?:\s+lead)?"

_PATTERNS: list[tuple[IntentKind, re.Pattern[str]]] = [
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in [
        (IntentKind.help, r"help(?:\s+me)?|\?+|what\s+can\s+you\s+do|commands"),
        (
            IntentKind.newest_customers,
            r"(?:who\s+are\s+)?(?:our\s+|the\s+|my\s+)?"
            r"(?:newest|latest|most\s+recent|recent)\s+customers"
            r"|who\s+are\s+(?:our|my)\s+new\s+customers",
        ),
        (
            IntentKind.add_customer,
            r"(?:(?:add|create|make)\s+(?:a\s+)?(?:new\s+)?|new\s+)(?:customer|client|contact)"
            rf"(?:\s*(?::|named|called)?\s+{_NAME})?",
        ),
        (IntentKind.log_call, rf"log\s+(?:a\s+|the\s+)?call(?:\s+(?:with|to|from)?\s*{_NAME})?"),
        (
            IntentKind.pipeline,
            r"(?:(?:what(?:'?s|\s+is)|how(?:'?s|\s+is)|show(?:\s+me)?|check)\s+)?"
            r"(?:our\s+|the\s+|my\s+)?pipeline"
            r"(?:\s+(?:looking(?:\s+like)?|look(?:ing)?\s+like|summary|report|now|today))?",
        ),
        (
            IntentKind.follow_up,
            rf"follow(?:\s+|-)?up(?:\s+(?:on|with)\s+{_LEAD_NAME})?",
        ),
        (
            IntentKind.convert,
            rf"convert(?:\s+{_LEAD_NAME})?"
            r"(?:\s+(?:to|into)\s+(?:a\s+|an\s+)?(?:job|opportunity|deal))?",
        ),
        (IntentKind.disqualify, rf"disqualify(?:\s+{_LEAD_NAME})?"),
        (
            IntentKind.last_touch,
            r"(?:how\s+long(?:\s+has\s+it\s+been)?\s+since\s+(?:we|i|you|anyone)"
            r"(?:\s+last)?\s+(?:talked|spoke|spoken|heard\s+from|contacted|called)"
            r"|when\s+did\s+(?:we|i|you|anyone)\s+last\s+(?:talk|speak|hear\s+from|contact|call)"
            r"|(?:last\s+(?:touch(?:point)?|contact)))"
            rf"(?:\s+(?:to|with))?\s+{_NAME}",
        ),
    ]
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
    name = re.sub(r"\s+lead$", "", name, flags=re.IGNORECASE)
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
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(plain, start, end)
        if match:
            if match.groupdict().get("name") is None:
                return Intent(kind)
            return Intent(kind, _clean_name(text[match.start("name") : match.end("name")]))
    return None

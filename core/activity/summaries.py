"""The short summary kept beside a long interaction body (`interactions.ai_summary`).

A long email or note is read at a glance on the contact card, in drafts and in digests through
its summary (`core.reports.rows.summarize`). The default summariser is extractive: it keeps the
sentence that carries the ask or the next step, and the sentence with a date or an amount when
the first has none. It sits behind `core.ports.Summarizer`, chosen by the wiring place and
carried in the session's `info` (`use_summarizer`), so a language model can replace it without
touching any write path (docs/architecture.md, Summaries).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core.ports import Summarizer
from core.reports.rows import shorten

__all__ = [
    "INPUT_CAP",
    "SUMMARY_LENGTH",
    "SUMMARY_THRESHOLD",
    "ExtractiveSummarizer",
    "summarize_extractively",
    "summary_for",
    "use_summarizer",
]

#: Bodies longer than this (emails, long notes) get a summary; shorter ones are their own.
SUMMARY_THRESHOLD = 280
#: The longest summary kept.
SUMMARY_LENGTH = 240
#: Only this much of a body is read, so summarising is bounded whatever arrives.
INPUT_CAP = 20_000

_SESSION_KEY = "crm.summarizer"

_QUOTE_HEADER = re.compile(r"on\b[^\n]{0,300}\bwrote:\s*|-+\s*original message\s*-+", re.I)
_GREETING = re.compile(
    r"(?:hi|hello|hey|dear|good\s+(?:morning|afternoon|evening))\b[^\n]{0,40}$", re.I
)
_SIGN_OFF = re.compile(
    r"(?:thanks|thank\s+you|many\s+thanks|best|regards|kind\s+regards|best\s+regards|cheers|"
    r"sincerely|sent\s+from\s+my)\b[^\n]{0,40}$",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[a-z']+")
_AMOUNT = re.compile(r"\$\s?\d|\d\s?(?:dollars|bucks|k)\b", re.I)
_DATE = re.compile(
    r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|"
    r"dec)[a-z]*\.?\s+\d|\b\d{1,2}/\d{1,2}\b|\b\d{1,2}(?::\d\d)?\s?(?:am|pm)\b|"
    r"\b(?:today|tomorrow|tonight|next\s+week|this\s+week)\b|\b\d{4}-\d\d-\d\d\b",
    re.I,
)
_ASK_WORDS = frozenset(
    """can could would please need needs want wants like schedule book call quote estimate
    available send come visit asap confirm next let when price cost fix replace install
    repair deadline by""".split()
)
_PLEASANTRIES = ("hope you", "thanks for", "thank you for", "hope this", "hope all")


class ExtractiveSummarizer:
    """The default `Summarizer`: the sentence with the ask, dates and amounts kept."""

    def summarize(self, text: str) -> str:
        return summarize_extractively(text)


def _body_lines(text: str) -> list[str]:
    """The lines the writer wrote: no quoted reply, greeting, sign-off or signature."""
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line == "--" or _QUOTE_HEADER.fullmatch(line):
            break  # a signature or the quoted earlier message: nothing new below
        if lines and _SIGN_OFF.fullmatch(line):
            break
        if not line or line.startswith(">"):
            continue
        if not lines and _GREETING.fullmatch(line):
            continue
        lines.append(line)
    return lines


def _score(sentence: str, position: int) -> float:
    """How much a sentence reads like the ask or the next step; earlier wins a tie."""
    lowered = sentence.lower()
    words = _WORD.findall(lowered)
    score = float(sum(1 for word in words if word in _ASK_WORDS))
    if sentence.rstrip().endswith("?"):
        score += 3
    if _DATE.search(sentence):
        score += 2
    if _AMOUNT.search(sentence):
        score += 2
    if any(phrase in lowered for phrase in _PLEASANTRIES):
        score -= 3
    return score - position * 0.01


def summarize_extractively(text: str) -> str:
    """The sentence with the ask or next step, plus the one with a date or amount it lacks.

    Never longer than the text, never empty when the text has any word, and only the first
    `INPUT_CAP` characters are read.
    """
    capped = text[:INPUT_CAP]
    flat = " ".join(capped.split())
    if not flat:
        return ""
    body = " ".join(" ".join(_body_lines(capped)).split()) or flat
    sentences = [s for s in _SENTENCE_END.split(body) if s]
    ranked = sorted(range(len(sentences)), key=lambda i: -_score(sentences[i], i))
    chosen = [ranked[0]]
    for wanted in (_AMOUNT, _DATE):
        if any(wanted.search(sentences[i]) for i in chosen):
            continue
        extra = next((i for i in ranked if wanted.search(sentences[i])), None)
        if extra is None:
            continue
        length = sum(len(sentences[i]) + 1 for i in chosen) + len(sentences[extra])
        if length <= SUMMARY_LENGTH:
            chosen.append(extra)
    summary = " ".join(sentences[i] for i in sorted(chosen))
    return shorten(summary, min(SUMMARY_LENGTH, len(text)))


def use_summarizer(sessions: sessionmaker[Session], summarizer: Summarizer) -> None:
    """Make every session of `sessions` summarise with `summarizer` (the wiring place's choice)."""
    info: dict[Any, Any] = dict(sessions.kw.get("info") or {})
    info[_SESSION_KEY] = summarizer
    sessions.configure(info=info)


def summary_for(session: Session, body: str | None) -> str | None:
    """The summary to store for a body: None when it is short enough to be read as it is."""
    if body is None or len(body.strip()) <= SUMMARY_THRESHOLD:
        return None
    summarizer: Summarizer = session.info.get(_SESSION_KEY) or _DEFAULT
    summary = shorten(summarizer.summarize(body), SUMMARY_LENGTH)
    return summary or None


_DEFAULT = ExtractiveSummarizer()

"""Checks every operation runs on what a person typed, before anything is written.

Text is trimmed and held to its column limit; a choice is read the way people type it
("Web form", "web-form" and "web_form" are the same) or refused with the values allowed.
Every refusal is an `InvalidInput` naming the field, so a form can show it on that field.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from typing import TypeVar

from core.errors import InvalidInput

__all__ = [
    "MAX_TYPED_TEXT",
    "capped",
    "clean_text",
    "parse_choice",
    "parse_optional_choice",
    "required_text",
]

E = TypeVar("E", bound=StrEnum)

_SHOWN = 60  # characters of a refused value repeated back in the message

#: The most a person can type into one line for the bot (a slash command, a message to it):
#: room for the longest note a line can carry (10,000 characters) and the words around it.
#: Each entry refuses longer text before any parser reads it, so a paste costs nothing.
MAX_TYPED_TEXT = 12_000


def _shown(raw: str) -> str:
    return raw if len(raw) <= _SHOWN else raw[: _SHOWN - 1] + "…"


def clean_text(
    value: object,
    *,
    field: str,
    label: str,
    limit: int,
    required: bool = False,
    one_line: bool = False,
) -> str | None:
    """Trim a user's text (one line: inner blanks folded); refuse what cannot be stored."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"The {label} must be text.", field=field)
    text = " ".join(value.split()) if one_line else value.strip()
    if "\x00" in text:
        raise InvalidInput(f"The {label} contains a NUL character; remove it.", field=field)
    if not text:
        if required:
            raise InvalidInput(f"The {label} is required.", field=field)
        return None
    if len(text) > limit:
        raise InvalidInput(
            f"The {label} is {len(text):,} characters; keep it to {limit:,}.", field=field
        )
    return text


def required_text(value: object, *, field: str, label: str, limit: int) -> str:
    """A one-line text that must be given (a name, a title)."""
    text = clean_text(value, field=field, label=label, limit=limit, required=True, one_line=True)
    if text is None:  # clean_text already refused it; this keeps the type exact
        raise InvalidInput(f"The {label} is required.", field=field)
    return text


def parse_choice(
    vocabulary: type[E],
    value: object,
    *,
    field: str,
    label: str,
    allowed: Collection[E] | None = None,
) -> E:
    """Read one value of a vocabulary (or of its `allowed` part), or say which values there are."""
    choices = list(allowed) if allowed is not None else list(vocabulary)
    raw = "" if value is None else str(value)
    key = "_".join(raw.strip().lower().replace("-", " ").split())
    for choice in choices:
        if choice.value == key:
            return choice
    listed = ", ".join(choice.value for choice in choices)
    if not key:
        raise InvalidInput(f"The {label} is required. Choose one of: {listed}.", field=field)
    raise InvalidInput(f"'{_shown(raw)}' is not a {label}. Choose one of: {listed}.", field=field)


def parse_optional_choice(
    vocabulary: type[E], value: object, *, field: str, label: str
) -> E | None:
    """As `parse_choice`, but nothing given (None or blank) stays None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_choice(vocabulary, value, field=field, label=label)


def capped(text: str, *, limit: int, what: str, field: str | None = None) -> str:
    """Refuse an input longer than its entry takes, before anything parses it."""
    if len(text) > limit:
        raise InvalidInput(
            f"That {what} is {len(text):,} characters; the most I read is {limit:,}. "
            "Shorten it, or put the long part in a note.",
            field=field,
        )
    return text

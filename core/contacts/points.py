"""Phones and emails: normalization, validation and discovery in free text.

Phones are stored as E.164 and emails lower-cased so that "match by phone or email" is one
exact index probe (docs/product.md, Data). A phone is kept when `phonenumbers` finds it
*possible* for the region, not necessarily *valid*: `555-201-3344` is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from core.errors import InvalidEmail, InvalidPhone

__all__ = [
    "Found",
    "find_emails",
    "find_phones",
    "normalize_email",
    "normalize_phone",
    "scan_emails",
    "scan_phones",
    "shorten",
]

_SHOWN_LIMIT = 60

# A word with an @ that has something before it: a candidate the validator then accepts or
# refuses (so `dana@gmail` and `dana@@x.com` are seen, and refused). Slack mentions
# (`<@U123|bob>`) and bare handles (`@bob`) have nothing before the @ and are not candidates.
# A candidate starts only where a word starts (the lookbehind): tried at every position, a long
# run without an @ was rescanned from each of its characters, which is quadratic.
_EMAIL_CANDIDATE = re.compile(r"(?<![^\s,;:<>()\[\]\"@])[^\s,;:<>()\[\]\"@]+@[^\s,;:<>()\[\]\"]*")
_TRAILING = ".!?'’”-"

# Fast paths that give exactly the libraries' answer for the common shapes (a spreadsheet of
# thousands of contacts spent most of its checking time in them); anything else goes to the
# libraries. tests/core/contacts/test_contact_points.py compares both on every shape.
#
# A North American number: `+1` then ten digits whose first is 2-9 is itself in E.164 in any
# region (the country code comes from the `+`, US metadata has no national prefix to strip
# from a number starting 2-9, and ten digits is a possible length). In the US region the same
# ten digits typed as 2015550123, 201-555-0123, 201.555.0123, 201 555 0123 or (201) 555-0123
# get country code 1 from the region and nothing else changes.
_E164_NANP = re.compile(r"\+1[2-9][0-9]{9}")  # [0-9], not \d: other scripts' digits are mapped
_US_TEN_DIGITS = re.compile(
    r"([2-9][0-9]{2})([-. ]?)([0-9]{3})\2([0-9]{4})|\(([2-9][0-9]{2})\) ([0-9]{3})-([0-9]{4})"
)
# An ASCII dot-atom before the one @ (email-validator's DOT_ATOM_TEXT: it is kept as typed) and
# hostname characters after it, whose verdict depends on the domain alone and is cached.
_ATEXT = r"[a-zA-Z0-9_!#$%&'*+\-/=?^`{|}~]+"
_SIMPLE_EMAIL = re.compile(rf"({_ATEXT}(?:\.{_ATEXT})*)@([a-zA-Z0-9.\-]+)")
_EMAIL_MAX_LENGTH = 254


@dataclass(frozen=True)
class Found:
    """One phone or email found in text, with where it was, so callers can cut it out."""

    start: int
    end: int
    raw: str
    value: str | None  # normalized (E.164 / lower-cased email); None when it is not valid


def shorten(raw: str, limit: int = _SHOWN_LIMIT) -> str:
    """Keep error messages readable when the offending value is long or multi-line."""
    text = " ".join(raw.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def normalize_phone(raw: str, region: str) -> str:
    """One stored form (E.164) per phone, so the same number typed differently matches."""
    text = raw.strip()
    if _E164_NANP.fullmatch(text):
        return text
    if region.strip().upper() == "US" and (ten := _US_TEN_DIGITS.fullmatch(text)):
        return "+1" + "".join(g for i, g in enumerate(ten.groups()) if i != 1 and g)
    if not text:
        raise InvalidPhone(
            "An empty value is not a phone number. Try one like 555-201-3344.", field="phone"
        )
    try:
        number = phonenumbers.parse(text, region.strip().upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise InvalidPhone(
            f'"{shorten(text)}" is not a phone number I can use. '
            "Try one like 555-201-3344 or +1 555 201 3344.",
            field="phone",
        )
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalize_email(raw: str) -> str:
    """One stored form per email (validated, lower-cased) for exact matching."""
    text = raw.strip()
    if (simple := _SIMPLE_EMAIL.fullmatch(text)) and (
        domain := _plain_domain(simple.group(2))
    ) is not None:
        local = simple.group(1)
        if len(local) + 1 + max(len(domain), len(simple.group(2))) <= _EMAIL_MAX_LENGTH:
            return f"{local}@{domain}".lower()
    if not text:
        raise InvalidEmail(
            "An empty value is not an email address. Try one like dana@example.com.",
            field="email",
        )
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(
            f'"{shorten(text)}" is not an email address I can use: {exc}', field="email"
        ) from exc
    return str(result.normalized).lower()


@lru_cache(maxsize=4096)
def _plain_domain(domain: str) -> str | None:
    """The domain as email-validator normalizes it when it stays ASCII, else None (the whole
    address then goes through the validator, for its own message or its Unicode form)."""
    try:
        result = validate_email(f"a@{domain}", check_deliverability=False)
    except EmailNotValidError:
        return None
    return str(result.domain) if result.domain == result.ascii_domain else None


def scan_phones(text: str, region: str, *, limit: int | None = None) -> list[Found]:
    """Every possible phone number in free text, with its position (for quick capture).

    `limit` stops after that many found, and after ten times as many number-like pieces that
    were not phones: each one costs a full parse, so a caller that cannot use more than a few
    keeps its work bounded on a long paste (40,000 characters of `123` took over a second).
    """
    found: list[Found] = []
    matcher = phonenumbers.PhoneNumberMatcher(
        text,
        region.strip().upper() or None,
        leniency=phonenumbers.Leniency.POSSIBLE,
        max_tries=65535 if limit is None else 10 * limit,
    )
    for match in matcher:
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        found.append(Found(match.start, match.end, match.raw_string, str(e164)))
        if limit is not None and len(found) >= limit:
            break
    return found


def find_phones(text: str, region: str) -> list[tuple[str, str]]:
    """The phones in free text as (as typed, E.164), in order of appearance."""
    return [(f.raw, f.value) for f in scan_phones(text, region) if f.value is not None]


def scan_emails(text: str, *, limit: int | None = None) -> list[Found]:
    """Every email-looking token in free text; `value` is None for the ones that are invalid.

    `limit` stops after that many (each one is validated, which is the costly part).
    """
    found: list[Found] = []
    for match in _EMAIL_CANDIDATE.finditer(text):
        if limit is not None and len(found) >= limit:
            break
        raw = match.group(0).rstrip(_TRAILING)
        try:
            value: str | None = normalize_email(raw)
        except InvalidEmail:
            value = None
        found.append(Found(match.start(), match.start() + len(raw), raw, value))
    return found


def find_emails(text: str) -> list[str]:
    """The valid email addresses in free text, normalized, first occurrence order, no repeats."""
    emails: list[str] = []
    for f in scan_emails(text):
        if f.value is not None and f.value not in emails:
            emails.append(f.value)
    return emails

"""Dollar amounts: one display format (`$1,250`, cents only when not zero) and one parser."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from core.errors import InvalidInput

__all__ = ["MAX_AMOUNT", "format_money", "parse_money"]

#: Largest amount accepted from a user; far above any small-business job, it catches typos
#: and keeps values inside a NUMERIC(12, 2) column.
MAX_AMOUNT = Decimal("999999999.99")

_CENT = Decimal("0.01")

# `$1,250`, `1250`, `1250.5`, `$1,250.50`, `.50`: commas only as thousands separators,
# at most two decimals.
_AMOUNT = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?|\.\d{1,2}")


def format_money(amount: Decimal | int | float | None) -> str:
    """Show money the way the reports do (DESIGN.md section 4): `$1,250`, `$1,250.50`."""
    if amount is None:
        return "$0"
    value = Decimal(str(amount)) if isinstance(amount, float) else Decimal(amount)
    if not value.is_finite():
        raise ValueError(f"cannot format {amount!r} as money")
    cents = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    if cents == cents.to_integral_value():
        return f"{sign}${int(cents):,}"
    return f"{sign}${cents:,.2f}"


def parse_money(text: str) -> Decimal:
    """Read a dollar amount a person typed (`$1,250`, `1250.5`) or say clearly what is wrong."""
    shown = " ".join(text.split())
    if len(shown) > 60:
        shown = shown[:59] + "…"
    raw = text.strip()
    if not raw:
        raise InvalidInput(
            "Enter an amount in dollars, like $1,250 or 1250.50.", field="estimated_value"
        )
    if raw.startswith("-") or raw.replace(" ", "").startswith("$-"):
        raise InvalidInput(
            f'"{shown}" is negative; an amount must be zero or more.', field="estimated_value"
        )
    body = raw.removeprefix("$").lstrip()  # "$ 350" is fine
    if not _AMOUNT.fullmatch(body):
        raise InvalidInput(
            f'"{shown}" is not an amount I can read. Use dollars like $1,250 or 1250.50.',
            field="estimated_value",
        )
    value = Decimal(body.replace(",", ""))  # the pattern guarantees a number
    if value > MAX_AMOUNT:
        raise InvalidInput(
            f'"{shown}" is more than {format_money(MAX_AMOUNT)}; check the amount.',
            field="estimated_value",
        )
    return value

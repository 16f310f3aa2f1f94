"""Dollar amounts: one display format (`$1,250`, cents only when not zero) and one parser."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from core.errors import InvalidInput

__all__ = ["MAX_AMOUNT", "format_money", "parse_money", "read_amount"]

#: Largest amount accepted from a user; far above any small-business job, it catches typos
#: and keeps values inside a NUMERIC(12, 2) column.
MAX_AMOUNT = Decimal("999999999.99")

_CENT = Decimal("0.01")

# `$1,250`, `1250`, `1250.5`, `$1,250.50`, `.50`: commas only as thousands separators,
# at most two decimals.
_AMOUNT = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?|\.\d{1,2}")


def format_money(amount: Decimal | int | float | None) -> str:
    """Show money the way the reports do (docs/product.md, Definitions): `$1,250`, `$1,250.50`."""
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


def read_amount(value: Decimal | int | str | None, *, field: str) -> Decimal | None:
    """An amount from a form or a caller: typed text (`$1,250`) or a number, in whole cents
    from $0 up to MAX_AMOUNT; nothing given stays None. A refusal names `field`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            return parse_money(value)
        except InvalidInput as error:
            raise InvalidInput(error.message, field=field) from None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        amount = Decimal("NaN")
    if (
        not amount.is_finite()
        or amount < 0
        or amount > MAX_AMOUNT
        or amount != amount.quantize(_CENT)
    ):
        raise InvalidInput(
            f"An amount must be in dollars and cents from $0 to {format_money(MAX_AMOUNT)}.",
            field=field,
        )
    return amount

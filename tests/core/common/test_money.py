"""Money is shown as `$1,250` (cents only when not zero) and read back from what people type."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.common.money import MAX_AMOUNT, format_money, parse_money, read_amount
from core.errors import InvalidInput


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (None, "$0"),
        (0, "$0"),
        (Decimal("0"), "$0"),
        (Decimal("0.00"), "$0"),
        (350, "$350"),
        (1250, "$1,250"),
        (Decimal("1250"), "$1,250"),
        (Decimal("1250.00"), "$1,250"),
        (Decimal("1250.50"), "$1,250.50"),
        (Decimal("1250.5"), "$1,250.50"),
        (Decimal("0.05"), "$0.05"),
        (1234567, "$1,234,567"),
        (Decimal("1234567.89"), "$1,234,567.89"),
        (1250.5, "$1,250.50"),
        (0.1 + 0.2, "$0.30"),  # binary float noise does not leak into the text
        (19.999, "$20"),  # rounds to cents, then drops zero cents
        (Decimal("0.005"), "$0.01"),  # half up
        (Decimal("-40"), "-$40"),
        (Decimal("-1250.5"), "-$1,250.50"),
    ],
)
def test_format_money(amount: Decimal | int | float | None, shown: str) -> None:
    assert format_money(amount) == shown


def test_format_money_refuses_nan() -> None:
    with pytest.raises(ValueError):
        format_money(Decimal("NaN"))
    with pytest.raises(ValueError):
        format_money(float("inf"))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("$1,250", Decimal("1250")),
        ("1,250", Decimal("1250")),
        ("1250.5", Decimal("1250.5")),
        ("$1250.50", Decimal("1250.50")),
        ("$350", Decimal("350")),
        ("  $ 350  ", Decimal("350")),
        ("0", Decimal("0")),
        ("$0.99", Decimal("0.99")),
        (".5", Decimal("0.5")),
        ("$1,234,567.89", Decimal("1234567.89")),
        ("999999999.99", MAX_AMOUNT),
    ],
)
def test_parse_money(text: str, value: Decimal) -> None:
    parsed = parse_money(text)
    assert parsed == value
    assert isinstance(parsed, Decimal)


def test_parse_money_keeps_cents_exactly() -> None:
    assert str(parse_money("$1250.50")) == "1250.50"


@pytest.mark.parametrize("text", ["-350", "-$350", "$-350", "$ -1,250"])
def test_parse_money_refuses_negatives(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_money(text)
    assert caught.value.field == "estimated_value"
    assert "negative" in caught.value.message


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "$",
        "$abc",
        "1,25",
        "12,50.00",
        "1250.555",
        "1250.",
        "$$350",
        "350$",
        "3 50",
        "1e3",
        "NaN",
        "Infinity",
        "¥350",
        "350 dollars",
        "1,2500",
    ],
)
def test_parse_money_refuses_garbage(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_money(text)
    assert caught.value.field == "estimated_value"
    assert text.strip() in caught.value.message  # names what was typed


@pytest.mark.parametrize("text", ["", "   "])
def test_parse_money_refuses_empty(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_money(text)
    assert caught.value.field == "estimated_value"
    assert "$1,250" in caught.value.message  # shows an example


def test_parse_money_refuses_absurdly_large_amounts() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_money("$1,000,000,000")
    assert caught.value.field == "estimated_value"
    assert "$999,999,999.99" in caught.value.message


def test_parse_money_truncates_long_garbage_in_the_message() -> None:
    junk = "x" * 10_000
    with pytest.raises(InvalidInput) as caught:
        parse_money(junk)
    assert len(caught.value.message) < 200
    assert "x" * 59 + "…" in caught.value.message


@pytest.mark.parametrize("value", [Decimal("0"), Decimal("1250"), Decimal("1250.50")])
def test_round_trip(value: Decimal) -> None:
    assert parse_money(format_money(value)) == value


@pytest.mark.parametrize(
    ("given", "amount"),
    [
        (None, None),
        ("  ", None),
        ("$1,250.50", Decimal("1250.50")),
        (1250, Decimal("1250")),
        (Decimal("12.5"), Decimal("12.50")),
        (MAX_AMOUNT, MAX_AMOUNT),
    ],
)
def test_read_amount_takes_typed_text_and_numbers(
    given: Decimal | int | str | None, amount: Decimal | None
) -> None:
    assert read_amount(given, field="amount") == amount


@pytest.mark.parametrize(
    "given", [Decimal("-5"), Decimal("NaN"), Decimal("0.001"), MAX_AMOUNT + 1, "lots", "-$5"]
)
def test_read_amount_refuses_naming_the_field(given: Decimal | str) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_amount(given, field="estimated_value")
    assert refused.value.field == "estimated_value"

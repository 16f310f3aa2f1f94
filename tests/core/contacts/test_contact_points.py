"""Phones become E.164 when `phonenumbers` finds them possible; emails are validated."""

from __future__ import annotations

import random
import string

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email

from core.contacts.points import (
    find_emails,
    find_phones,
    normalize_email,
    normalize_phone,
    scan_emails,
    scan_phones,
    shorten,
)
from core.errors import InvalidEmail, InvalidInput, InvalidPhone

# --------------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "raw",
    [
        "555-201-3344",
        "(555) 201-3344",
        "+1 555 201 3344",
        "555.201.3344",
        "5552013344",
        "  555-201-3344  ",
        "1-555-201-3344",
        "+15552013344",
        "555-201-3344 ext. 12",  # the extension is not part of E.164
    ],
)
def test_normalize_phone_us_forms(raw: str) -> None:
    assert normalize_phone(raw, "US") == "+15552013344"


def test_normalize_phone_other_region_and_international() -> None:
    assert normalize_phone("020 7946 0958", "GB") == "+442079460958"
    assert normalize_phone("+44 20 7946 0958", "US") == "+442079460958"
    # The same digits mean different numbers in different regions.
    assert normalize_phone("0412 345 678", "AU") == "+61412345678"


def test_normalize_phone_region_is_case_insensitive() -> None:
    assert normalize_phone("555-201-3344", "us") == "+15552013344"


@pytest.mark.parametrize("raw", ["555-1", "abc", "12", "+1 555", "555-201-33445566778899"])
def test_normalize_phone_refuses(raw: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        normalize_phone(raw, "US")
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert error.field == "phone"
    assert "is not a phone number" in error.message
    assert f'"{raw}"' in error.message  # names the value


@pytest.mark.parametrize("raw", ["", "   "])
def test_normalize_phone_refuses_empty(raw: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        normalize_phone(raw, "US")
    assert caught.value.field == "phone"
    assert "is not a phone number" in caught.value.message


def test_normalize_phone_without_country_code_needs_a_known_region() -> None:
    with pytest.raises(InvalidPhone):
        normalize_phone("555-201-3344", "")
    assert normalize_phone("+1 555 201 3344", "") == "+15552013344"


def test_normalize_phone_truncates_long_input_in_the_message() -> None:
    raw = "call me maybe " * 800  # ~11 KB
    with pytest.raises(InvalidPhone) as caught:
        normalize_phone(raw, "US")
    message = caught.value.message
    assert len(message) < 200
    assert "…" in message
    assert shorten(raw) in message


def test_shorten() -> None:
    assert shorten("short") == "short"
    assert shorten("a\n  b") == "a b"
    long = "x" * 61
    assert shorten(long) == "x" * 59 + "…"
    assert len(shorten(long)) == 60
    assert shorten("x" * 60) == "x" * 60


# --------------------------------------------------------------------------- emails


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("dana@example.com", "dana@example.com"),
        ("Dana.Smith@Example.COM", "dana.smith@example.com"),
        ("  dana+quotes@example.co.uk ", "dana+quotes@example.co.uk"),
        ("o'brien@example.com", "o'brien@example.com"),
        ("josé@exämple.com", "josé@exämple.com"),
    ],
)
def test_normalize_email(raw: str, normalized: str) -> None:
    assert normalize_email(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    ["dana", "dana@", "@example.com", "dana@gmail", "dana@@example.com", "da na@example.com"],
)
def test_normalize_email_refuses(raw: str) -> None:
    with pytest.raises(InvalidEmail) as caught:
        normalize_email(raw)
    assert caught.value.field == "email"
    assert f'"{raw}"' in caught.value.message


def test_normalize_email_refuses_empty_and_truncates_long() -> None:
    with pytest.raises(InvalidEmail) as caught:
        normalize_email("")
    assert caught.value.field == "email"
    with pytest.raises(InvalidEmail) as caught:
        normalize_email("x" * 10_000 + "@example.com")
    assert "x" * 59 + "…" in caught.value.message
    assert len(caught.value.message) < 400


# --------------------------------------------------------------------------- finding in text


def test_find_phones_in_text() -> None:
    text = "Dana Smith, 555-201-3344 or (555) 201-3345, leaky faucet at 123 Main $350"
    assert find_phones(text, "US") == [
        ("555-201-3344", "+15552013344"),
        ("(555) 201-3345", "+15552013345"),
    ]


def test_find_phones_ignores_money_addresses_and_short_numbers() -> None:
    text = "quoted $1,250.50 for 2 pipes at 123 Main, zip 02139, call 555-1, 12/3/2026"
    assert find_phones(text, "US") == []


def test_find_phones_keeps_repeats_in_order() -> None:
    text = "555-201-3344 then +1 555 201 3344"
    assert [e164 for _, e164 in find_phones(text, "US")] == ["+15552013344", "+15552013344"]


def test_scan_phones_reports_positions() -> None:
    text = "call 555-201-3344 now"
    [found] = scan_phones(text, "US")
    assert text[found.start : found.end] == "555-201-3344"
    assert found.value == "+15552013344"


def test_find_emails_in_text() -> None:
    text = "Reach Dana at Dana@Example.com, or dana.s@work.example.org. Again: dana@example.com"
    assert find_emails(text) == ["dana@example.com", "dana.s@work.example.org"]


def test_find_emails_skips_invalid_ones_and_slack_mentions() -> None:
    text = "ping <@U123|bob> and @dana, not dana@gmail, but ok@example.com"
    assert find_emails(text) == ["ok@example.com"]
    invalid = [f.raw for f in scan_emails(text) if f.value is None]
    assert invalid == ["dana@gmail"]


def test_scan_emails_drops_trailing_sentence_period() -> None:
    text = "write to dana@example.com."
    [found] = scan_emails(text)
    assert found.raw == "dana@example.com"
    assert text[found.start : found.end] == "dana@example.com"


def test_find_in_10kb_of_text() -> None:
    text = ("leaky faucet, 2 pipes, $350. " * 350) + " 555-201-3344 dana@example.com"
    assert len(text) > 10_000
    assert find_phones(text, "US") == [("555-201-3344", "+15552013344")]
    assert find_emails(text) == ["dana@example.com"]


def test_find_emails_after_a_label_or_in_quotes_or_brackets() -> None:
    text = 'Email:dana@example.com, "ann@example.com" (bob@example.com) <cy@example.com>!'
    assert find_emails(text) == [
        "dana@example.com",
        "ann@example.com",
        "bob@example.com",
        "cy@example.com",
    ]


def test_scan_emails_sees_malformed_ones() -> None:
    found = scan_emails("dana@@example.com or dana@ or x@y")
    assert [(f.raw, f.value) for f in found] == [
        ("dana@@example.com", None),
        ("dana@", None),
        ("x@y", None),
    ]


# ------------------------------------------------ fast paths give the libraries' answer


def _library_phone(raw: str, region: str) -> str:
    """What `normalize_phone` answered before its fast paths: phonenumbers alone."""
    text = raw.strip()
    if not text:
        raise InvalidPhone("empty")
    try:
        number = phonenumbers.parse(text, region.strip().upper() or None)
    except phonenumbers.NumberParseException:
        raise InvalidPhone("not a phone") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone("not possible")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _library_email(raw: str) -> str:
    """What `normalize_email` answered before its fast path: email-validator alone."""
    return str(validate_email(raw.strip(), check_deliverability=False).normalized).lower()


def _same_phone(raw: str, region: str) -> None:
    try:
        expected: str | None = _library_phone(raw, region)
    except InvalidPhone:
        expected = None
    try:
        got: str | None = normalize_phone(raw, region)
    except InvalidPhone:
        got = None
    assert got == expected, (raw, region)


def test_phone_fast_paths_agree_with_phonenumbers_for_every_area_code() -> None:
    rng = random.Random(10)
    shapes = [
        "+1{a}{b}{c}",
        "{a}{b}{c}",
        "{a}-{b}-{c}",
        "{a}.{b}.{c}",
        "{a} {b} {c}",
        "({a}) {b}-{c}",
        "({a}){b}-{c}",  # not a fast shape: the library decides
        "{a}-{b}.{c}",
        "1{a}{b}{c}",
        "+1 {a} {b} {c}",
    ]
    for area in range(0, 1000):
        a = f"{area:03d}"
        b, c = f"{rng.randrange(1000):03d}", f"{rng.randrange(10000):04d}"
        shape = shapes[area % len(shapes)]
        for region in ("US", "us", "CA", "GB", ""):
            _same_phone(shape.format(a=a, b=b, c=c), region)
            _same_phone(f"+1{a}{b}{c}", region)
    for odd in [
        "+1٢٠١٥٥٥٠١٢٣",
        "٢٠١٥٥٥٠١٢٣",
        "+12015550123 x12",
        "+120155501234",
        "+1201555012",
        "201-555-0123 ",
        "\t(201) 555-0123",
        "201--555-0123",
        "(201 555-0123",
    ]:
        for region in ("US", "GB", ""):
            _same_phone(odd, region)


@pytest.mark.parametrize(
    "raw",
    [
        "dana@example.com",
        "Dana.Smith+crm@Example.COM",
        "POSTMASTER@example.com",
        "a!#$%&'*+-/=?^_`{|}~z@mail.example.co.uk",
        "dana@sub-domain.example.org",
        "d" * 64 + "@example.com",
        "d" * 65 + "@example.com",  # over 64 is accepted unless strict
        "d" * 240 + "@example.com",  # 252: inside 254
        "d" * 243 + "@example.com",  # 255: too long
        "dana@" + "x" * 63 + ".com",
        "dana@" + "x" * 64 + ".com",  # a label over 63
        "dana@example",  # no period
        "dana@example.123",  # not a top-level domain
        "dana@example.test",
        "dana@printer.local",
        "dana@localhost",
        "dana@ab--cd.com",  # an R-LDH label
        "dana@xn--bcher-kva.example",  # punycode: the validator gives the Unicode form
        "dana@-example.com",
        "dana@example-.com",
        "dana@example..com",
        "dana@.example.com",
        "dana@example.com.",
        ".dana@example.com",
        "dana.@example.com",
        "da..na@example.com",
        "dana@@example.com",
        "dana@example@com",
        '"dana smith"@example.com',
        "Dana <dana@example.com>",
        "dana@[192.168.0.1]",
        "dänä@example.com",
        "dana@bücher.example",
        "dana @example.com",
        "dana@exa mple.com",
        "@example.com",
        "dana@",
    ],
)
def test_email_fast_path_agrees_with_email_validator(raw: str) -> None:
    try:
        expected: str | None = _library_email(raw)
    except EmailNotValidError as error:
        expected = None
        with pytest.raises(InvalidEmail) as caught:
            normalize_email(raw)
        assert str(error) in caught.value.message  # the validator's own reason
    if expected is not None:
        assert normalize_email(raw) == expected


def test_email_fast_path_agrees_on_random_addresses() -> None:
    rng = random.Random(10)
    local_chars = string.ascii_letters + string.digits + "._+-!#'" + '@ "'
    domain_chars = string.ascii_letters + string.digits + ".-" + "_@"
    for _ in range(3000):
        local = "".join(rng.choice(local_chars) for _ in range(rng.randrange(0, 12)))
        domain = "".join(rng.choice(domain_chars) for _ in range(rng.randrange(0, 14)))
        domain += rng.choice(["", ".com", ".ORG", ".co.uk", ".test", ".c0m", "."])
        raw = f"{local}@{domain}"
        try:
            expected: str | None = _library_email(raw)
        except EmailNotValidError:
            expected = None
        try:
            got: str | None = normalize_email(raw)
        except InvalidEmail:
            got = None
        assert got == expected, raw

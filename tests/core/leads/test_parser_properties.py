"""Properties of the typed-line parsers: quick capture, `/log`, follow-up dates, plain words.

Each reads a line or refuses it in words (never another exception), and a 40,000-character
paste costs bounded time (see tests/hostile_text.py for why the bound is a complexity guard).
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.leads.intents import parse_request
from core.leads.quick_capture import (
    MAX_NAME_LENGTH,
    MAX_TITLE_LENGTH,
    find_follow_up_date,
    parse_lead_text,
    parse_log_text,
)
from tests.hostile_text import (
    assert_quick,
    long_inputs,
    pastes,
    pure,
    read_or_refuse,
    typed_lines,
)

TODAY = date(2026, 3, 4)


@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    """dateparser and phonenumbers load their data on first use; that is not parsing time."""
    parse_lead_text("Dana, 555-201-3344, faucet", region="US")
    parse_log_text("call Dana: call back Friday", today=TODAY)


@pure
@given(typed_lines, st.sampled_from(["US", "GB", ""]))
def test_a_lead_line_is_read_or_refused_in_words(text: str, region: str) -> None:
    capture = read_or_refuse(lambda: parse_lead_text(text, region=region))
    if capture is not None:
        assert capture.first_name and len(capture.title) <= MAX_TITLE_LENGTH
        assert len(f"{capture.first_name} {capture.last_name or ''}") <= MAX_NAME_LENGTH + 1
        assert all(phone.startswith("+") for phone in capture.phones)
        assert all("@" in email and email == email.lower() for email in capture.emails)
        assert capture.estimated_value is None or capture.estimated_value >= 0


@pure
@given(typed_lines)
def test_a_log_line_is_read_or_refused_in_words(text: str) -> None:
    entry = read_or_refuse(lambda: parse_log_text(text, today=TODAY))
    if entry is not None:
        assert entry.who and entry.summary
        assert entry.follow_up_date is None or entry.follow_up_date >= TODAY


@pure
@given(typed_lines)
def test_a_plain_words_request_is_recognised_or_not(text: str) -> None:
    intent = read_or_refuse(lambda: parse_request(text))
    assert intent is None or intent.name is None or intent.name.strip()


@long_inputs
@given(pastes)
def test_a_40000_character_lead_paste_is_quick(text: str) -> None:
    assert_quick(lambda: parse_lead_text(text, region="US"))
    assert_quick(lambda: parse_lead_text("Dana Smith, 555-201-3344, " + text, region="US"))


@long_inputs
@given(pastes)
def test_a_40000_character_log_paste_is_quick(text: str) -> None:
    assert_quick(lambda: parse_log_text(text, today=TODAY))
    assert_quick(lambda: parse_log_text("call Dana: " + text, today=TODAY))
    assert_quick(lambda: find_follow_up_date(text, today=TODAY))


@long_inputs
@given(pastes)
def test_a_40000_character_request_is_quick(text: str) -> None:
    assert_quick(lambda: parse_request(text))

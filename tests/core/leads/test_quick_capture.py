"""The `/lead` and `/log` one-line grammars (docs/product.md, Commands)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from core.common.enums import InteractionType, LeadSource
from core.errors import InvalidEmail, InvalidInput, InvalidPhone
from core.leads.quick_capture import (
    DEFAULT_LOG_TYPE,
    MAX_POINTS,
    MAX_TITLE_LENGTH,
    LeadCapture,
    LogEntry,
    find_follow_up_date,
    parse_lead_text,
    parse_log_text,
    parse_source,
)


def lead(text: str, region: str = "US") -> LeadCapture:
    return parse_lead_text(text, region=region)


# --------------------------------------------------------------------------- /lead


def test_the_design_example() -> None:
    capture = lead("Dana Smith, 555-201-3344, leaky faucet at 123 Main via phone $350")
    assert capture == LeadCapture(
        first_name="Dana",
        last_name="Smith",
        phones=["+15552013344"],
        emails=[],
        source=LeadSource.phone_call,
        estimated_value=Decimal("350"),
        address="123 Main",
        title="leaky faucet at 123 Main",
    )


def test_result_is_frozen() -> None:
    capture = lead("Dana Smith, leaky faucet")
    with pytest.raises(dataclasses.FrozenInstanceError):
        capture.title = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    "phone", ["555-201-3344", "(555) 201-3344", "+1 555 201 3344", "555.201.3344"]
)
def test_phone_forms(phone: str) -> None:
    assert lead(f"Dana Smith, {phone}, leaky faucet").phones == ["+15552013344"]


def test_phones_and_emails_found_anywhere_in_order_without_repeats() -> None:
    capture = lead(
        "Dana Smith 555-201-3344, Dana@Example.com leaky faucet (555) 201-3345 "
        "dana.s@work.example.org 555.201.3344 DANA@example.com"
    )
    assert capture.phones == ["+15552013344", "+15552013345"]
    assert capture.emails == ["dana@example.com", "dana.s@work.example.org"]
    assert capture.first_name == "Dana"
    assert capture.last_name == "Smith"
    assert capture.title == "leaky faucet"


def test_phone_region_comes_from_the_caller() -> None:
    capture = lead("Nigel Jones, 020 7946 0958, boiler service", region="GB")
    assert capture.phones == ["+442079460958"]


def test_no_comma_takes_the_first_two_words_as_the_name() -> None:
    capture = lead("Dana Smith 555-201-3344 leaky faucet")
    assert (capture.first_name, capture.last_name) == ("Dana", "Smith")
    assert capture.title == "leaky faucet"


def test_no_comma_skips_phones_and_emails_before_the_name() -> None:
    capture = lead("555-201-3344 dana@example.com Dana Smith leaky faucet")
    assert (capture.first_name, capture.last_name) == ("Dana", "Smith")
    assert capture.title == "leaky faucet"


def test_single_word_name() -> None:
    capture = lead("Dana, 555-201-3344, leaky faucet")
    assert capture.first_name == "Dana"
    assert capture.last_name is None


def test_three_word_name() -> None:
    capture = lead("Mary Ann Smith, leaky faucet")
    assert capture.first_name == "Mary"
    assert capture.last_name == "Ann Smith"


def test_quotes_and_emoji_in_name_and_title_are_kept() -> None:
    capture = lead('Seán O’Brien 🌟, 555-201-3344, "urgent" drain 🚿 isn\'t draining')
    assert capture.first_name == "Seán"
    assert capture.last_name == "O’Brien 🌟"
    assert capture.title == '"urgent" drain 🚿 isn\'t draining'


def test_title_tidies_commas_and_whitespace() -> None:
    capture = lead("Dana Smith,  555-201-3344 ,  , leaky   faucet,   also the sink , ")
    assert capture.title == "leaky faucet, also the sink"


def test_title_keeps_at_address_and_the_address_is_kept_too() -> None:
    capture = lead("Dana Smith, water heater at 12B Elm St, Apt 4")
    assert capture.title == "water heater at 12B Elm St, Apt 4"
    assert capture.address == "12B Elm St"  # a comma ends the address


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Dana, faucet at 123 Main", "123 Main"),
        ("Dana, faucet at 123 Main St.", "123 Main St"),
        ("Dana, faucet at 123 Main via web", "123 Main"),
        ("Dana, faucet at 123 Main $350", "123 Main"),
        ("Dana, faucet at 123 Main, 555-201-3344", "123 Main"),
        ("Dana, faucet at 123 Main 555-201-3344 asap", "123 Main"),
        ("Dana, faucet at 123 Main dana@example.com", "123 Main"),
        ("Dana, faucet at 12-14 Oak Ave", "12-14 Oak Ave"),
        ("Dana, faucet AT 9 Elm Road", "9 Elm Road"),
        ("Dana, faucet at home", None),
        ("Dana, come at 3 pm", None),
        ("Dana, come at 3pm tomorrow", None),
        ("Dana, faucet", None),
    ],
)
def test_address(text: str, address: str | None) -> None:
    assert lead(text).address == address


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Dana, faucet $350", Decimal("350")),
        ("Dana, faucet $1,250", Decimal("1250")),
        ("Dana, faucet $1250.50", Decimal("1250.50")),
        ("Dana, faucet $1,250.", Decimal("1250")),  # a sentence end is not part of it
        ("Dana, $350, faucet", Decimal("350")),
        ("Dana, faucet", None),
    ],
)
def test_estimated_value(text: str, value: Decimal | None) -> None:
    capture = lead(text)
    assert capture.estimated_value == value
    assert "$" not in capture.title


def test_only_the_first_dollar_amount_is_the_estimate() -> None:
    capture = lead("Dana, faucet $350 or $500 with parts")
    assert capture.estimated_value == Decimal("350")
    assert capture.title == "faucet or $500 with parts"


@pytest.mark.parametrize("money", ["$1,25", "$1250.555", "-$350"])
def test_bad_dollar_amount_is_refused(money: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        lead(f"Dana, faucet {money}")
    assert caught.value.field == "estimated_value"
    assert money in caught.value.message


@pytest.mark.parametrize(
    ("via", "source"),
    [
        ("via phone", LeadSource.phone_call),
        ("via call", LeadSource.phone_call),
        ("via phone call", LeadSource.phone_call),
        ("via email", LeadSource.email),
        ("via Email", LeadSource.email),
        ("via web", LeadSource.web_form),
        ("via form", LeadSource.web_form),
        ("via website", LeadSource.web_form),
        ("via the website", LeadSource.web_form),
        ("via web form", LeadSource.web_form),
        ("via referral", LeadSource.referral),
        ("via referred", LeadSource.referral),
        ("via ad", LeadSource.ad),
        ("via google ad", LeadSource.ad),
        ("via carrier-pigeon", LeadSource.other),
        ("via yelp", LeadSource.other),
        ("", LeadSource.phone_call),
    ],
)
def test_source(via: str, source: LeadSource) -> None:
    capture = lead(f"Dana Smith, leaky faucet {via}")
    assert capture.source == source
    assert capture.title == "leaky faucet"


def test_via_clause_can_come_first() -> None:
    capture = lead("via referral Dana Smith, leaky faucet")
    assert capture.source == LeadSource.referral
    assert (capture.first_name, capture.last_name) == ("Dana", "Smith")


def test_via_inside_a_word_is_not_a_source() -> None:
    capture = lead("Vianna Smith, trivia night lights")
    assert capture.first_name == "Vianna"
    assert capture.source == LeadSource.phone_call
    assert capture.title == "trivia night lights"


@pytest.mark.parametrize(
    ("word", "source"),
    [
        ("phone", "phone_call"),
        ("CALL", "phone_call"),
        ("email", "email"),
        ("e-mail", "email"),
        ("web", "web_form"),
        ("form", "web_form"),
        ("website", "web_form"),
        ("website.", "web_form"),
        ("referral", "referral"),
        ("referred", "referral"),
        ("ad", "ad"),
        ("ads", "ad"),
        ("facebook ad", "ad"),
        ("billboard", "other"),
        ("", "other"),
        ("!!", "other"),
    ],
)
def test_parse_source(word: str, source: str) -> None:
    assert parse_source(word) == source


def test_a_plain_number_is_not_taken_for_a_phone() -> None:
    capture = lead("Dana, 2026, new roof 2 layers at 123 Main")
    assert capture.phones == []
    assert capture.title == "2026, new roof 2 layers at 123 Main"


@pytest.mark.parametrize("bad", ["555-1", "555 12", "(555) 201", "+1 555"])
def test_bad_phone_is_refused(bad: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        lead(f"Dana Smith, {bad}, leaky faucet")
    assert caught.value.field == "phone"
    assert f'"{bad}" is not a phone number' in caught.value.message


@pytest.mark.parametrize("bad", ["dana@gmail", "dana@@example.com", "dana@localhost"])
def test_bad_email_is_refused(bad: str) -> None:
    with pytest.raises(InvalidEmail) as caught:
        lead(f"Dana Smith, {bad}, leaky faucet")
    assert caught.value.field == "email"
    assert "is not an email address" in caught.value.message


def test_slack_mentions_are_not_emails() -> None:
    capture = lead("Dana Smith, leaky faucet, ask <@U123|bob>")
    assert capture.emails == []


@pytest.mark.parametrize(
    "text", ["Dana Smith, 555-201-3344", "Dana Smith", "Dana, 555-201-3344 via web $350", "Dana, ,"]
)
def test_missing_title(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        lead(text)
    assert caught.value.field == "title"
    assert caught.value.message.startswith("Add a short description of the job")


@pytest.mark.parametrize(
    "text", ["", "   ", "555-201-3344, leaky faucet", ", leaky faucet", "$350"]
)
def test_missing_name(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        lead(text)
    assert caught.value.field == "name"


def test_title_of_exactly_the_limit_is_kept() -> None:
    title = "x" * MAX_TITLE_LENGTH
    assert lead(f"Dana, {title}").title == title


def test_title_over_the_limit_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        lead("Dana, " + "x" * (MAX_TITLE_LENGTH + 1))
    assert caught.value.field == "title"
    assert "201 characters" in caught.value.message
    assert "200" in caught.value.message


def test_ten_kilobytes_with_commas() -> None:
    text = "Dana Smith, 555-201-3344, " + "leaky faucet at 123 Main, " * 400
    assert len(text) > 10_000
    with pytest.raises(InvalidInput) as caught:
        lead(text)
    assert caught.value.field == "title"
    assert len(caught.value.message) < 300


def test_ten_kilobytes_without_commas() -> None:
    text = "Dana Smith " + "leaky faucet 555-201-3344 " * 400
    with pytest.raises(InvalidInput) as caught:
        lead(text)
    assert caught.value.field == "title"


def test_ten_kilobytes_in_one_word_is_a_name_problem() -> None:
    with pytest.raises(InvalidInput) as caught:
        lead("x" * 10_000)
    assert caught.value.field == "name"
    assert "x" * 59 + "…" in caught.value.message
    assert len(caught.value.message) < 300


# --------------------------------------------------------------------------- /log

TODAY = date(2026, 3, 4)  # a Wednesday


def log(text: str) -> LogEntry:
    return parse_log_text(text, today=TODAY)


def test_the_design_log_example() -> None:
    assert log("call Dana Smith: wants a quote, call back Friday") == LogEntry(
        interaction_type=InteractionType.phone_call,
        who="Dana Smith",
        summary="wants a quote, call back Friday",
        follow_up_date=date(2026, 3, 6),
    )


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("call", InteractionType.phone_call),
        ("Call", InteractionType.phone_call),
        ("phone", InteractionType.phone_call),
        ("email", InteractionType.email_outbound),
        ("emailed", InteractionType.email_outbound),
        ("text", InteractionType.sms),
        ("sms", InteractionType.sms),
        ("meeting", InteractionType.meeting),
        ("visit", InteractionType.meeting),
        ("met", InteractionType.meeting),
        ("note", InteractionType.note),
    ],
)
def test_type_words(word: str, kind: InteractionType) -> None:
    entry = log(f"{word} Dana Smith: sent the quote")
    assert entry.interaction_type == kind
    assert entry.who == "Dana Smith"
    assert entry.summary == "sent the quote"


def test_without_a_type_word_it_is_a_phone_call() -> None:
    assert DEFAULT_LOG_TYPE == InteractionType.phone_call
    entry = log("Dana Smith: wants a quote")
    assert entry.interaction_type == InteractionType.phone_call
    assert entry.who == "Dana Smith"


def test_a_name_that_starts_like_a_type_word_is_a_name() -> None:
    entry = log("Callum Reed: wants a quote")
    assert entry.interaction_type == InteractionType.phone_call
    assert entry.who == "Callum Reed"


def test_with_to_from_before_the_name_are_dropped() -> None:
    assert log("met with Dana Smith: walked the site").who == "Dana Smith"
    assert log("email to Dana: sent the quote").who == "Dana"


def test_later_colons_stay_in_the_summary() -> None:
    entry = log("call Dana: come at 3:30, bring parts: 2 valves")
    assert entry.who == "Dana"
    assert entry.summary == "come at 3:30, bring parts: 2 valves"


def test_summary_whitespace_is_tidied_and_quotes_emoji_kept() -> None:
    entry = log('text O’Brien 🌟:   said "ok"\n  👍  ')
    assert entry.who == "O’Brien 🌟"
    assert entry.summary == 'said "ok" 👍'


def test_only_the_summary_is_searched_for_a_date() -> None:
    entry = log("call Friday Jones: wants a quote")
    assert entry.who == "Friday Jones"
    assert entry.follow_up_date is None


@pytest.mark.parametrize("text", ["", "call Dana Smith", "Dana wants a quote"])
def test_missing_colon_or_everything(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        log(text)
    assert caught.value.field in {"who", "summary"}
    assert "/log call Dana Smith:" in caught.value.message


def test_empty_text_asks_for_who() -> None:
    with pytest.raises(InvalidInput) as caught:
        log("")
    assert caught.value.field == "who"


def test_no_colon_asks_for_the_summary_after_a_colon() -> None:
    with pytest.raises(InvalidInput) as caught:
        log("call Dana Smith wants a quote")
    assert caught.value.field == "summary"
    assert "colon" in caught.value.message


@pytest.mark.parametrize("text", ["call: wants a quote", ": wants a quote", "note with : x"])
def test_missing_who(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        log(text)
    assert caught.value.field == "who"


@pytest.mark.parametrize("text", ["call Dana:", "call Dana:    ", "Dana: \n"])
def test_missing_summary(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        log(text)
    assert caught.value.field == "summary"


def test_overlong_who_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        log("call " + "Dana " * 100 + ": hi")
    assert caught.value.field == "who"
    assert "…" in caught.value.message


def test_ten_kilobytes_of_summary() -> None:
    entry = log("call Dana: " + "leaky faucet and 2 pipes quoted $350. " * 300 + "back Friday")
    assert len(entry.summary) > 10_000
    assert entry.follow_up_date == date(2026, 3, 6)


# --------------------------------------------------------------------------- follow-up dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call back Friday", date(2026, 3, 6)),
        ("call back fri", date(2026, 3, 6)),
        ("call back next Tuesday", date(2026, 3, 10)),
        ("see you tomorrow", date(2026, 3, 5)),
        ("the day after tomorrow", date(2026, 3, 6)),
        ("today, after lunch", date(2026, 3, 4)),
        ("call tonight", date(2026, 3, 4)),
        ("visit on Dec 3", date(2026, 12, 3)),
        ("visit 3 December", date(2026, 12, 3)),
        ("call me Jan 5, 2027", date(2027, 1, 5)),
        ("back on March 2", date(2027, 3, 2)),  # already past this year: next year's
        ("check in 2 weeks", date(2026, 3, 18)),
        ("check in two weeks", date(2026, 3, 18)),
        ("call back in 3 days", date(2026, 3, 7)),
        ("next week", date(2026, 3, 11)),
        ("call in April", date(2026, 4, 1)),
        ("call back May 5", date(2026, 5, 5)),
        ("meet 12/3", date(2026, 12, 3)),
        ("meet 12/3 in the afternoon", date(2026, 12, 3)),
        ("start 2026-03-10", date(2026, 3, 10)),
        ("wants a quote for 2 pipes, call back next Tuesday at 3", date(2026, 3, 10)),
        ("Friday at 3pm", date(2026, 3, 6)),
        ("call back Friday 2 pipes", date(2026, 3, 6)),  # not "Friday the 2nd"
        ("see you Monday, 3 pipes", date(2026, 3, 9)),
        ("visited last Monday, call back Friday", date(2026, 3, 6)),
        ("CALL BACK FRIDAY", date(2026, 3, 6)),
    ],
)
def test_follow_up_dates(text: str, expected: date) -> None:
    assert find_follow_up_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "wants a quote",
        "quoted $350",
        "needs 2 pipes",
        "wants a quote for 2 pipes, $350",
        "may need parts",
        "sat down with her",
        "sun damage on the roof",
        "we wed them to the frame",
        "talked with Jan about it",
        "mar the finish",
        "march in and fix it",
        "second floor bathroom",
        "1st floor bathroom",
        "on the 15th",
        "needs 3/4 inch pipe",
        'needs a 1/2" fitting',
        "now",
        "this week",
        "yesterday",
        "last Friday",
        "2 days ago",
        "start 2026-03-01",  # before today
        "",
    ],
)
def test_no_follow_up_date(text: str) -> None:
    assert find_follow_up_date(text, today=TODAY) is None


def test_a_weekday_named_on_that_weekday_means_next_week() -> None:
    friday = date(2026, 3, 6)
    assert find_follow_up_date("call back Friday", today=friday) == date(2026, 3, 13)
    assert find_follow_up_date("call back today", today=friday) == friday


def test_dates_roll_over_the_year_end() -> None:
    today = date(2026, 12, 30)
    assert find_follow_up_date("in 2 weeks", today=today) == date(2027, 1, 13)
    assert find_follow_up_date("Jan 5", today=today) == date(2027, 1, 5)
    assert find_follow_up_date("tomorrow", today=today) == date(2026, 12, 31)


# --------------------------------------------------------------------------- hostile input
# A phone or email counts only in a contact position: the name's piece, or the start or end of
# a later comma-separated piece. One with job words on both sides is job text.


def test_a_number_inside_the_job_text_is_text_not_a_phone() -> None:
    capture = lead("Bo Chan, 555-343-4545, paint unit 4455123 at 9 Pine via phone")
    assert capture.phones == ["+15553434545"]
    assert capture.title == "paint unit 4455123 at 9 Pine"
    assert capture.address == "9 Pine"


def test_an_email_inside_the_job_text_is_text() -> None:
    capture = lead("Bo Chan, 555-343-4545, quote for ann@example.com landlord unit")
    assert capture.emails == []
    assert capture.title == "quote for ann@example.com landlord unit"


def test_an_invalid_email_inside_the_job_text_is_not_refused() -> None:
    assert lead("Bo Chan, fix the sink@kitchen tap").title == "fix the sink@kitchen tap"


def test_phones_at_the_edges_of_a_piece_are_contact_details() -> None:
    capture = lead("Bo Chan, paint unit 4 555-343-4545, 555-343-4546 / bo@example.com, asap")
    assert capture.phones == ["+15553434545", "+15553434546"]
    assert capture.emails == ["bo@example.com"]
    assert capture.title == "paint unit 4, asap"


def test_more_than_the_points_a_capture_takes_is_refused_quickly() -> None:
    with pytest.raises(InvalidInput) as caught:
        lead("Dana, " + "555-201-3344, " * (MAX_POINTS + 1) + "faucet")
    assert caught.value.field == "title"
    assert f"more than {MAX_POINTS} phone numbers or emails" in caught.value.message


@pytest.mark.parametrize("money", ["$1e400", "$1E5", "$350k", "$12abc"])
def test_an_amount_with_letters_is_refused_whole(money: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        lead(f"Dana, exp job {money} faucet")
    assert caught.value.field == "estimated_value"
    assert f'"{money}" is not an amount I can read' in caught.value.message


@pytest.mark.parametrize(
    "phrase", ["2026-02-30", "2026-13-01", "Feb 30", "February 30, 2026", "31 April", "2/30/2026"]
)
def test_a_follow_up_that_is_not_a_date_is_refused(phrase: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        log(f"call Dana: wants a quote, call back {phrase}")
    assert caught.value.field == "follow_up_date"
    assert f'"{phrase}" is not a date' in caught.value.message


def test_a_fraction_is_not_taken_for_a_bad_date() -> None:
    assert log("call Dana: needs 2/30 of the pipe").follow_up_date is None

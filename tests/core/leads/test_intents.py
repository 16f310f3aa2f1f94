"""The procedure's Common Requests, recognised in plain words."""

from __future__ import annotations

import pytest

from core.leads.intents import (
    INTENTS,
    MAX_REQUEST_LENGTH,
    Intent,
    IntentKind,
    nearest_requests,
    parse_request,
)

K = IntentKind


@pytest.mark.parametrize(
    ("text", "kind", "name"),
    [
        # add_customer
        ("add a new customer", K.add_customer, None),
        ("Add a new customer.", K.add_customer, None),
        ("new customer", K.add_customer, None),
        ("add customer Dana Smith", K.add_customer, "Dana Smith"),
        ("new client: Dana Smith", K.add_customer, "Dana Smith"),
        # log_call
        ("log a call with Dana", K.log_call, "Dana"),
        ("log call Dana Smith", K.log_call, "Dana Smith"),
        ("Log a call", K.log_call, None),
        # pipeline
        ("what's our pipeline?", K.pipeline, None),
        ("What’s our pipeline?", K.pipeline, None),
        ("whats the pipeline", K.pipeline, None),
        ("pipeline", K.pipeline, None),
        ("how's the pipeline", K.pipeline, None),
        ("how is the pipeline looking", K.pipeline, None),
        ("show me the pipeline please", K.pipeline, None),
        # follow_up
        ("follow up on the Dana lead", K.follow_up, "Dana"),
        ("follow up with Dana Smith", K.follow_up, "Dana Smith"),
        ("follow-up on Dana's lead", K.follow_up, "Dana"),
        ("followup on Dana Smith’s lead", K.follow_up, "Dana Smith"),
        ("follow up on the lead", K.follow_up, None),
        # convert
        ("convert Dana to a job", K.convert, "Dana"),
        ("convert the Dana lead", K.convert, "Dana"),
        ("convert Dana Smith into an opportunity", K.convert, "Dana Smith"),
        ("convert this lead", K.convert, None),
        # disqualify
        ("disqualify the Dana lead", K.disqualify, "Dana"),
        ("disqualify Dana", K.disqualify, "Dana"),
        ("Disqualify Dana Smith.", K.disqualify, "Dana Smith"),
        # last_touch
        ("how long since we talked to Dana?", K.last_touch, "Dana"),
        ("how long has it been since we spoke with Dana Smith", K.last_touch, "Dana Smith"),
        ("when did we last talk to Dana Smith", K.last_touch, "Dana Smith"),
        ("when did we last hear from Dana?", K.last_touch, "Dana"),
        ("how long since we last talked to Dana Smith?", K.last_touch, "Dana Smith"),
        ("last contact with Dana", K.last_touch, "Dana"),
        # newest_customers
        ("who are our newest customers?", K.newest_customers, None),
        ("newest customers", K.newest_customers, None),
        ("latest customers", K.newest_customers, None),
        ("who are our new customers", K.newest_customers, None),
        # help
        ("help", K.help, None),
        ("Help!", K.help, None),
        ("?", K.help, None),
        ("??", K.help, None),
        ("what can you do?", K.help, None),
    ],
)
def test_requests(text: str, kind: IntentKind, name: str | None) -> None:
    assert parse_request(text) == Intent(kind, name)


@pytest.mark.parametrize(
    "text",
    [
        "WHAT'S OUR PIPELINE?",
        "  what's   our pipeline  ",
        "what's our pipeline please",
        "what's our pipeline, please?",
        "please, what's our pipeline",
        "can you show me the pipeline? thanks",
        "hey, what's our pipeline?",
        "<@U0BOT123> what's our pipeline?",
        "what’s our pipeline?!",
    ],
)
def test_tolerates_case_punctuation_politeness_and_mentions(text: str) -> None:
    assert parse_request(text) == Intent(IntentKind.pipeline)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("log a call with O’Brien", "O’Brien"),  # typed quote kept as typed
        ('log a call with "Dana"', "Dana"),
        ("convert “Dana Smith” to a job, please!", "Dana Smith"),
        ("follow up on the ‘Dana’ lead", "Dana"),
        ("log a call with Zoë 🌟", "Zoë 🌟"),
        ("disqualify the DANA lead", "DANA"),
    ],
)
def test_names_are_returned_as_typed(text: str, name: str) -> None:
    intent = parse_request(text)
    assert intent is not None
    assert intent.name == name


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hi",
        "please",
        "hello there",
        "pipeline pipeline",
        "what's the weather?",
        "customer",
        "new customers",  # neither "a new customer" nor "newest customers": ambiguous
        "delete Dana",
        "convertible roof repair",
        "log a meeting with Dana",
    ],
)
def test_unknown_is_none(text: str) -> None:
    assert parse_request(text) is None


def test_long_text_is_not_a_request() -> None:
    assert parse_request("pipeline" + " " * MAX_REQUEST_LENGTH) is None
    assert parse_request("x" * 10_000) is None
    assert parse_request("log a call with " + "Dana " * 2_000) is None


def test_a_name_just_under_the_limit_still_works() -> None:
    name = "D" * (MAX_REQUEST_LENGTH - len("log a call with "))
    assert parse_request("log a call with " + name) == Intent(IntentKind.log_call, name)


def test_intent_kind_values_are_their_names() -> None:
    assert {k.value for k in IntentKind} == {
        "add_customer",
        "log_call",
        "pipeline",
        "follow_up",
        "convert",
        "disqualify",
        "last_touch",
        "newest_customers",
        "help",
        "follow_ups_today",
        "overdue",
        "stale_leads",
        "capture_lead",
        "move_stage",
        "close_date",
        "do_not_contact",
        "quote",
    }
    assert IntentKind.pipeline == "pipeline"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("who needs a follow-up today?", Intent(K.follow_ups_today)),
        ("Who needs follow up today", Intent(K.follow_ups_today)),
        ("today's follow-ups", Intent(K.follow_ups_today)),
        ("what's due today?", Intent(K.follow_ups_today)),
        ("who should I follow up with today?", Intent(K.follow_ups_today)),
        ("what's overdue?", Intent(K.overdue)),
        ("anything overdue?", Intent(K.overdue)),
        ("show me the overdue follow-ups", Intent(K.overdue)),
        ("show stale leads", Intent(K.stale_leads)),
        ("any stale leads?", Intent(K.stale_leads)),
        ("which leads have gone stale?", Intent(K.stale_leads)),
        (
            "new lead: Rita Moreno, 555-777-0101, clogged drain",
            Intent(K.capture_lead, None, "Rita Moreno, 555-777-0101, clogged drain"),
        ),
        (
            "add a lead - Sam Lee, sam@example.com",
            Intent(K.capture_lead, None, "Sam Lee, sam@example.com"),
        ),
        (
            "move the Dana lead to estimate sent",
            Intent(K.move_stage, "Dana", "estimate sent"),
        ),
        (
            "move Dana Smith's job to proposal sent",
            Intent(K.move_stage, "Dana Smith", "proposal sent"),
        ),
        ("move Dana to the follow-up stage", Intent(K.move_stage, "Dana", "follow-up")),
        ("Dana's job closes on the 20th", Intent(K.close_date, "Dana", "the 20th")),
        ("the Dana lead should close by March 20", Intent(K.close_date, "Dana", "March 20")),
        ("set the close date for Dana to next Friday", Intent(K.close_date, "Dana", "next Friday")),
        ("mark Dana as do not contact", Intent(K.do_not_contact, "Dana")),
        ("mark Dana Smith do-not-contact", Intent(K.do_not_contact, "Dana Smith")),
        (
            "Dana asked us not to contact her",
            Intent(K.do_not_contact, "Dana", "asked us not to contact her"),
        ),
        (
            "Sam Lee asked not to be contacted",
            Intent(K.do_not_contact, "Sam Lee", "asked not to be contacted"),
        ),
        ("what did we quote Dana?", Intent(K.quote, "Dana")),
        ("new leads this week?", Intent(K.pipeline)),  # not a capture: the summary says it
        ("how much did we quote the Dana lead?", Intent(K.quote, "Dana")),
        ("what's Dana's quote?", Intent(K.quote, "Dana")),
        ("what was the estimate for Dana Smith", Intent(K.quote, "Dana Smith")),
    ],
)
def test_day_one_requests(text: str, expected: Intent) -> None:
    assert parse_request(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "don't move the Dana lead",  # not a move
        "do not move Dana to estimate sent",
        "new lead",  # a capture needs the lead's line
        "how many new leads today",
        "Dana's job closed on the 20th",  # the past: not a date to set
        "close the Dana lead",
        "did Dana ask us not to contact her?",  # a question, not a decision
        "mark Dana as contacted",
        "quote Dana $500",  # not a question about a quote
        "did we quote Dana?",
        "stale",
    ],
)
def test_near_misses_are_not_requests(text: str) -> None:
    assert parse_request(text) is None


def test_every_row_recognises_its_own_examples() -> None:
    for row in INTENTS:
        for example in row.examples:
            found = parse_request(example)
            assert found is not None and found.kind == row.kind, example


@pytest.mark.parametrize(
    ("text", "nearest"),
    [
        ("new leads?", K.pipeline),
        ("overdue stuff", K.overdue),
        ("stale leeds", K.stale_leads),
        ("quote for dana", K.quote),
    ],
)
def test_a_message_not_understood_is_offered_the_nearest_requests(
    text: str, nearest: IntentKind
) -> None:
    offered = [row.kind for row in nearest_requests(text)]
    assert nearest in offered and len(offered) <= 3 and K.help not in offered

"""Button values: what builders encode reads back the same; a forged one is a polite refusal.

Slack returns whatever a button carried, and anyone holding the signing secret's requests can
post a crafted payload, so each kind of value is decoded by `bot.values` and a value that is
not one is answered with the kind's sentence, never "something went wrong".
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.errors import SORRY
from bot.ids import ActionId
from bot.values import (
    DisqualifyChoice,
    DraftVersion,
    DuplicateChoice,
    LogEntryChoice,
    QualifyChoice,
    decode,
)
from core.common.enums import InteractionType
from core.contacts.input import ContactInput
from core.errors import InvalidInput
from tests.bot.harness import SlackHarness, texts
from tests.conftest import OWNER


def test_every_kind_reads_back_what_it_wrote() -> None:
    values = [
        DraftVersion("dr:with:colons", 12),
        QualifyChoice("ld_9", "estimate_sent"),
        DisqualifyChoice("ld_9", "budget"),
        LogEntryChoice("ct_2", InteractionType.phone_call, "quote “asap” 🔧", date(2026, 3, 6)),
        LogEntryChoice("ct_2", InteractionType.note, "no date", None),
        DuplicateChoice({"first_name": "Dana", "phones": ["+15552013344"]}, "ct_1"),
        DuplicateChoice({"first_name": "Dana"}, None, lead_id="ld_1", lead_contact_id="ct_9"),
    ]
    for value in values:
        assert decode(type(value), value.encode()) == value
    assert DraftVersion("dr_1", 2).encode() == "dr_1:2"
    assert DisqualifyChoice("ld_1", "budget").encode() == "ld_1:budget"
    assert DuplicateChoice({"first_name": "Dana", "notes": ""}).encode() == (
        '{"p":{"first_name":"Dana"}}'
    )
    assert decode(DuplicateChoice, '{"p":{"first_name":"Dana"}}').contact() == ContactInput("Dana")


@pytest.mark.parametrize(
    ("kind", "forged"),
    [
        (DraftVersion, "dr_1:-1"),
        (DraftVersion, "dr_1:²"),  # a digit to str.isdigit, not to int()
        (DraftVersion, "dr_1:" + "9" * 40),
        (QualifyChoice, "ld_1"),
        (DisqualifyChoice, ":budget"),
        (LogEntryChoice, '{"c": "ct_1", "t": "telegram", "s": "hi"}'),
        (LogEntryChoice, '{"c": ["ct_1"], "t": "note", "s": "hi"}'),
        (LogEntryChoice, '{"c": "ct_1", "t": "note", "s": "hi", "f": "someday"}'),
        (LogEntryChoice, "[]"),
        (DuplicateChoice, '{"p": {"first_name": "Dana", "phones": 5}}'),
        (DuplicateChoice, '{"p": {"first_name": {"x": 1}}}'),
        (DuplicateChoice, '{"p": {"first_name": "Dana"}, "m": 7}'),
        (DuplicateChoice, '{"p": {"first_name": "Dana"}, "l": ["ld_1"]}'),
    ],
)
def test_a_forged_value_is_refused_with_the_kinds_sentence(kind: type, forged: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        decode(kind, forged)
    assert refused.value.message == kind.refusal


@pytest.mark.parametrize(
    ("action_id", "forged", "sentence"),
    [
        (ActionId.APPROVE, "dr_1:two", DraftVersion.refusal),
        (ActionId.QUALIFY_AS, "no-stage", QualifyChoice.refusal),
        (ActionId.DISQUALIFY_REASON, "ld_1:", DisqualifyChoice.refusal),
        (ActionId.LOG_ENTRY, '{"c": "ct_1", "t": "note", "s": 3}', LogEntryChoice.refusal),
        (ActionId.MERGE, '{"p": {"first_name": "Dana", "phones": 5}}', DuplicateChoice.refusal),
    ],
)
def test_a_forged_click_gets_the_sentence_not_an_apology(
    slack: SlackHarness, action_id: ActionId, forged: str, sentence: str
) -> None:
    slack.action(action_id, forged, user=OWNER)
    said = texts(slack.api, kind="response_url")
    assert said == [sentence]
    assert SORRY not in said

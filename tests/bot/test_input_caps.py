"""Every entry caps what it reads before any parser sees it (issue 8, item 10).

A 40,000-character `/lead` with no spaces took 4.6 s to acknowledge on a quadratic email scan
and held up everyone else's acks. Each entry (slash command text, a message to the bot, a modal
value) now refuses text longer than anyone types, at once and in words, writing nothing. The
time bound is generous: it guards the complexity (a refusal costs a length check), it is not a
benchmark.
"""

from __future__ import annotations

import time

from core.models import AuditEntry, Contact, Interaction, Lead
from tests.bot.harness import SlackHarness, messages_to, row_count, text_input, texts
from tests.bot.test_views import errors_of, lead_form, opened_view
from tests.conftest import STAFF

PASTE = "x" * 40_000
BOUND = 2.0  # seconds for the whole signed round trip; the refusal itself is a length check


def nothing_written(slack: SlackHarness) -> bool:
    tables = (Contact, Lead, Interaction, AuditEntry)
    return all(row_count(slack.sessions, table) == 0 for table in tables)


def test_a_40000_character_lead_is_refused_at_once(slack: SlackHarness) -> None:
    started = time.perf_counter()
    reply = slack.command("lead", PASTE)
    elapsed = time.perf_counter() - started
    assert reply.status == 200 and elapsed < BOUND
    said = reply.json()["text"]  # `/lead` answers in its HTTP response (docs/reliability.md)
    assert said.startswith("That /lead is 40,000 characters; the most I read is 12,000.")
    assert texts(slack.api, kind="response_url") == []
    assert nothing_written(slack)


def test_every_command_caps_its_text(slack: SlackHarness) -> None:
    for command in ("customer", "log", "pipeline", "followups", "crm"):
        slack.command(command, "a@" * 20_000)
        said = texts(slack.api, kind="response_url")[-1]
        assert said.startswith(f"That /{command} is 40,000 characters"), (command, said)
    assert nothing_written(slack)


def test_a_40000_character_message_to_the_bot_is_refused_in_words(slack: SlackHarness) -> None:
    started = time.perf_counter()
    slack.message_dm("add customer " + PASTE)
    assert time.perf_counter() - started < BOUND
    [answer] = messages_to(slack.api, kind="message", channel=f"D{STAFF}")
    assert answer["text"].startswith("That message is 40,013 characters")
    assert nothing_written(slack)


def test_a_forged_40000_character_modal_value_is_refused_on_its_field(
    slack: SlackHarness,
) -> None:
    view = opened_view(slack, "lead")
    reply = slack.submit_view(None, lead_form(crm_title=text_input(PASTE)), view=view)
    errors = errors_of(reply)
    assert list(errors) == ["crm-title"]
    assert errors["crm-title"].startswith("That value is 40,000 characters")
    assert nothing_written(slack) and slack.api.messages == []

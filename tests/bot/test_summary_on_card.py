"""A long note logged from Slack is shown on the contact card by its summary, not its body."""

from __future__ import annotations

from sqlalchemy import select

from core.models import Interaction
from tests.bot.harness import SlackHarness, block_texts, messages_to
from tests.conftest import TEAM
from tests.core.factories import make_contact

NOTE = (
    "Spoke with Dana about the recurring leak under the kitchen sink. She said the cabinet floor "
    "has gone soft and her landlord wants the whole supply line replaced rather than patched. "
    "She is comparing two other plumbers but likes that we can start soon. Next step: send the "
    "revised estimate of $1,800 so the landlord can sign off at his meeting."
)


def test_the_card_shows_the_summary_of_a_long_note_logged_with_log(slack: SlackHarness) -> None:
    with slack.sessions.begin() as session:
        make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])
    slack.command("log", f"note Dana Smith: {NOTE}")
    with slack.sessions.begin() as session:
        row = session.scalars(select(Interaction)).one()
        assert row.body == NOTE
        assert row.ai_summary == (
            "Next step: send the revised estimate of $1,800 so the landlord can sign off at his "
            "meeting."
        )
    slack.command("customer", "dana smith")
    shown = messages_to(slack.api, kind="response_url")[-1]
    assert (
        "Last touchpoint: note today — Next step: send the revised estimate of $1,800 so the "
        "landlord can sign off at his meeting." in block_texts(shown["blocks"])
    )
    assert not any("cabinet floor" in text for text in block_texts(shown["blocks"]))

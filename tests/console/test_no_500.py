"""No command a person can type answers 500, however long the words (issue 15, item 7).

In `crm console`, `/log call <150-character name>: hi` printed the friendly refusal and then
"(The app answered 500: )". The listener had acknowledged and then refused; the refusal escaped
into Bolt, whose runner marks the acknowledgement it is about to send 500 when a listener raises
after acking. Each command is driven here through the console's signed requests with over-long
words and a 150-character name: every one answers 200 and the person reads one reply.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from console.driver import ConsoleSession
from tests.bot.harness import START, harness_settings

NAME = "D" * 150
TYPED = {
    "lead": [f"{NAME}, 555-201-3344, leaky faucet", NAME, f"find {NAME}"],
    "customer": [NAME],
    "log": [f"call {NAME}: hi", f"call {NAME}: wants a quote, call back Friday", f"{NAME}: hi"],
    "pipeline": [NAME],
    "followups": [NAME, f"upcoming {NAME}"],
    "crm": [NAME, f"log a call with {NAME}", f"convert {NAME} to a job", "x" * 13_000],
}


@pytest.fixture
def console(sessions: sessionmaker[Session], workspace_id: str) -> Iterator[ConsoleSession]:
    settings = harness_settings("http://unused.invalid/")
    with ConsoleSession(
        sessions, settings=settings, team_id=workspace_id, clock=lambda: START
    ) as c:
        yield c


@pytest.mark.parametrize("command", sorted(TYPED))
def test_over_long_input_never_answers_500(console: ConsoleSession, command: str) -> None:
    for text in TYPED[command]:
        turn = console.command(f"/{command} {text}")
        screen = console.screen(turn)
        assert turn.status == 200, (command, text[:30], turn.notes)
        assert not any("answered" in note for note in turn.notes), turn.notes
        headers = [line for line in screen.lines if line.startswith("── CRM")]
        assert headers, f"/{command} {text[:30]}… was not answered"

"""A first day in the office, recorded in `crm console` and replayed (issue 15, "Done when").

`tests/data/console_first_day.txt` is the terminal session: two leads for one person, a `/log`
with a callback date (the bot asks which lead), the contact card and the App Home showing the
date, an email-only lead, a conversion with its amount and close date, a win at its final
amount, and a member of staff refused an owner's button on the channel's message and never
offered one on their own cards. The replay types the recorded lines into the REPL and compares
every line it prints; then the rows are checked. CONSOLE_RECORD=1 rewrites the recording from
its own typed lines after a wanted change (read the diff before committing it).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from console.driver import ConsoleSession
from core.common.enums import FollowUpStatus, LeadStatus, OpportunityStage
from core.models import Interaction, Lead, Opportunity
from tests.bot.harness import START, harness_settings
from tests.conftest import TEAM
from tests.console.test_console import run_repl

RECORDING = Path(__file__).parent.parent / "data" / "console_first_day.txt"
# What follows a prompt is what the person typed: the REPL's, a field's, a form's own.
_TYPED = re.compile(r"^(?:you> |.*\[y/N\] |  [^ !(─\[].*?> |  \((?:Enter|press)[^)]*\)> )(.*)$")


def typed_lines(transcript: str) -> list[str]:
    found = (_TYPED.match(line) for line in transcript.splitlines())
    return [match.group(1) for match in found if match]


def _normalize(text: str) -> str:
    text = re.sub(r"\b[a-z]{2,4}_[0-9a-f]{16}\b", "<id>", text)
    return re.sub(r"\b1[0-9]{9}\.[0-9]{6}\b", "<ts>", text)


@pytest.fixture
def console(sessions: sessionmaker[Session], workspace_id: str) -> Iterator[ConsoleSession]:
    """The console on the test workspace (owner OWNER), on the harness's Monday, March 2.

    The clock moves a second each time it is read, so what was entered later is newer (two
    leads made at one instant would be listed in an order the ids decide).
    """
    settings = harness_settings("http://unused.invalid/")
    ticks = count()
    with ConsoleSession(
        sessions,
        settings=settings,
        team_id=workspace_id,
        clock=lambda: START + timedelta(seconds=next(ticks)),
    ) as c:
        yield c


def test_the_recorded_first_day_replays_line_by_line(
    console: ConsoleSession, sessions: sessionmaker[Session]
) -> None:
    recording = RECORDING.read_text(encoding="utf-8")
    out = run_repl(console, "".join(f"{line}\n" for line in typed_lines(recording)))
    if os.environ.get("CONSOLE_RECORD"):
        RECORDING.write_text(out, encoding="utf-8")
    assert _normalize(out).splitlines() == _normalize(recording).splitlines()

    with sessions() as session:
        leads = {lead.title: lead for lead in session.scalars(select(Lead))}
        deals = {deal.name: deal for deal in session.scalars(select(Opportunity))}
        [promise] = session.scalars(
            select(Interaction).where(Interaction.follow_up_date.is_not(None))
        )
    faucet, heater = leads["leaky faucet at 123 Main"], leads["water heater at 123 Main"]
    assert promise.lead_id == faucet.lead_id  # the lead chosen, not guessed
    assert (promise.follow_up_date, promise.follow_up_status) == (
        date(2026, 3, 6),
        FollowUpStatus.pending,
    )
    won = deals["leaky faucet at 123 Main"]
    assert (won.stage, won.amount, won.expected_close_date) == (
        OpportunityStage.won,
        Decimal("425.00"),
        date(2026, 3, 20),
    )
    assert deals["water heater at 123 Main"].stage == OpportunityStage.estimating
    assert heater.status == LeadStatus.converted
    assert leads["gutter cleaning"].contact is not None
    assert leads["gutter cleaning"].contact.emails == ["sam@example.com"]
    assert leads["gutter cleaning"].contact.phones == []
    assert TEAM == faucet.workspace_id


def test_the_recording_shows_what_the_issue_asked_for() -> None:
    shown = RECORDING.read_text(encoding="utf-8")
    assert "Which of Dana Smith's 2 open leads is this about?" in shown
    assert shown.count("Next follow-up: Friday, March 6 — call back: left voicemail") >= 2
    assert "Coming up, next 7 days (1):" in shown
    assert "Email: sam@example.com. They came in via email. I've saved it as a new lead" in shown
    assert "Expected close: Friday, March 20, 2026" in shown
    assert "Opportunity won — leaky faucet at 123 Main — $425." in shown
    assert "[1] Create in QuickBooks (owner)  [2] Not now (owner)" in shown
    assert "Only an owner can create a customer in QuickBooks." in shown
    staff_part = shown[shown.index("You are Staff (U0STAFF), not an owner.") :]
    staff_part = staff_part[: staff_part.index("You are Owner (U0OWNER), an owner.")]
    assert "Converted to a job: water heater at 123 Main" in staff_part
    assert "Mark won" not in staff_part and "Connect QuickBooks" not in staff_part

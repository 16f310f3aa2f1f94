"""The recorded console walk of a merge and its undo (`tests/data/console_merge_and_undo.txt`).

Two leads from `/lead`, then Dee Smith's card: **Merge into…** Dana Smith (the form shows
what will move, **Merge** confirms), the owner's **Undo merge** undoes it, and Dee's card is
whole again. (A member of staff's refused Undo merge is driven in tests/bot/test_contact_card.py:
Bolt may answer a listener that fails right after its ack with a 500 in a race of its own
threads, which a recording cannot hold still.) Replayed through the REPL and compared line
by line, as `test_console.py` does the lead-to-won walk; CONSOLE_RECORD=1 rewrites it.

The clock ticks a second per reading, so the merge's own history note is newer than the
inquiries it sits beside (the card's "Last touchpoint" would otherwise be a tie).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from console.driver import ConsoleSession
from core.models import Contact, ContactMerge, Lead
from tests.bot.harness import START, harness_settings
from tests.conftest import TEAM
from tests.console.test_console import _normalize, run_repl

RECORDING = Path(__file__).parent.parent / "data" / "console_merge_and_undo.txt"
# The prompts of `test_console.py`'s recordings, and a form with nothing to fill ("Enter: Merge").
_INPUT = re.compile(r"^(?:you> |.*\[y/N\] |  [^ !(─\[].*?> |  \(Enter: [^)]*\)> )(.*)$")


def recorded_inputs(transcript: str) -> list[str]:
    """The lines the person typed: what follows each prompt of the recording."""
    found = (_INPUT.match(line) for line in transcript.splitlines())
    return [match.group(1) for match in found if match]


@pytest.fixture
def ticking_console(sessions: sessionmaker[Session], workspace_id: str) -> Iterator[ConsoleSession]:
    ticks = itertools.count()

    def clock() -> datetime:
        return START + timedelta(seconds=next(ticks))

    settings = harness_settings("http://unused.invalid/")
    with ConsoleSession(sessions, settings=settings, team_id=workspace_id, clock=clock) as c:
        yield c


def test_the_recorded_session_merges_two_contacts_and_an_owner_undoes_it(
    ticking_console: ConsoleSession, sessions: sessionmaker[Session]
) -> None:
    recording = RECORDING.read_text(encoding="utf-8")
    typed = recorded_inputs(recording)
    assert typed[2] == "/customer Dee Smith" and "y" in typed
    out = run_repl(ticking_console, "".join(f"{line}\n" for line in typed))
    if os.environ.get("CONSOLE_RECORD"):
        RECORDING.write_text(out, encoding="utf-8")
    assert _normalize(out).splitlines() == _normalize(recording).splitlines()
    assert "  Merged Dee Smith into Dana Smith." in out
    assert "  Merge undone: Dee Smith is a separate contact again." in out
    with sessions() as session:
        merge = session.scalars(select(ContactMerge)).one()
        assert merge.undone_by is not None and merge.undone_at is not None
        people = session.scalars(select(Contact).where(Contact.workspace_id == TEAM)).all()
        assert all(p.merged_into_contact_id is None and not p.archived for p in people)
        owners = {
            lead.title: lead.contact.full_name if lead.contact else None
            for lead in session.scalars(select(Lead)).unique()
        }
        assert owners == {"leaky faucet at 123 Main": "Dana Smith", "water heater": "Dee Smith"}

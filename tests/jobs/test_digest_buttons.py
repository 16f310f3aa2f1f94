"""The daily digest's buttons work when pressed: the worker posts, then a person clicks them
in the real app (tests/bot/harness.py) and the next morning's digest shows the difference.

Mon 2026-11-30 08:00 New York; Thanksgiving (Thu 26) is not a business day.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.ids import ActionId
from core.common.enums import FollowUpStatus, InteractionType
from core.models import Draft, Interaction, Lead
from integrations.slack import make_client
from jobs.daily import run_daily
from tests.bot.harness import SlackHarness
from tests.conftest import OWNER, STAFF
from tests.core.factories import (
    make_contact,
    make_interaction,
    make_lead,
    make_reminder,
    make_unconfirmed_send,
    ny,
)
from tests.jobs.conftest import PIPELINE, section_texts

MON_NOV_30 = ny(2026, 11, 30, 8)
TUE_DEC_1 = ny(2026, 12, 1, 8)


@pytest.fixture
def bot(sessions: sessionmaker[Session], ws: str) -> Iterator[SlackHarness]:
    with SlackHarness(sessions) as harness:
        harness.now = MON_NOV_30 + timedelta(minutes=20)  # someone reads the digest at 08:20
        yield harness


def digest(bot: SlackHarness, sessions: sessionmaker[Session], ws: str, now: Any) -> list[Any]:
    """Run the daily job with the worker's own client against the app's Slack; its messages."""
    before = len(bot.api.messages)
    worker_slack = make_client("xoxb-test", base_url=bot.api.url)
    run_daily(sessions=sessions, slack=worker_slack, now=now, workspace_id=ws)
    return bot.api.messages[before:]


def test_snooze_and_done_pressed_on_the_posted_digest(
    sessions: sessionmaker[Session], ws: str, bot: SlackHarness
) -> None:
    with sessions.begin() as session:
        dana = make_contact(session, ws, "Dana", "Smith")
        # Created Mon Nov 2, never touched: long stale (Nov 30 - Nov 2 = 28 days).
        gutters = make_lead(
            session, ws, title="Gutters", contact=dana, created_at=ny(2026, 11, 2, 9)
        )
        # Touched Mon Nov 23 with a call back promised for today.
        call = make_interaction(
            session,
            ws,
            timestamp=ny(2026, 11, 23, 10),
            contact=make_contact(session, ws, "Sam", "Lee"),
            subject="the deck quote",
            follow_up_date=date(2026, 11, 30),
            type=InteractionType.phone_call,
            body=None,
        )
    stale, morning = digest(bot, sessions, ws, MON_NOV_30)
    assert stale["channel"] == morning["channel"] == PIPELINE
    assert section_texts(stale)[0].startswith("Heads up: the Gutters lead from Dana Smith")
    assert section_texts(morning) == [
        "*Today's follow-ups:*",
        "— Call back Sam Lee re: the deck quote",
    ]

    reply = bot.action(ActionId.SNOOZE, message=stale, user=STAFF)
    assert reply.status == 200
    with sessions.begin() as session:
        snoozed = session.get(Lead, gutters.lead_id)
        assert snoozed is not None and snoozed.snoozed_until == date(2026, 12, 3)  # Nov 30 + 3
    assert "Snoozed the Gutters lead until" in bot.api.messages[-1]["text"]

    bot.action(ActionId.DONE, message=morning, user=STAFF)
    with sessions.begin() as session:
        done = session.get(Interaction, call.interaction_id)
        assert done is not None and done.follow_up_status == FollowUpStatus.completed
    assert bot.api.messages[-1]["text"] == "Follow-up done: the deck quote."

    # Tuesday morning: the snoozed lead is quiet and the call is off the list.
    (tuesday,) = digest(bot, sessions, ws, TUE_DEC_1)
    assert section_texts(tuesday) == ["*Today's follow-ups: none*"]


def test_the_way_to_see_every_stale_lead_lists_them_all(
    sessions: sessionmaker[Session], ws: str, bot: SlackHarness
) -> None:
    with sessions.begin() as session:
        for n in range(12):  # created Nov 2 .. Nov 13: all stale, oldest first
            make_lead(session, ws, title=f"Job {n:02d}", created_at=ny(2026, 11, 2 + n, 9))
    (stale, _morning) = digest(bot, sessions, ws, MON_NOV_30)
    cut = stale["blocks"][-1]["elements"][0]["text"]
    assert cut == "…and 2 more stale leads — type `/followups stale` to see them all."

    bot.command("/followups", "stale")
    listed = bot.api.messages[-1]
    titles = [t.split(" lead from")[0] for t in section_texts(listed)[1:]]
    assert titles == [f"Heads up: the Job {n:02d}" for n in range(12)]


def test_the_commands_the_digest_names_list_every_follow_up_and_reminder(
    sessions: sessionmaker[Session], ws: str, bot: SlackHarness
) -> None:
    with sessions.begin() as session:
        bo = make_contact(session, ws, "Bo", "Chen")
        for n in range(25):  # due Nov 1 .. Nov 25: all overdue, most late first
            make_interaction(
                session,
                ws,
                timestamp=ny(2026, 10, 30, 9),
                contact=bo,
                subject=f"Item {n + 1}",
                follow_up_date=date(2026, 11, 1 + n),
                type=InteractionType.phone_call,
                body=None,
            )
        for n in range(12):  # due Nov 16 .. Nov 27
            make_reminder(session, ws, date(2026, 11, 16 + n), contact=bo, note=f"Note {n + 1}")
    morning, reminders = digest(bot, sessions, ws, MON_NOV_30)
    assert morning["blocks"][-1]["elements"][0]["text"] == (
        "…and 15 more overdue — type `/followups overdue` to see them all."
    )
    assert reminders["blocks"][-1]["elements"][0]["text"] == (
        "…and 2 more reminders due — type `/followups reminders` to see them all."
    )

    bot.command("/followups", "overdue")
    first = section_texts(bot.api.messages[-1])
    bot.command("/followups", "overdue 2")
    second = section_texts(bot.api.messages[-1])
    items = [t.split(" re: ")[1].split(" (")[0] for t in first[1:] + second[1:]]
    assert items == [f"Item {n + 1}" for n in range(25)]
    assert bot.api.messages[-2]["blocks"][-1]["elements"][0]["text"] == (
        "…and 3 more overdue — type `/followups overdue 2` for the next page."
    )

    bot.command("/followups", "reminders")
    listed = bot.api.messages[-1]
    assert listed["text"] == "Re-engage reminders due: 12"
    assert section_texts(listed)[0] == "*Re-engage reminders due (12):*"
    notes = [t.split(": ", 1)[1].split(" (")[0] for t in section_texts(listed)[1:]]
    assert notes == [f"Note {n + 1}" for n in range(12)]
    bot.action(ActionId.REMINDER_DONE, message=listed, user=STAFF)  # the first one, Note 1
    bot.command("/followups", "reminders")
    assert bot.api.messages[-1]["text"] == "Re-engage reminders due: 11"


def test_mark_sent_on_an_unconfirmed_send_records_it_once(
    sessions: sessionmaker[Session], ws: str, bot: SlackHarness
) -> None:
    with sessions.begin() as session:  # the claim commits; the process dies before delivery
        draft = make_unconfirmed_send(session, ws, ny(2026, 11, 27, 10))
        draft_id, lead_id, body = draft.draft_id, draft.lead_id, draft.body
    told = [m for m in digest(bot, sessions, ws, MON_NOV_30) if m["channel"] == OWNER]
    (to_owner,) = told
    assert to_owner["text"] == "Messages that may not have gone out: 1"

    bot.action(ActionId.SETTLE_SEND, message=to_owner, user=STAFF)
    assert bot.api.messages[-1]["text"] == "Only an owner can mark a message sent."
    with sessions.begin() as session:
        assert outbound(session, lead_id) == []

    bot.action(ActionId.SETTLE_SEND, message=to_owner, user=OWNER)
    assert bot.api.messages[-1]["text"] == (
        "Recorded: the email to Dana Smith went out, and it is now in the customer's history."
    )
    bot.action(ActionId.SETTLE_SEND, message=to_owner, user=OWNER)  # a second click
    assert bot.api.messages[-1]["text"] == (
        "Already recorded: the email to Dana Smith is in the history as sent. Nothing more to do."
    )
    with sessions.begin() as session:
        (logged,) = outbound(session, lead_id)
        assert (logged.body, logged.logged_by) == (body, OWNER)
        stored = session.get(Draft, draft_id)
        assert stored is not None and stored.sent_interaction_id == logged.interaction_id

    # Tuesday's digest has nothing more to tell the owner.
    assert [m for m in digest(bot, sessions, ws, TUE_DEC_1) if m["channel"] == OWNER] == []


def outbound(session: Session, lead_id: str | None) -> list[Interaction]:
    return list(
        session.scalars(
            select(Interaction).where(
                Interaction.lead_id == lead_id,
                Interaction.type == InteractionType.email_outbound,
            )
        )
    )

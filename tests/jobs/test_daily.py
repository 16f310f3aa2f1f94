"""The daily digest as the channel sees it: nudges with their buttons, the morning list,
due reminders; the oldest ten stale leads only; a fixed number of statements.

Calendar (America/New_York, US): Thanksgiving is Thu 2026-11-26; the digest runs Mon 2026-11-30
at 08:00. Business days are counted by hand in the comments.
"""

from __future__ import annotations

import gc
from datetime import date, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.limit_check import limit_violations
from console.local_slack import LocalSlackAPI
from core.common.enums import InteractionType, JobRunStatus, LeadStatus
from core.models import JobRun, Workspace
from jobs import warm
from jobs.daily import render_daily, run_daily
from jobs.runner import OutcomeStatus
from tests.core.factories import (
    count_statements,
    make_contact,
    make_interaction,
    make_lead,
    make_reminder,
    make_unconfirmed_send,
    ny,
)
from tests.jobs.conftest import PIPELINE, section_texts

MON_NOV_30 = ny(2026, 11, 30, 8)
WAY_BACK = ny(2026, 11, 2, 9)


def seed_morning(session: Session, workspace_id: str) -> None:
    dana = make_contact(session, workspace_id, "Dana", "Smith")
    sam = make_contact(session, workspace_id, "Sam", "Lee")
    pat = make_contact(session, workspace_id, "Pat", "Kim")
    faucet = make_lead(
        session,
        workspace_id,
        title="Leaky faucet at 123 Main",
        contact=dana,
        created_at=ny(2026, 11, 16, 9),
    )
    # The last touch: Wed 18. Since then Thu 19, Fri 20, Mon 23, Tue 24, Wed 25, Fri 27,
    # Mon 30 = 7 business days (stale); Nov 30 - Nov 18 = 12 calendar days. It promised a
    # call back today.
    make_interaction(
        session,
        workspace_id,
        timestamp=ny(2026, 11, 18, 10),
        lead=faucet,
        contact=dana,
        subject="the faucet quote",
        follow_up_date=date(2026, 11, 30),
        type=InteractionType.phone_call,
        body=None,
    )
    # Created Tue 24, not touched since: Wed 25, Fri 27, Mon 30 = 3 business days: stale,
    # 6 days; its last touchpoint is the email to Sam below (the newest with its contact).
    make_lead(
        session,
        workspace_id,
        title="Water heater swap",
        contact=sam,
        created_at=ny(2026, 11, 24, 15),
        status=LeadStatus.working,
    )
    # Created Wed 25: Fri 27, Mon 30 = 2 business days (Thanksgiving does not count): not stale.
    make_lead(
        session, workspace_id, title="Deck repair", contact=pat, created_at=ny(2026, 11, 25, 9)
    )
    make_lead(
        session,
        workspace_id,
        title="Qualified, quiet",
        created_at=WAY_BACK,
        status=LeadStatus.qualified,
    )
    make_lead(
        session, workspace_id, title="Snoozed", created_at=WAY_BACK, snoozed_until=date(2026, 12, 2)
    )
    # An email to Sam on Fri 20 (before his lead came in) promised news by Wed 25: overdue.
    make_interaction(
        session,
        workspace_id,
        timestamp=ny(2026, 11, 20, 11),
        contact=sam,
        type=InteractionType.email_outbound,
        subject="Heater model",
        follow_up_date=date(2026, 11, 25),
        body=None,
    )
    make_reminder(
        session,
        workspace_id,
        date(2026, 11, 30),
        contact=pat,
        note="Check in about spring deck work",
    )
    make_reminder(session, workspace_id, date(2026, 11, 27), contact=dana, note="Annual service")


def buttons(message: dict[str, Any]) -> list[list[tuple[str, str]]]:
    return [
        [(e["text"]["text"], e["action_id"]) for e in b["elements"]]
        for b in message["blocks"]
        if b["type"] == "actions"
    ]


def test_the_morning_post(
    sessions: sessionmaker[Session], ws: str, slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    with sessions.begin() as session:
        seed_morning(session, ws)

    outcome = run_daily(sessions=sessions, slack=slack, now=MON_NOV_30, workspace_id=ws)

    assert outcome.status is OutcomeStatus.posted and outcome.period == "2026-11-30"
    stale, morning, reminders = slack_api.messages
    assert {m["channel"] for m in slack_api.messages} == {PIPELINE}
    assert stale["text"] == "Stale leads: 2"
    assert stale["blocks"][0]["text"]["text"] == "2 leads have gone quiet"
    assert section_texts(stale) == [
        "Heads up: the Leaky faucet at 123 Main lead from Dana Smith has had no activity in "
        "12 days. Last touchpoint: phone call on Wednesday, November 18 — the faucet quote. "
        "Want me to draft a follow-up message?",
        "Heads up: the Water heater swap lead from Sam Lee has had no activity in 6 days. "
        "Last touchpoint: email to them on Friday, November 20 — Heater model. "
        "Want me to draft a follow-up message?",
    ]
    nudge_buttons = [
        ("Draft follow-up", "crm-draft-follow-up"),
        ("Snooze 3 days", "crm-snooze"),
        ("Disqualify", "crm-disqualify"),
    ]
    assert buttons(stale) == [nudge_buttons, nudge_buttons]

    assert section_texts(morning) == [
        "*Today's follow-ups:*",
        "— Call back Dana Smith re: the faucet quote",
        "*Overdue:*",
        "— Follow up with Sam Lee re: Heater model (5 days late)",
    ]
    assert buttons(morning) == [[("Done", "crm-done"), ("Reschedule", "crm-reschedule")]] * 2

    assert section_texts(reminders) == [
        "*Re-engage reminders due:*",
        "— Check back with Dana Smith: Annual service (due Friday, November 27)",
        "— Check back with Pat Kim: Check in about spring deck work",
    ]
    assert buttons(reminders) == [[("Done", "crm-reminder-done")]] * 2
    assert [limit_violations(m) for m in slack_api.messages] == [[], [], []]

    with sessions.begin() as session:
        run = session.scalars(select(JobRun)).one()
        assert (run.job, run.period, run.status, run.attempts) == (
            "daily",
            "2026-11-30",
            JobRunStatus.done,
            1,
        )
        assert [p["ts"] for p in run.posted] == [m["ts"] for m in slack_api.messages]

    again = run_daily(sessions=sessions, slack=slack, now=ny(2026, 11, 30, 17), workspace_id=ws)
    assert again.status is OutcomeStatus.already_done
    assert "already posted" in again.describe()
    assert len(slack_api.messages) == 3


def test_buttons_carry_the_record_ids(
    sessions: sessionmaker[Session], ws: str, slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    with sessions.begin() as session:
        quiet = make_lead(session, ws, title="Gutters", created_at=WAY_BACK)
        call = make_interaction(
            session,
            ws,
            timestamp=WAY_BACK,
            contact=make_contact(session, ws, "Bo"),
            follow_up_date=date(2026, 11, 30),
            type=InteractionType.phone_call,
            body=None,
        )
    run_daily(sessions=sessions, slack=slack, now=MON_NOV_30, workspace_id=ws)
    stale, morning = slack_api.messages
    assert {e["value"] for e in stale["blocks"][2]["elements"]} == {quiet.lead_id}
    assert stale["blocks"][2]["block_id"] == f"crm-lead-actions-{quiet.lead_id}"
    assert {e["value"] for e in morning["blocks"][2]["elements"]} == {call.interaction_id}


def test_a_big_backlog_shows_the_oldest_ten_and_how_many_more(
    sessions: sessionmaker[Session], ws: str, slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    with sessions.begin() as session:
        for n in range(12):  # created Nov 2, 3, ... 13: all long stale, oldest first
            make_lead(session, ws, title=f"Job {n:02d}", created_at=WAY_BACK + timedelta(days=n))

    run_daily(sessions=sessions, slack=slack, now=MON_NOV_30, workspace_id=ws)

    stale = slack_api.messages[0]
    assert stale["text"] == "Stale leads: 12"
    nudges = section_texts(stale)
    assert [t.split(" lead from")[0] for t in nudges] == [
        f"Heads up: the Job {n:02d}" for n in range(10)
    ]
    assert "has had no activity in 28 days" in nudges[0]  # Nov 30 - Nov 2
    assert stale["blocks"][-1] == {
        "type": "context",
        "elements": [
            {
                "type": "mrkdwn",
                "text": "…and 2 more stale leads — type `/followups stale` to see them all.",
            }
        ],
    }
    assert limit_violations(stale) == []


def test_nothing_to_report_still_says_good_morning(
    sessions: sessionmaker[Session], ws: str, slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    run_daily(sessions=sessions, slack=slack, now=MON_NOV_30, workspace_id=ws)
    assert [section_texts(m) for m in slack_api.messages] == [["*Today's follow-ups: none*"]]


def test_names_are_escaped_for_slack(
    sessions: sessionmaker[Session], ws: str, slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    with sessions.begin() as session:
        tricky = make_contact(session, ws, "Ann & <Bo>", "O'Hara 🚰")
        make_lead(session, ws, title='The "big" job', contact=tricky, created_at=WAY_BACK)
    run_daily(sessions=sessions, slack=slack, now=MON_NOV_30, workspace_id=ws)
    nudge = section_texts(slack_api.messages[0])[0]
    assert nudge.startswith(
        'Heads up: the The "big" job lead from Ann &amp; &lt;Bo&gt; O\'Hara 🚰 has had'
    )


def test_not_posted_on_a_weekend_or_holiday_unless_forced(
    sessions: sessionmaker[Session], ws: str, slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    thanksgiving = run_daily(
        sessions=sessions, slack=slack, now=ny(2026, 11, 26, 8), workspace_id=ws
    )
    assert thanksgiving.status is OutcomeStatus.skipped
    assert thanksgiving.describe() == (
        f"daily 2026-11-26 for {ws}: not posted: Thursday 2026-11-26 is not a business day."
    )
    saturday = run_daily(
        sessions=sessions, slack=slack, now=ny(2026, 11, 28, 8), workspace_id=ws, force=True
    )
    assert saturday.status is OutcomeStatus.posted
    assert len(slack_api.messages) == 1


def test_render_reads_five_statements(sessions: sessionmaker[Session], ws: str) -> None:
    with sessions.begin() as session:
        seed_morning(session, ws)
    with sessions() as session:
        workspace = session.get(Workspace, ws)
        assert workspace is not None
        with count_statements(session) as counter:
            posts = render_daily(session, workspace, MON_NOV_30)
    assert len(posts) == 3
    # stale leads (page and count, touches), follow-ups, reminders, unconfirmed sends
    assert counter.n <= 5


def test_an_overdue_backlog_is_cut_too(
    sessions: sessionmaker[Session], ws: str, slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    with sessions.begin() as session:
        someone = make_contact(session, ws, "Bo", "Chen")
        for n in range(25):  # due Nov 1 .. Nov 25: all overdue, most late first
            make_interaction(
                session,
                ws,
                timestamp=WAY_BACK,
                contact=someone,
                subject=f"Item {n + 1}",
                follow_up_date=date(2026, 11, 1 + n),
                type=InteractionType.phone_call,
                body=None,
            )
    run_daily(sessions=sessions, slack=slack, now=MON_NOV_30, workspace_id=ws)
    (morning,) = [m for m in slack_api.messages if m["text"].startswith("Today's")]
    texts = section_texts(morning)
    assert texts[:2] == ["*Today's follow-ups: none*", "*Overdue:*"]
    assert texts[2] == "— Call back Bo Chen re: Item 1 (29 days late)"
    assert len(texts) == 2 + 10
    assert morning["blocks"][-1]["elements"][0]["text"] == (
        "…and 15 more overdue — type `/followups overdue` to see them all."
    )
    assert morning["text"] == "Today's follow-ups: none; overdue: 25"
    assert limit_violations(morning) == []


def test_due_reminders_are_cut_with_the_command_that_lists_them(
    sessions: sessionmaker[Session], ws: str, slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    with sessions.begin() as session:
        bo = make_contact(session, ws, "Bo", "Chen")
        for n in range(12):  # due Nov 16 .. Nov 27: all due by Monday, oldest first
            make_reminder(session, ws, date(2026, 11, 16 + n), contact=bo, note=f"Note {n + 1}")
    run_daily(sessions=sessions, slack=slack, now=MON_NOV_30, workspace_id=ws)
    (reminders,) = [m for m in slack_api.messages if m["text"].startswith("Re-engage")]
    assert reminders["text"] == "Re-engage reminders due: 12"
    texts = section_texts(reminders)
    assert texts[1] == "— Check back with Bo Chen: Note 1 (due Monday, November 16)"
    assert len(texts) == 1 + 10
    assert texts[-1].startswith("— Check back with Bo Chen: Note 10 ")
    assert reminders["blocks"][-1]["elements"][0]["text"] == (
        "…and 2 more reminders due — type `/followups reminders` to see them all."
    )
    assert limit_violations(reminders) == []


def test_a_send_that_may_not_have_gone_out_is_told_to_each_owner(
    sessions: sessionmaker[Session], ws: str, slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    with sessions.begin() as session:
        session.get(Workspace, ws).owner_ids = ["U0OWNER", "U0OWNER2"]  # type: ignore[union-attr]
        # Claimed Friday 10:00; the process died before delivering it.
        stuck = make_unconfirmed_send(session, ws, ny(2026, 11, 27, 10), "Dana")
    # Claimed five minutes before the run: it may still be going out, so it is not listed.
    with sessions.begin() as session:
        make_unconfirmed_send(session, ws, MON_NOV_30 - timedelta(minutes=5), "Sam")

    run_daily(sessions=sessions, slack=slack, now=MON_NOV_30, workspace_id=ws)

    told = [m for m in slack_api.messages if m["channel"] != PIPELINE]
    assert [m["channel"] for m in told] == ["U0OWNER", "U0OWNER2"]
    assert all(m["channel"] == PIPELINE for m in slack_api.messages if m not in told)
    first = told[0]
    assert first["text"] == "Messages that may not have gone out: 1"
    assert section_texts(first) == [
        "*These messages may not have gone out — check and resend by hand:*",
        "— Email to Dana Smith (dana@example.com), sending started by <@U0OWNER> at "
        "Nov 27, 10:00 AM EST",
    ]
    button = first["blocks"][1]["accessory"]
    assert (button["text"]["text"], button["action_id"], button["value"]) == (
        "Mark sent",
        "crm-settle-send",
        f"{stuck.draft_id}:1",
    )
    assert "press *Mark sent*" in first["blocks"][-1]["elements"][0]["text"]
    assert limit_violations(first) == []


def test_with_no_owner_set_the_unconfirmed_sends_go_to_the_pipeline_channel(
    sessions: sessionmaker[Session], ws: str, slack_api: LocalSlackAPI, slack: WebClient
) -> None:
    with sessions.begin() as session:
        make_unconfirmed_send(session, ws, ny(2026, 11, 27, 10))
        session.get(Workspace, ws).owner_ids = []  # type: ignore[union-attr]
    run_daily(sessions=sessions, slack=slack, now=MON_NOV_30, workspace_id=ws)
    assert {m["channel"] for m in slack_api.messages} == {PIPELINE}
    assert slack_api.messages[-1]["text"] == "Messages that may not have gone out: 1"


def test_the_worker_freezes_its_start_up_heap_once(monkeypatch: pytest.MonkeyPatch) -> None:
    frozen: list[bool] = []
    monkeypatch.setattr(warm, "_heap_frozen", False)
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    warm.freeze_start_up_heap()
    warm.freeze_start_up_heap()  # the hourly warm-ups after the first freeze nothing more
    assert frozen == [True]


def test_the_worker_warm_up_renders_without_posting_or_writing(
    sessions: sessionmaker[Session], ws: str, slack_api: LocalSlackAPI
) -> None:
    from jobs.warm import warm_up

    with sessions.begin() as session:
        seed_morning(session, ws)
    warm_up(sessions=sessions)
    assert slack_api.messages == []
    with sessions() as session:
        assert session.scalars(select(JobRun)).all() == []

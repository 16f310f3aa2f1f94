"""Every state transition is decided by the database: six clicks at once, one change.

Each case commits a record, then six threads, each in its own transaction on its own
connection, make the same decision at the same moment (a barrier releases them together).
Exactly one changes the record and writes the audit row; the other five are told it already
happened (`AlreadyDone`, a friendly sentence) or find it done and write nothing. On today's
main before this change, 6 Mark won clicks wrote 5 `mark_won` audit rows.

Postgres only: SQLite lets one writer at a time hold the whole database, so there is no
concurrent read-then-write to race (the same code runs there in the rest of the suite).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from secrets import token_hex
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from core.activity.reminders import complete_reminder
from core.activity.service import complete_follow_up
from core.common.enums import DraftChannel, LeadStatus, OpportunityStage
from core.drafts.approval import ApprovalOutcome, approve_for_sending
from core.drafts.compose import draft_follow_up
from core.drafts.review import approve_draft, discard_draft
from core.drafts.sending import mark_draft_sent
from core.errors import AlreadyDone
from core.leads.opportunities import mark_lost, mark_won
from core.leads.service import convert_lead, disqualify_lead, qualify_lead, snooze_lead
from core.leads.won_confirmations import confirm_won
from core.models import AuditEntry, Lead, Opportunity, Workspace
from core.workspaces.service import WorkspaceDefaults, ensure_workspace, get_workspace
from tests.conftest import OWNER
from tests.core.factories import (
    make_contact,
    make_interaction,
    make_lead,
    make_opportunity,
    make_reminder,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
CLICKS = 6


@dataclass(frozen=True)
class Case:
    """A record to make, the decision six people make on it at once, and its audit action."""

    make: Callable[[Session, Workspace], str]
    decide: Callable[[Session, Workspace, str], Any]
    action: str


def _lead(session: Session, ws: Workspace) -> str:
    dana = make_contact(session, ws.workspace_id, phones=["+15552013344"], address="123 Main St")
    return make_lead(session, ws.workspace_id, dana).lead_id


def _deal(session: Session, ws: Workspace) -> str:
    dana = make_contact(session, ws.workspace_id)
    return make_opportunity(session, ws.workspace_id, dana, amount="4800").opportunity_id


def _follow_up(session: Session, ws: Workspace) -> str:
    dana = make_contact(session, ws.workspace_id)
    item = make_interaction(session, ws.workspace_id, dana, follow_up_date=date(2026, 3, 3))
    return item.interaction_id


def _reminder(session: Session, ws: Workspace) -> str:
    dana = make_contact(session, ws.workspace_id)
    return make_reminder(session, ws.workspace_id, date(2026, 3, 3), dana).reminder_id


def _draft(session: Session, ws: Workspace, channel: str | None = None) -> str:
    dana = make_contact(session, ws.workspace_id, emails=["dana@example.com"])
    lead = make_lead(session, ws.workspace_id, dana)
    drafted = draft_follow_up(
        session=session,
        workspace=ws,
        actor=OWNER,
        lead_id=lead.lead_id,
        channel=channel,
        now=NOW,
    )
    return drafted.draft.draft_id


def _approved_sms(session: Session, ws: Workspace) -> str:
    dana = make_contact(session, ws.workspace_id, phones=["+15552013344"])
    lead = make_lead(session, ws.workspace_id, dana)
    drafted = draft_follow_up(
        session=session,
        workspace=ws,
        actor=OWNER,
        lead_id=lead.lead_id,
        channel=DraftChannel.sms,
        now=NOW,
    )
    approve_draft(
        session=session,
        workspace=ws,
        actor=OWNER,
        draft_id=drafted.draft.draft_id,
        version=1,
        now=NOW,
    )
    return drafted.draft.draft_id


def _win(session: Session, ws: Workspace, deal_id: str) -> Any:
    token = confirm_won(
        session=session, workspace=ws, actor=OWNER, opportunity_id=deal_id, now=NOW
    ).token
    return mark_won(
        session=session,
        workspace=ws,
        actor=OWNER,
        opportunity_id=deal_id,
        confirmation=token,
        now=NOW,
    )


def _approve(session: Session, ws: Workspace, draft_id: str) -> Any:
    approval = approve_for_sending(
        session=session,
        workspace=ws,
        actor=OWNER,
        draft_id=draft_id,
        version=1,
        mailbox_connected=False,
        now=NOW,
    )
    if approval.outcome != ApprovalOutcome.approved:  # the others are told, not acted for
        assert approval.outcome == ApprovalOutcome.already_approved
        raise AlreadyDone("already approved")
    return approval


CASES: dict[str, Case] = {
    "won": Case(_deal, _win, "mark_won"),
    "lost": Case(
        _deal,
        lambda s, w, i: mark_lost(
            session=s, workspace=w, actor=OWNER, opportunity_id=i, reason="price", now=NOW
        ),
        "mark_lost",
    ),
    "qualify": Case(
        _lead,
        lambda s, w, i: qualify_lead(
            session=s, workspace=w, actor=OWNER, lead_id=i, stage="needs_analysis", now=NOW
        ),
        "qualify_lead",
    ),
    "convert": Case(
        _lead,
        lambda s, w, i: convert_lead(session=s, workspace=w, actor=OWNER, lead_id=i, now=NOW),
        "convert_lead",
    ),
    "disqualify": Case(
        _lead,
        lambda s, w, i: disqualify_lead(
            session=s, workspace=w, actor=OWNER, lead_id=i, reason="budget", now=NOW
        ),
        "disqualify_lead",
    ),
    "approve": Case(_draft, _approve, "approve_draft"),
    "discard": Case(
        _draft,
        lambda s, w, i: discard_draft(session=s, workspace=w, actor=OWNER, draft_id=i, now=NOW),
        "discard_draft",
    ),
    "mark sent": Case(
        _approved_sms,
        lambda s, w, i: mark_draft_sent(session=s, workspace=w, actor=OWNER, draft_id=i, now=NOW),
        "mark_draft_sent",
    ),
    "snooze": Case(
        _lead,
        lambda s, w, i: snooze_lead(
            session=s, workspace=w, actor=OWNER, lead_id=i, days=3, now=NOW
        ),
        "snooze_lead",
    ),
    "follow-up done": Case(
        _follow_up,
        lambda s, w, i: complete_follow_up(session=s, workspace=w, actor=OWNER, interaction_id=i),
        "complete_follow_up",
    ),
    "reminder done": Case(
        _reminder,
        lambda s, w, i: complete_reminder(session=s, workspace=w, actor=OWNER, reminder_id=i),
        "complete_reminder",
    ),
}


def race(sessions: sessionmaker[Session], team: str, decide: Callable[[Session], Any]) -> list[Any]:
    """Run `decide` in CLICKS threads released together; what each returned or raised."""
    start = threading.Barrier(CLICKS)
    results: list[Any] = [None] * CLICKS

    def click(n: int) -> None:
        try:
            with sessions.begin() as session:
                get_workspace(session, team)  # each transaction has begun before the release
                start.wait(timeout=20)
                results[n] = decide(session)
        except Exception as error:  # kept and asserted on below
            results[n] = error

    threads = [threading.Thread(target=click, args=(n,)) for n in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


@pytest.mark.parametrize("name", CASES, ids=list(CASES))
def test_six_at_once_make_one_transition_and_one_audit_row(
    race_sessions: sessionmaker[Session], name: str
) -> None:
    case = CASES[name]
    team = f"TR{token_hex(5)}"
    with race_sessions.begin() as session:
        workspace = ensure_workspace(session, team, WorkspaceDefaults(owner_ids=[OWNER]))
        record_id = case.make(session, workspace)

    def decide(session: Session) -> Any:
        return case.decide(session, get_workspace(session, team), record_id)

    results = race(race_sessions, team, decide)
    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(e, AlreadyDone) for e in errors), errors
    assert all(e.message for e in errors)  # a sentence to show, not a traceback
    with race_sessions() as session:
        audits = session.scalar(
            select(func.count()).where(
                AuditEntry.workspace_id == team,
                AuditEntry.action == case.action,
                AuditEntry.entity_id == record_id,
            )
        )
        assert audits == 1, f"{name}: {audits} audit rows for {CLICKS} clicks; results {results}"
        if name == "convert":
            made = select(func.count()).where(Opportunity.lead_id == record_id)
            assert session.scalar(made) == 1
            lead = session.get(Lead, record_id)
            assert lead is not None and lead.status == LeadStatus.converted
        if name == "won":
            deal = session.get(Opportunity, record_id)
            assert deal is not None and deal.stage == OpportunityStage.won
            assert len(errors) == CLICKS - 1


def test_the_losers_are_told_what_happened(race_sessions: sessionmaker[Session]) -> None:
    team = f"TR{token_hex(5)}"
    with race_sessions.begin() as session:
        workspace = ensure_workspace(session, team, WorkspaceDefaults(owner_ids=[OWNER]))
        deal_id = _deal(session, workspace)
    results = race(race_sessions, team, lambda s: _win(s, get_workspace(s, team), deal_id))
    told = {r.message for r in results if isinstance(r, AlreadyDone)}
    assert told == {"Kitchen remodel is already won; nothing more to do."}

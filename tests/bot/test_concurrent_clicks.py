"""Six owners' clicks at once through the served app: one transition, one audit row, one post.

Six threads send signed Mark won forms (or Approve clicks) over HTTP into the real app at once; its
listeners run side by side (six listener threads, as `crm serve` runs them) on their own
database connections, and a barrier holds each just before its core decision, so all six
decide at the same moment. The database lets one through; the other five people are told it
already happened.

Postgres only: SQLite serializes writers on one database-wide lock, so the clicks cannot race
there (the same clicks one after another are covered by tests/bot/test_owner_gate.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from secrets import token_hex
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import core.drafts.flows
from bot.handlers.views import stages
from bot.ids import ActionId
from core.common.enums import DraftStatus, OpportunityStage
from core.drafts.compose import draft_follow_up
from core.models import AuditEntry, Draft, Opportunity
from core.platform.db import make_engine, make_sessions
from core.workspaces.service import WorkspaceDefaults, ensure_workspace
from integrations.registry import Integrations
from tests.bot.fakes import RecordingSender, open_won_form, submit_won_form
from tests.bot.harness import START, Reply, SlackHarness, messages_to
from tests.conftest import OWNER, drop_postgres_database, migrated_database_url
from tests.core.factories import make_contact, make_lead, make_opportunity

CLICKS = 6
OWNERS = [OWNER, *(f"U0OWNER{n}" for n in range(2, CLICKS + 1))]


@pytest.fixture(scope="module")
def committed(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sessionmaker[Session]]:
    """A database of its own whose rows are really committed (dropped at the end)."""
    if backend == "sqlite":
        pytest.skip(
            "SQLite serializes writers on a database-wide lock, so concurrent clicks cannot "
            "race there; the race is proven on Postgres"
        )
    url = migrated_database_url(
        backend, tmp_path_factory.mktemp("clicks"), f"clicks_{os.getpid()}_{token_hex(3)}"
    )
    engine = make_engine(url, pool_size=CLICKS + 4)
    yield make_sessions(engine)
    engine.dispose()
    drop_postgres_database(url)


def held_at(barrier: threading.Barrier, decide: Callable[..., Any]) -> Callable[..., Any]:
    """`decide`, but each caller waits until all CLICKS callers are about to decide."""

    def at_once(*args: Any, **kwargs: Any) -> Any:
        barrier.wait(timeout=30)
        return decide(*args, **kwargs)

    return at_once


def from_six_threads(send: Callable[[str], Reply]) -> list[Reply]:
    """Each owner's click sent by a thread of its own, all released together."""
    start = threading.Barrier(CLICKS)
    replies: list[Reply] = []

    def click(owner: str) -> None:
        start.wait(timeout=30)
        replies.append(send(owner))

    threads = [threading.Thread(target=click, args=(owner,)) for owner in OWNERS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [reply.status for reply in replies] == [200] * CLICKS
    return replies


def served(
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    team: str,
    sender: RecordingSender | None = None,
) -> SlackHarness:
    integrations = Integrations(draft_sender=lambda workspace: sender)
    # As many HTTP threads as clicks: a form's answer waits for its decision, held at the barrier.
    return SlackHarness(sessions, team_id=team, integrations=integrations, workers=CLICKS).start()


def audits(sessions: sessionmaker[Session], team: str, action: str) -> int:
    with sessions() as session:
        query = select(func.count()).where(
            AuditEntry.workspace_id == team, AuditEntry.action == action
        )
        return int(session.scalar(query) or 0)


def test_six_mark_won_forms_make_one_win_one_audit_row_one_post(
    committed: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    team = f"TW{token_hex(5)}"
    with committed.begin() as session:
        ensure_workspace(session, team, WorkspaceDefaults(owner_ids=OWNERS))
        dana = make_contact(session, team)
        deal_id = make_opportunity(session, team, dana, name="Bathroom remodel").opportunity_id
    barrier = threading.Barrier(CLICKS)
    monkeypatch.setattr(stages, "mark_won", held_at(barrier, stages.mark_won))
    slack = served(committed, monkeypatch, team)
    try:
        forms = {owner: open_won_form(slack, deal_id, user=owner) for owner in OWNERS}
        replies = from_six_threads(
            lambda owner: submit_won_form(slack, forms[owner], "2,400", user=owner, wait=False)
        )
        slack.wait(timeout=60)
    finally:
        slack.stop()

    assert audits(committed, team, "mark_won") == 1
    with committed() as session:
        deal = session.get(Opportunity, deal_id)
        assert deal is not None and deal.stage == OpportunityStage.won
    said = messages_to(slack.api, kind="response_url")
    posts = [m for m in said if m.get("response_type") == "in_channel"]
    assert len(posts) == 1 and "Opportunity won — Bathroom remodel — $2,400" in posts[0]["text"]
    told = sorted(str(r.json()["errors"]) for r in replies if r.body)  # on each loser's form
    refusal = "Bathroom remodel is already won; nothing more to do."
    assert told == [str({"crm-amount": refusal})] * (CLICKS - 1)


def test_six_approve_clicks_send_the_email_once(
    committed: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    team = f"TA{token_hex(5)}"
    with committed.begin() as session:
        workspace = ensure_workspace(session, team, WorkspaceDefaults(owner_ids=OWNERS))
        dana = make_contact(session, team, emails=["dana@example.com"])
        lead = make_lead(session, team, dana)
        drafted = draft_follow_up(
            session=session, workspace=workspace, actor=OWNER, lead_id=lead.lead_id, now=START
        )
        draft_id = drafted.draft.draft_id
    barrier = threading.Barrier(CLICKS)
    flows = core.drafts.flows
    monkeypatch.setattr(flows, "approve_for_sending", held_at(barrier, flows.approve_for_sending))
    sender = RecordingSender()
    slack = served(committed, monkeypatch, team, sender)
    try:
        value = f"{draft_id}:1"
        from_six_threads(
            lambda owner: slack.action(
                ActionId.APPROVE, value, user=owner, channel=f"D{owner}", wait=False
            )
        )
        slack.wait(timeout=60)
    finally:
        slack.stop()

    assert [sent[0] for sent in sender.sent] == [draft_id]
    assert audits(committed, team, "approve_draft") == 1
    assert audits(committed, team, "claim_draft_for_sending") == 1
    assert audits(committed, team, "send_draft") == 1
    with committed() as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None
        assert (draft.status, draft.sent_message_id) == (DraftStatus.sent, "gmail-1")
    told = [str(m["text"]) for m in messages_to(slack.api, kind="response_url")]
    assert len(told) == CLICKS - 1
    assert all(text.startswith("Already sent by <@") for text in told), told

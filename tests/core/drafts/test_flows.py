"""The one send flow (core/drafts/flows.py), called as the bot and a job call it.

approve -> claim -> commit -> deliver -> record: the mailbox is reached only after the claim
has committed, once however often the flow is called, and never before an approval (an
owner's, or auto-send's when an owner turned it on).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from secrets import token_hex
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from core.common.enums import DraftStatus, InteractionType
from core.drafts.approval import ApprovalOutcome
from core.drafts.flows import approve_and_send, request_follow_up
from core.errors import NotAnOwner
from core.models import Draft, Interaction, Workspace
from core.platform.db import make_engine, make_sessions
from core.workspaces.service import WorkspaceDefaults, ensure_workspace
from tests.conftest import OWNER, STAFF, TEAM, drop_postgres_database, migrated_database_url
from tests.core.factories import make_contact, make_lead

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


class Mailbox:
    """A mailbox that records what it sends; `fail` makes it refuse."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[str] = []
        self.fail = fail

    def send(self, draft: Draft) -> str:
        if self.fail:
            raise RuntimeError("mailbox said no")
        self.sent.append(draft.draft_id)
        return f"msg-{len(self.sent)}"

    def sender_for(self, workspace: Workspace) -> Mailbox:
        return self


def no_mailbox(workspace: Workspace) -> None:
    return None


def dana(sessions: sessionmaker[Session], *, auto_send: bool = False, team: str = TEAM) -> str:
    with sessions.begin() as session:
        workspace = ensure_workspace(session, team, WorkspaceDefaults(owner_ids=[OWNER]))
        workspace.auto_send = auto_send
        contact = make_contact(session, team, emails=["dana@example.com"])
        return make_lead(session, team, contact).lead_id


def emails_out(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        kind = Interaction.type == InteractionType.email_outbound
        return int(session.scalar(select(func.count()).where(kind)) or 0)


def ask(sessions: sessionmaker[Session], lead_id: str, mailbox: Any, **kw: Any) -> Any:
    return request_follow_up(
        sessions=sessions,
        workspace_id=kw.pop("team", TEAM),
        actor=STAFF,
        lead_id=lead_id,
        sender_for=mailbox,
        now=NOW,
    )


def approve(
    sessions: sessionmaker[Session], draft_id: str, mailbox: Any, actor: str = OWNER
) -> Any:
    return approve_and_send(
        sessions=sessions,
        workspace_id=TEAM,
        actor=actor,
        draft_id=draft_id,
        version=1,
        sender_for=mailbox,
        now=NOW,
    )


def test_with_auto_send_off_neither_flow_reaches_the_mailbox_before_approve(
    sessions: sessionmaker[Session],
) -> None:
    mailbox = Mailbox()
    lead_id = dana(sessions)
    asked = ask(sessions, lead_id, mailbox.sender_for)
    assert asked.delivered is None and not asked.auto_sent
    assert asked.followup.draft.status == DraftStatus.pending_approval
    assert mailbox.sent == [] and emails_out(sessions) == 0
    draft_id = asked.followup.draft.draft_id

    with pytest.raises(NotAnOwner):
        approve(sessions, draft_id, mailbox.sender_for, actor=STAFF)
    assert mailbox.sent == []

    first = approve(sessions, draft_id, mailbox.sender_for)
    again = approve(sessions, draft_id, mailbox.sender_for)
    assert first.approval.outcome == ApprovalOutcome.claimed
    assert first.delivered is not None and first.delivered.sent
    assert again.approval.outcome == ApprovalOutcome.already_sent and again.delivered is None
    assert mailbox.sent == [draft_id] and emails_out(sessions) == 1


def test_with_auto_send_on_a_request_is_sent_once_as_auto_send(
    sessions: sessionmaker[Session],
) -> None:
    mailbox = Mailbox()
    lead_id = dana(sessions, auto_send=True)
    asked = ask(sessions, lead_id, mailbox.sender_for)
    draft = asked.followup.draft
    assert asked.auto_sent and mailbox.sent == [draft.draft_id]
    assert (draft.status, draft.sent_message_id) == (DraftStatus.sent, "msg-1")
    assert (draft.approved_by, draft.sent_by) == ("system:auto_send", "system:auto_send")
    again = approve(sessions, draft.draft_id, mailbox.sender_for)  # an owner's late click
    assert again.approval.outcome == ApprovalOutcome.already_sent
    assert mailbox.sent == [draft.draft_id] and emails_out(sessions) == 1


def test_with_auto_send_on_and_no_mailbox_the_draft_waits_for_an_owner(
    sessions: sessionmaker[Session],
) -> None:
    lead_id = dana(sessions, auto_send=True)
    asked = ask(sessions, lead_id, no_mailbox)
    assert not asked.auto_sent and asked.delivered is None
    assert asked.followup.draft.status == DraftStatus.pending_approval


def test_a_refused_delivery_is_recorded_as_failed_and_returned(
    sessions: sessionmaker[Session],
) -> None:
    mailbox = Mailbox(fail=True)
    lead_id = dana(sessions, auto_send=True)
    asked = ask(sessions, lead_id, mailbox.sender_for)
    assert asked.delivered is not None and asked.delivered.failed
    assert asked.delivered.error == "mailbox said no"
    with sessions() as session:
        draft = session.get(Draft, asked.followup.draft.draft_id)
        assert draft is not None and (draft.status, draft.error) == (
            DraftStatus.failed,
            "mailbox said no",
        )


@pytest.fixture
def committed(backend: str, tmp_path: Any) -> Iterator[sessionmaker[Session]]:
    """A database of its own, so a second connection sees only what was really committed."""
    url = migrated_database_url(backend, tmp_path, f"flows_{os.getpid()}_{token_hex(3)}")
    engine: Engine = make_engine(url)
    yield make_sessions(engine)
    engine.dispose()
    if backend == "postgres":
        drop_postgres_database(url)


def test_the_claim_is_committed_before_the_mailbox_is_reached(
    committed: sessionmaker[Session],
) -> None:
    team = f"TF{token_hex(5)}"
    seen: list[tuple[DraftStatus, str | None]] = []

    class Watching(Mailbox):
        def send(self, draft: Draft) -> str:
            with committed() as other:  # another connection: committed rows only
                row = other.get(Draft, draft.draft_id)
                assert row is not None
                seen.append((row.status, row.sent_by))
            return super().send(draft)

    mailbox = Watching()
    lead_id = dana(committed, auto_send=True, team=team)
    asked = ask(committed, lead_id, mailbox.sender_for, team=team)
    assert asked.auto_sent
    assert seen == [(DraftStatus.sent, "system:auto_send")]

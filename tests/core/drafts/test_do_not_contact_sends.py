"""No draft to a contact marked do not contact is drafted, approved, marked sent or delivered.

The flow tests drive `core.drafts.flows` as the bot does; the race tests run on Postgres with
real threads and connections of their own: once the flag is committed, the mailbox is never
reached for that contact, whatever the send was doing when the flag was set.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from secrets import token_hex
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

import core.drafts.flows
from core.common.enums import DraftStatus
from core.contacts.do_not_contact import set_do_not_contact
from core.drafts.compose import draft_follow_up
from core.drafts.flows import approve_and_send, request_follow_up
from core.drafts.sending import mark_draft_sent
from core.errors import DoNotContact, InvalidInput
from core.models import Draft, Workspace
from core.platform.db import make_engine, make_sessions
from core.workspaces.service import WorkspaceDefaults, ensure_workspace, get_workspace
from tests.conftest import OWNER, STAFF, drop_postgres_database, migrated_database_url
from tests.core.factories import audit_trail, make_contact, make_lead

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
REASON = "moved away"


class Mailbox:
    """Records what it sends."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, draft: Draft) -> str:
        self.sent.append(draft.draft_id)
        return f"msg-{len(self.sent)}"

    def sender_for(self, workspace: Workspace) -> Mailbox:
        return self


def setup(
    sessions: sessionmaker[Session], team: str, *, auto_send: bool = False, email: bool = True
) -> tuple[str, str]:
    """Dana's contact and lead in a workspace of one owner."""
    with sessions.begin() as session:
        workspace = ensure_workspace(session, team, WorkspaceDefaults(owner_ids=[OWNER]))
        workspace.auto_send = auto_send
        emails = ["dana@example.com"] if email else []
        dana = make_contact(session, team, phones=["+15552013344"], emails=emails)
        return dana.contact_id, make_lead(session, team, dana).lead_id


def draft_for(sessions: sessionmaker[Session], team: str, lead_id: str, **kw: Any) -> str:
    with sessions.begin() as session:
        workspace = get_workspace(session, team)
        made = draft_follow_up(
            session=session, workspace=workspace, actor=STAFF, lead_id=lead_id, now=NOW, **kw
        )
        return made.draft.draft_id


def mark(sessions: sessionmaker[Session], team: str, contact_id: str) -> None:
    with sessions.begin() as session:
        workspace = get_workspace(session, team)
        set_do_not_contact(
            session, workspace=workspace, contact_id=contact_id, actor=STAFF, reason=REASON
        )


def approve(sessions: sessionmaker[Session], team: str, draft_id: str, mailbox: Mailbox) -> Any:
    return approve_and_send(
        sessions=sessions,
        workspace_id=team,
        actor=OWNER,
        draft_id=draft_id,
        version=1,
        sender_for=mailbox.sender_for,
        now=NOW,
    )


def status(sessions: sessionmaker[Session], draft_id: str) -> tuple[DraftStatus, str | None]:
    with sessions() as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None
        return draft.status, draft.error


def test_approve_is_refused_with_the_reason_and_nothing_is_sent(
    sessions: sessionmaker[Session],
) -> None:
    mailbox = Mailbox()
    contact_id, lead_id = setup(sessions, "TDNC1")
    draft_id = draft_for(sessions, "TDNC1", lead_id)
    mark(sessions, "TDNC1", contact_id)

    with pytest.raises(DoNotContact) as refused:
        approve(sessions, "TDNC1", draft_id, mailbox)
    assert refused.value.message == (
        "Dana Smith is marked do not contact (moved away), so nothing can be sent to them. "
        "An owner can clear it on their contact card."
    )
    assert mailbox.sent == []
    assert status(sessions, draft_id) == (DraftStatus.pending_approval, None)


def test_drafting_for_them_is_refused(sessions: sessionmaker[Session]) -> None:
    mailbox = Mailbox()
    contact_id, lead_id = setup(sessions, "TDNC2", auto_send=True)
    mark(sessions, "TDNC2", contact_id)
    with pytest.raises(DoNotContact, match="Dana Smith is marked do not contact"):
        request_follow_up(
            sessions=sessions,
            workspace_id="TDNC2",
            actor=STAFF,
            lead_id=lead_id,
            sender_for=mailbox.sender_for,
            now=NOW,
        )
    assert mailbox.sent == []
    with sessions() as session:
        assert session.query(Draft).filter_by(workspace_id="TDNC2").count() == 0


def test_a_text_approved_before_the_flag_cannot_be_marked_sent(
    sessions: sessionmaker[Session],
) -> None:
    contact_id, lead_id = setup(sessions, "TDNC3")
    draft_id = draft_for(sessions, "TDNC3", lead_id, channel="sms")
    approved = approve(sessions, "TDNC3", draft_id, Mailbox())  # a text: sent by hand
    assert approved.approval.draft.status == DraftStatus.approved
    mark(sessions, "TDNC3", contact_id)

    with pytest.raises(DoNotContact), sessions.begin() as session:
        mark_draft_sent(
            session=session,
            workspace=get_workspace(session, "TDNC3"),
            actor=OWNER,
            draft_id=draft_id,
            now=NOW,
        )
    assert status(sessions, draft_id) == (DraftStatus.approved, None)


def test_a_flag_committed_between_the_claim_and_the_delivery_stops_the_send(
    sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox = Mailbox()
    contact_id, lead_id = setup(sessions, "TDNC4")
    draft_id = draft_for(sessions, "TDNC4", lead_id)
    deliver = core.drafts.flows.deliver_claimed_draft

    def flag_first(**kwargs: Any) -> Any:
        mark(sessions, "TDNC4", contact_id)  # committed after the claim, before delivery
        return deliver(**kwargs)

    monkeypatch.setattr(core.drafts.flows, "deliver_claimed_draft", flag_first)
    approved = approve(sessions, "TDNC4", draft_id, mailbox)

    assert mailbox.sent == []
    assert approved.delivered is not None and approved.delivered.failed
    assert (
        approved.delivered.error is not None and "marked do not contact" in approved.delivered.error
    )
    assert status(sessions, draft_id)[0] == DraftStatus.failed
    with sessions() as session:
        assert audit_trail(session, draft_id)[-1] == (OWNER, "send_refused")


def test_a_contact_with_no_email_cannot_be_emailed(sessions: sessionmaker[Session]) -> None:
    _, lead_id = setup(sessions, "TDNC5", email=False)
    with pytest.raises(InvalidInput, match="Dana Smith has no email address on file"):
        draft_for(sessions, "TDNC5", lead_id, channel="email")
    # Asked for no channel, the follow-up is a text to the phone on file, never an email.
    draft_id = draft_for(sessions, "TDNC5", lead_id)
    with sessions() as session:
        draft = session.get(Draft, draft_id)
        assert draft is not None and (draft.channel.value, draft.recipient) == (
            "sms",
            "+15552013344",
        )


# --- races, on Postgres -----------------------------------------------------------------------


@pytest.fixture
def committed(backend: str, tmp_path: Any) -> Iterator[sessionmaker[Session]]:
    """A database of its own whose rows are really committed (Postgres only: SQLite
    serializes writers on one database-wide lock, so nothing can race there)."""
    if backend == "sqlite":
        pytest.skip("SQLite serializes writers; the race is proven on Postgres")
    url = migrated_database_url(backend, tmp_path, f"dnc_{os.getpid()}_{token_hex(3)}")
    engine: Engine = make_engine(url, pool_size=6)
    yield make_sessions(engine)
    engine.dispose()
    drop_postgres_database(url)


def flag_committed(sessions: sessionmaker[Session], contact_id: str) -> bool:
    """Read on a connection of its own: only what was really committed."""
    with sessions() as session:
        return bool(
            session.scalar(
                text("SELECT do_not_contact FROM contacts WHERE contact_id = :id"),
                {"id": contact_id},
            )
        )


class Checking(Mailbox):
    """A mailbox that notes every send made while the flag was already committed."""

    def __init__(self, sessions: sessionmaker[Session], contact_id: str) -> None:
        super().__init__()
        self.sessions, self.contact_id = sessions, contact_id
        self.after_flag: list[str] = []

    def send(self, draft: Draft) -> str:
        if flag_committed(self.sessions, self.contact_id):
            self.after_flag.append(draft.draft_id)
        return super().send(draft)


def test_a_flag_set_while_the_mailbox_is_reached_waits_for_that_send(
    committed: sessionmaker[Session],
) -> None:
    """The flag is set by another thread at the moment of sending: it waits for the send's
    transaction, so it commits after the send and nothing is sent once it has."""
    team = f"TD{token_hex(4)}"
    contact_id, lead_id = setup(committed, team)
    draft_id = draft_for(committed, team, lead_id)
    marker: dict[str, Any] = {}
    started = threading.Event()

    def mark_now() -> None:
        with committed.begin() as session:
            marker["pid"] = session.scalar(text("SELECT pg_backend_pid()"))
            started.set()
            set_do_not_contact(
                session, workspace=get_workspace(session, team), contact_id=contact_id, actor=STAFF
            )

    class MarkingWhileSending(Checking):
        def send(self, draft: Draft) -> str:
            thread = threading.Thread(target=mark_now)
            thread.start()
            marker["thread"] = thread
            assert started.wait(timeout=30)
            waiting_or_done(committed, marker)  # the marker blocked on our lock, or finished
            return super().send(draft)

    mailbox = MarkingWhileSending(committed, contact_id)
    approved = approve(committed, team, draft_id, mailbox)
    marker["thread"].join(timeout=30)

    assert approved.delivered is not None and approved.delivered.sent
    assert mailbox.after_flag == []  # the flag had not committed while the mailbox was reached
    assert flag_committed(committed, contact_id)  # and it did commit, after the send
    with pytest.raises(DoNotContact):
        draft_for(committed, team, lead_id)


def waiting_or_done(sessions: sessionmaker[Session], marker: dict[str, Any]) -> None:
    """Until the marker's connection waits on a lock or its thread has finished."""
    for _ in range(3000):
        if not marker["thread"].is_alive():
            return
        with sessions() as session:
            waiting = session.scalar(
                text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": marker["pid"]},
            )
        if waiting:
            return
        threading.Event().wait(0.01)
    raise AssertionError("the marking thread neither finished nor waited on a lock")


def race_once(committed: sessionmaker[Session]) -> None:
    """Approve and the flag released together; check what came of it."""
    team = f"TD{token_hex(4)}"
    contact_id, lead_id = setup(committed, team)
    draft_id = draft_for(committed, team, lead_id)
    mailbox = Checking(committed, contact_id)
    go = threading.Barrier(2)
    errors: list[BaseException] = []

    def approving() -> None:
        go.wait(timeout=30)
        try:
            approve(committed, team, draft_id, mailbox)
        except DoNotContact as refused:
            errors.append(refused)

    def marking() -> None:
        go.wait(timeout=30)
        mark(committed, team, contact_id)

    threads = [threading.Thread(target=approving), threading.Thread(target=marking)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert mailbox.after_flag == []
    draft_status, error = status(committed, draft_id)
    if mailbox.sent:
        assert draft_status == DraftStatus.sent and not errors
    elif errors:
        assert draft_status == DraftStatus.pending_approval
    else:  # claimed, then refused at delivery
        assert draft_status == DraftStatus.failed and "do not contact" in (error or "")
    assert flag_committed(committed, contact_id)


def test_approve_racing_the_flag_never_sends_after_the_flag_commits(
    committed: sessionmaker[Session],
) -> None:
    """Whichever wins, no send is made once the flag is committed, and a send refused is
    recorded on the draft with the reason."""
    for _ in range(5):
        race_once(committed)

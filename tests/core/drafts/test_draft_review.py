"""Hard stop 1: no message reaches a customer without owner review, and none is sent twice.

Approve, edit and discard are owner-only and bound to the version the owner read; sending is
a claim (committed) and then one delivery, so clicks, retries, racing processes and a crash
between the two never send a draft twice.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from secrets import token_hex
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from core.common.enums import DraftStatus, InteractionType
from core.drafts.compose import draft_follow_up
from core.drafts.review import (
    approve_draft,
    discard_draft,
    edit_draft,
    get_draft,
    pending_drafts,
    record_review_messages,
)
from core.drafts.sending import (
    AUTO_SEND_ACTOR,
    SendClaim,
    SendOutcome,
    claim_draft_for_sending,
    deliver_claimed_draft,
    mark_draft_sent,
)
from core.errors import (
    ApprovalRequired,
    CRMError,
    InvalidInput,
    InvalidTransition,
    NotAnOwner,
    NotFound,
)
from core.models import Draft, Interaction, Workspace
from core.platform.db import make_engine, make_sessions
from core.ports import DraftSender
from core.workspaces.service import (
    WorkspaceDefaults,
    ensure_workspace,
    get_workspace,
    update_settings,
)
from tests.conftest import (
    OWNER,
    STAFF,
    TEAM,
    drop_postgres_database,
    migrated_database_url,
)
from tests.core.factories import audit_trail, count_statements, make_contact, make_lead

# Wednesday 2026-11-25, 10:00 in New York; Thursday the 26th is Thanksgiving.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
EARLIER = datetime(2026, 11, 1, 15, 0, tzinfo=UTC)

INQUIRY_FRIDAY = (
    "Hi Dana, just checking in after your call about leaky faucet at 123 Main. I'd love to set "
    "up a quick visit to take a look and give you a firm price. Are you available Friday, "
    "November 27 at 10am?"
)


class RecordingSender:
    """A stand-in mailbox that remembers every draft it was asked to send."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.calls: list[tuple[str, int, str]] = []
        self.fail_with = fail_with

    def send(self, draft: Draft) -> str:
        self.calls.append((draft.draft_id, draft.version, draft.body))
        if self.fail_with is not None:
            raise self.fail_with
        return f"msg-{len(self.calls)}"


def workspace(session: Session, team: str = TEAM) -> Workspace:
    return get_workspace(session, team)


def new_draft(session: Session, team: str = TEAM, **kwargs: Any) -> Draft:
    """An inquiry follow-up to Dana (phone and email on file), asked for by staff."""
    dana = make_contact(
        session, team, phones=["+15552013344"], emails=["dana@example.com"], created_at=EARLIER
    )
    lead = make_lead(session, team, dana, created_at=EARLIER)
    result = draft_follow_up(
        session=session,
        workspace=workspace(session, team),
        actor=STAFF,
        lead_id=lead.lead_id,
        now=NOW,
        **kwargs,
    )
    return result.draft


def approve(
    session: Session, draft_id: str, version: int = 1, *, actor: str = OWNER, now: datetime = NOW
) -> Draft:
    return approve_draft(
        session=session,
        workspace=workspace(session),
        actor=actor,
        draft_id=draft_id,
        version=version,
        now=now,
    )


def edit(
    session: Session, draft_id: str, body: str, *, subject: str | None = None, actor: str = OWNER
) -> Draft:
    return edit_draft(
        session=session,
        workspace=workspace(session),
        actor=actor,
        draft_id=draft_id,
        body=body,
        subject=subject,
        now=NOW,
    )


def discard(session: Session, draft_id: str, *, actor: str = OWNER) -> Draft:
    return discard_draft(
        session=session, workspace=workspace(session), actor=actor, draft_id=draft_id, now=NOW
    )


def claim(session: Session, draft_id: str, *, actor: str = OWNER, now: datetime = NOW) -> SendClaim:
    return claim_draft_for_sending(
        session=session, workspace=workspace(session), actor=actor, draft_id=draft_id, now=now
    )


def send(
    session: Session,
    draft_id: str,
    sender: DraftSender,
    *,
    actor: str = OWNER,
    now: datetime = NOW,
) -> SendOutcome:
    """Claim, then deliver: the bot commits in between (see the crash test); one session here."""
    taken = claim(session, draft_id, actor=actor, now=now)
    if not taken.claimed:
        return SendOutcome(draft=taken.draft, already_sent=True)
    return deliver_claimed_draft(
        session=session,
        workspace=workspace(session),
        actor=actor,
        claim=taken,
        sender=sender,
        now=now,
    )


def mark_sent(session: Session, draft_id: str, *, actor: str = OWNER) -> SendOutcome:
    return mark_draft_sent(
        session=session, workspace=workspace(session), actor=actor, draft_id=draft_id, now=NOW
    )


def outbound_count(session: Session, lead_id: str | None) -> int:
    return session.execute(
        select(func.count())
        .select_from(Interaction)
        .where(
            Interaction.lead_id == lead_id,
            Interaction.type.in_([InteractionType.email_outbound, InteractionType.sms]),
        )
    ).scalar_one()


# --- hard stop 1: approval ------------------------------------------------------------------


def test_staff_cannot_approve_edit_or_discard(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    ws = workspace(session)
    with pytest.raises(NotAnOwner):
        approve(session, draft.draft_id, 1, actor=STAFF)
    with pytest.raises(NotAnOwner):
        edit(session, draft.draft_id, "Hi", actor=STAFF)
    with pytest.raises(NotAnOwner):
        discard(session, draft.draft_id, actor=STAFF)
    again = get_draft(session, workspace=ws, draft_id=draft.draft_id)
    assert (again.status, again.version, again.approved_by, again.body) == (
        DraftStatus.pending_approval,
        1,
        None,
        INQUIRY_FRIDAY,
    )
    assert audit_trail(session, draft.draft_id) == [(STAFF, "draft_follow_up")]


def test_send_before_approval_never_reaches_the_sender(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    sender = RecordingSender()
    with pytest.raises(ApprovalRequired):
        send(session, draft.draft_id, sender)
    with pytest.raises(ApprovalRequired):
        mark_sent(session, draft.draft_id)
    assert sender.calls == []
    assert get_draft(session, workspace=workspace(session), draft_id=draft.draft_id).status == (
        DraftStatus.pending_approval
    )
    assert outbound_count(session, draft.lead_id) == 0


def test_an_edit_after_approval_needs_a_new_approval(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    ws = workspace(session)
    sender = RecordingSender()
    approve(session, draft.draft_id)
    edited = edit_draft(
        session=session,
        workspace=ws,
        actor=OWNER,
        draft_id=draft.draft_id,
        body="Hi Dana, how about Monday?",
        subject="Visit",
        now=NOW,
    )
    assert (edited.version, edited.status, edited.approved_by, edited.approved_version) == (
        2,
        DraftStatus.pending_approval,
        None,
        None,
    )
    with pytest.raises(ApprovalRequired):
        send(session, draft.draft_id, sender)
    # The Approve button the owner saw before the edit still says version 1.
    with pytest.raises(ApprovalRequired) as stale:
        approve(session, draft.draft_id)
    assert stale.value.message == "The draft changed since you saw it; review the new version."
    assert get_draft(session, workspace=ws, draft_id=draft.draft_id).status == (
        DraftStatus.pending_approval
    )
    assert sender.calls == []
    approve(session, draft.draft_id, 2)
    outcome = send(session, draft.draft_id, sender)
    assert outcome.sent
    assert sender.calls == [(draft.draft_id, 2, "Hi Dana, how about Monday?")]


def test_double_approve_and_double_send_send_once(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    sender = RecordingSender()
    later = NOW + timedelta(minutes=5)
    first = approve(session, draft.draft_id)
    second = approve(session, draft.draft_id, 1, actor=OWNER, now=later)
    assert (second.status, second.approved_by, second.approved_at, second.approved_version) == (
        DraftStatus.approved,
        OWNER,
        NOW,
        1,
    )
    assert first is second
    one = send(session, draft.draft_id, sender, actor=OWNER, now=later)
    two = send(session, draft.draft_id, sender, actor=OWNER, now=later)
    assert (one.sent, one.already_sent, two.sent, two.already_sent) == (True, False, False, True)
    assert len(sender.calls) == 1
    assert outbound_count(session, draft.lead_id) == 1
    assert (one.draft.sent_message_id, one.draft.sent_at, one.draft.sent_by) == (
        "msg-1",
        later,
        OWNER,
    )
    interaction = one.interaction
    assert interaction is not None
    assert (interaction.type, interaction.body, interaction.subject, interaction.timestamp) == (
        InteractionType.email_outbound,
        INQUIRY_FRIDAY,
        "Following up: Leaky faucet at 123 Main",
        later,
    )
    assert (interaction.contact_id, interaction.lead_id) == (draft.contact_id, draft.lead_id)
    assert audit_trail(session, draft.draft_id) == [
        (STAFF, "draft_follow_up"),
        (OWNER, "approve_draft"),
        (OWNER, "claim_draft_for_sending"),
        (OWNER, "send_draft"),
    ]


def test_approving_sent_or_discarded_drafts_is_refused(session: Session, workspace_id: str) -> None:
    ws = workspace(session)
    draft = new_draft(session)
    discard(session, draft.draft_id)
    with pytest.raises(InvalidTransition):
        approve(session, draft.draft_id)
    with pytest.raises(InvalidTransition):
        send(session, draft.draft_id, RecordingSender())
    with pytest.raises(InvalidTransition):
        edit(session, draft.draft_id, "x")
    kept = get_draft(session, workspace=ws, draft_id=draft.draft_id)
    assert kept.status == DraftStatus.discarded  # kept, never deleted

    sent = new_draft(session)
    approve(session, sent.draft_id)
    send(session, sent.draft_id, RecordingSender())
    with pytest.raises(InvalidTransition):
        approve(session, sent.draft_id)
    with pytest.raises(InvalidTransition):
        discard(session, sent.draft_id)
    with pytest.raises(InvalidTransition):
        edit(session, sent.draft_id, "x")
    assert get_draft(session, workspace=ws, draft_id=sent.draft_id).status == DraftStatus.sent


@pytest.mark.parametrize(
    ("body", "subject", "field"),
    [
        ("", None, "body"),
        ("   ", None, "body"),
        ("x" * 10001, None, "body"),
        ("ok", "s" * 501, "subject"),
    ],
)
def test_bad_edits_change_nothing(
    session: Session, workspace_id: str, body: str, subject: str | None, field: str
) -> None:
    draft = new_draft(session)
    ws = workspace(session)
    approve(session, draft.draft_id)
    with pytest.raises(InvalidInput) as error:
        edit(session, draft.draft_id, body, subject=subject)
    assert error.value.field == field
    again = get_draft(session, workspace=ws, draft_id=draft.draft_id)
    assert (again.version, again.status, again.body) == (1, DraftStatus.approved, INQUIRY_FRIDAY)


def test_ten_thousand_characters_with_emoji_is_a_valid_edit(
    session: Session, workspace_id: str
) -> None:
    draft = new_draft(session)
    body = 'Hi Dana 😀 "quoted" it\'s ' + "x" * (10000 - 24)
    assert len(body) == 10000
    edited = edit(session, draft.draft_id, body)
    session.expire_all()
    assert get_draft(session, workspace=workspace(session), draft_id=draft.draft_id).body == body
    assert edited.version == 2


def test_a_failed_send_is_recorded_and_needs_a_fresh_approval(
    session: Session, workspace_id: str
) -> None:
    draft = new_draft(session)
    ws = workspace(session)
    failing = RecordingSender(fail_with=CRMError("Gmail says the mailbox is over quota."))
    approve(session, draft.draft_id)
    outcome = send(session, draft.draft_id, failing)
    assert (outcome.failed, outcome.sent, outcome.error) == (
        True,
        False,
        "Gmail says the mailbox is over quota.",
    )
    stored = get_draft(session, workspace=ws, draft_id=draft.draft_id)
    assert (stored.status, stored.error, stored.sent_at) == (
        DraftStatus.failed,
        "Gmail says the mailbox is over quota.",
        None,
    )
    assert outbound_count(session, draft.lead_id) == 0
    retry = RecordingSender()
    with pytest.raises(ApprovalRequired):
        send(session, draft.draft_id, retry)
    approve(session, draft.draft_id)
    assert send(session, draft.draft_id, retry).sent
    assert len(retry.calls) == 1 and len(failing.calls) == 1
    assert [action for _, action in audit_trail(session, draft.draft_id)] == [
        "draft_follow_up",
        "approve_draft",
        "claim_draft_for_sending",
        "send_failed",
        "approve_draft",
        "claim_draft_for_sending",
        "send_draft",
    ]


def test_an_unexpected_sender_error_is_recorded_too(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    approve(session, draft.draft_id)
    outcome = send(session, draft.draft_id, RecordingSender(fail_with=TimeoutError("timed out")))
    assert outcome.error == "timed out"
    assert outcome.draft.status == DraftStatus.failed


def test_phone_drafts_are_marked_sent_by_hand(session: Session, workspace_id: str) -> None:
    draft = new_draft(session, channel="phone")
    approve(session, draft.draft_id)
    sender = RecordingSender()
    with pytest.raises(InvalidTransition):
        send(session, draft.draft_id, sender)
    one = mark_sent(session, draft.draft_id)
    two = mark_sent(session, draft.draft_id)
    assert (one.sent, two.already_sent, sender.calls) == (True, True, [])
    assert one.interaction is not None and one.interaction.type == InteractionType.phone_call
    calls = session.scalar(
        select(func.count()).select_from(Interaction).where(Interaction.lead_id == draft.lead_id)
    )
    assert calls == 1


def test_sms_marked_sent_logs_an_sms(session: Session, workspace_id: str) -> None:
    draft = new_draft(session, channel="sms")
    approve(session, draft.draft_id)
    outcome = mark_sent(session, draft.draft_id, actor=STAFF)
    assert outcome.interaction is not None
    assert (outcome.interaction.type, outcome.interaction.body, outcome.draft.status) == (
        InteractionType.sms,
        INQUIRY_FRIDAY,
        DraftStatus.sent,
    )


# --- auto-send ------------------------------------------------------------------------------


def test_auto_send_is_off_and_only_an_owner_can_turn_it_on(
    session: Session, workspace_id: str
) -> None:
    ws = workspace(session)
    assert ws.auto_send is False
    assert new_draft_result_needs_review(session)
    with pytest.raises(NotAnOwner):
        update_settings(session=session, workspace=ws, actor=STAFF, changes={"auto_send": True})
    session.expire_all()
    assert workspace(session).auto_send is False


def new_draft_result_needs_review(session: Session) -> bool:
    lead = make_lead(session, TEAM, make_contact(session, TEAM, emails=["dana@example.com"]))
    return draft_follow_up(
        session=session, workspace=workspace(session), actor=STAFF, lead_id=lead.lead_id, now=NOW
    ).needs_owner_review


def test_with_auto_send_on_an_unapproved_draft_is_sent_once(
    session: Session, workspace_id: str
) -> None:
    ws = workspace(session)
    update_settings(session=session, workspace=ws, actor=OWNER, changes={"auto_send": True})
    assert new_draft_result_needs_review(session) is False
    draft = new_draft(session)
    sender = RecordingSender()
    one = send(session, draft.draft_id, sender, actor="system:jobs")
    two = send(session, draft.draft_id, sender, actor="system:jobs")
    assert (one.sent, two.already_sent, len(sender.calls)) == (True, True, 1)
    assert (one.draft.approved_by, one.draft.approved_version) == (AUTO_SEND_ACTOR, 1)
    assert audit_trail(session, draft.draft_id) == [
        (STAFF, "draft_follow_up"),
        ("system:auto_send", "approve_draft"),
        ("system:jobs", "claim_draft_for_sending"),
        ("system:jobs", "send_draft"),
    ]
    assert outbound_count(session, draft.lead_id) == 1


def test_auto_send_does_not_revive_a_discarded_draft(session: Session, workspace_id: str) -> None:
    ws = workspace(session)
    update_settings(session=session, workspace=ws, actor=OWNER, changes={"auto_send": True})
    draft = new_draft(session)
    discard(session, draft.draft_id)
    sender = RecordingSender()
    with pytest.raises(InvalidTransition):
        send(session, draft.draft_id, sender)
    assert sender.calls == []


# --- exactly once under races ---------------------------------------------------------------


def test_a_claim_lost_between_read_and_update_does_not_send(
    session: Session, workspace_id: str
) -> None:
    """Another process sends the draft after we read it: our conditional UPDATE changes 0 rows."""
    draft = new_draft(session)
    approve(session, draft.draft_id)
    connection = session.connection()
    raced: list[str] = []

    def other_process_claims_first(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if not raced and statement.lstrip().upper().startswith("UPDATE DRAFTS"):
            raced.append(statement)
            rival = cursor.connection.cursor()
            rival.execute(f"UPDATE drafts SET status = 'sent' WHERE draft_id = '{draft.draft_id}'")
            rival.close()

    event.listen(connection, "before_cursor_execute", other_process_claims_first)
    sender = RecordingSender()
    try:
        outcome = send(session, draft.draft_id, sender)
    finally:
        event.remove(connection, "before_cursor_execute", other_process_claims_first)
    assert raced and "status" in raced[0]
    assert (outcome.already_sent, outcome.sent, sender.calls) == (True, False, [])
    assert outbound_count(session, draft.lead_id) == 0


def test_a_claim_lost_to_an_edit_asks_for_review(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    approve(session, draft.draft_id)
    connection = session.connection()
    done: list[bool] = []

    def owner_edits_meanwhile(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if not done and statement.lstrip().upper().startswith("UPDATE DRAFTS"):
            done.append(True)
            rival = cursor.connection.cursor()
            rival.execute(
                "UPDATE drafts SET version = 2, status = 'pending_approval' "
                f"WHERE draft_id = '{draft.draft_id}'"
            )
            rival.close()

    event.listen(connection, "before_cursor_execute", owner_edits_meanwhile)
    sender = RecordingSender()
    try:
        with pytest.raises(ApprovalRequired):
            send(session, draft.draft_id, sender)
    finally:
        event.remove(connection, "before_cursor_execute", owner_edits_meanwhile)
    assert sender.calls == []


# --- at most once across a crash ------------------------------------------------------------


class ProcessDied(BaseException):
    """Stands for the process dying: nothing after it runs and its open transaction is lost."""


@pytest.mark.parametrize("dies", ["before delivering", "after the provider took it"])
def test_a_crash_between_claim_and_delivery_never_sends_twice(
    sessions: sessionmaker[Session], workspace_id: str, dies: str
) -> None:
    with sessions.begin() as session:
        draft_id = new_draft(session).draft_id
        approve(session, draft_id)
    sender = RecordingSender()
    with sessions.begin() as session:  # transaction 1: the claim commits
        taken = claim(session, draft_id)
    assert taken.claimed
    with pytest.raises(ProcessDied), sessions.begin() as session:  # transaction 2 never commits
        if dies == "after the provider took it":
            delivered = deliver_claimed_draft(
                session=session,
                workspace=workspace(session),
                actor=OWNER,
                claim=taken,
                sender=sender,
                now=NOW,
            )
            assert delivered.sent
        raise ProcessDied
    reached = len(sender.calls)
    assert reached == (1 if dies == "after the provider took it" else 0)

    # The restarted process, a second click, a retrying job: every way to send it again.
    with sessions.begin() as session:
        assert claim(session, draft_id).already_sent
        assert send(session, draft_id, sender).already_sent
        assert mark_sent(session, draft_id).already_sent
        with pytest.raises(InvalidTransition):
            approve(session, draft_id)
        with pytest.raises(InvalidTransition):
            edit(session, draft_id, "Hi again")
        with pytest.raises(InvalidTransition):
            discard(session, draft_id)
        stored = get_draft(session, workspace=workspace(session), draft_id=draft_id)
        # Sent as far as anyone can tell, with no provider id and no outbound interaction:
        # the delivery was never recorded, and the draft is never handed over again.
        assert (stored.status, stored.sent_by, stored.sent_message_id) == (
            DraftStatus.sent,
            OWNER,
            None,
        )
        assert outbound_count(session, stored.lead_id) == 0
        assert [action for _, action in audit_trail(session, draft_id)] == [
            "draft_follow_up",
            "approve_draft",
            "claim_draft_for_sending",
        ]
    assert len(sender.calls) == reached


def test_a_claim_is_delivered_once_and_only_a_claim(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    ws = workspace(session)
    approve(session, draft.draft_id)
    failing = RecordingSender(fail_with=CRMError("Mailbox over quota."))
    first = claim(session, draft.draft_id)
    assert deliver_claimed_draft(
        session=session, workspace=ws, actor=OWNER, claim=first, sender=failing, now=NOW
    ).failed
    later = NOW + timedelta(minutes=10)
    approve(session, draft.draft_id, now=later)
    second = claim(session, draft.draft_id, now=later)
    sender = RecordingSender()

    def deliver(taken: SendClaim) -> SendOutcome:
        return deliver_claimed_draft(
            session=session, workspace=ws, actor=OWNER, claim=taken, sender=sender, now=later
        )

    with pytest.raises(InvalidTransition):  # the failed attempt's claim is not this one
        deliver(first)
    assert deliver(second).sent
    with pytest.raises(InvalidTransition):  # delivered: not again
        deliver(second)
    with pytest.raises(InvalidTransition):  # not a claim at all
        deliver(SendClaim(draft=second.draft, already_sent=True))
    assert (len(failing.calls), len(sender.calls)) == (1, 1)


# --- at most once under races ---------------------------------------------------------------


@pytest.fixture
def private_engine(backend: str, tmp_path: Any) -> Iterator[Engine]:
    """A database of its own, so rows this test really commits are never seen by others."""
    url = migrated_database_url(backend, tmp_path, f"drafts_race_{os.getpid()}_{token_hex(3)}")
    engine = make_engine(url)
    yield engine
    engine.dispose()
    if backend == "postgres":
        drop_postgres_database(url)


def _committed_approved_draft(sessions: sessionmaker[Session]) -> tuple[str, str, str]:
    """Rows committed for real (permanent tables can't be cleaned up: the database is dropped)."""
    team = f"TC{token_hex(6)}"
    with sessions.begin() as session:
        ensure_workspace(session, team, WorkspaceDefaults(owner_ids=[OWNER]))
        draft = new_draft(session, team)
        approve_draft(
            session=session,
            workspace=workspace(session, team),
            actor=OWNER,
            draft_id=draft.draft_id,
            version=1,
            now=NOW,
        )
        return team, draft.draft_id, str(draft.lead_id)


def _claim_committed(
    sessions: sessionmaker[Session],
    team: str,
    draft_id: str,
    *,
    claimed: threading.Event | None = None,
    hold: threading.Event | None = None,
) -> SendClaim:
    """Claim in a transaction of its own; with `hold`, keep it open (the row locked) until set."""
    with sessions.begin() as session:
        taken = claim_draft_for_sending(
            session=session,
            workspace=workspace(session, team),
            actor=OWNER,
            draft_id=draft_id,
            now=NOW,
        )
        if claimed is not None:
            claimed.set()
        if hold is not None:
            assert hold.wait(timeout=20)
    return taken


def test_two_connections_claiming_at_once_send_once(private_engine: Engine) -> None:
    """Two transactions on two connections race to claim one approved, committed draft.

    On Postgres they run in two threads: the second one's claim UPDATE waits on the row lock
    the first holds until it commits, then finds the draft sent and changes 0 rows. SQLite has
    one writer at a time (a second writer with a stale snapshot gets SQLITE_BUSY), so there the
    second transaction simply runs after the first committed.
    """
    engine = private_engine
    sessions = make_sessions(engine)
    team, draft_id, lead_id = _committed_approved_draft(sessions)
    claims: list[SendClaim] = []
    if engine.dialect.name != "postgresql":
        claims = [_claim_committed(sessions, team, draft_id) for _ in range(2)]
    else:
        errors: list[BaseException] = []
        first_claimed, release = threading.Event(), threading.Event()

        def run(**waits: threading.Event) -> None:
            try:
                claims.append(_claim_committed(sessions, team, draft_id, **waits))
            except BaseException as error:  # surfaced by the asserts below
                errors.append(error)

        first = threading.Thread(target=run, kwargs={"claimed": first_claimed, "hold": release})
        first.start()
        assert first_claimed.wait(timeout=20)
        second = threading.Thread(target=run)
        second.start()
        _wait_until_a_backend_waits_on_a_lock(engine)
        release.set()
        first.join(timeout=30)
        second.join(timeout=30)
        assert errors == []
    assert sorted((c.claimed, c.already_sent) for c in claims) == [(False, True), (True, False)]
    [winner] = [c for c in claims if c.claimed]
    sender = RecordingSender()
    with sessions.begin() as session:
        outcome = deliver_claimed_draft(
            session=session,
            workspace=workspace(session, team),
            actor=OWNER,
            claim=winner,
            sender=sender,
            now=NOW,
        )
    assert outcome.sent and len(sender.calls) == 1
    with sessions() as session:
        assert outbound_count(session, lead_id) == 1


def _wait_until_a_backend_waits_on_a_lock(engine: Engine) -> None:
    deadline = time.monotonic() + 20
    with engine.connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            watcher.rollback()
            if waiting:
                return
            time.sleep(0.02)
    raise AssertionError("the second claimer never waited on the first one's row lock")


# --- who sent it, and where the review copies are -------------------------------------------


def test_mark_sent_records_who_sent_it(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    approve(session, draft.draft_id)
    assert draft.sent_by is None
    first = mark_sent(session, draft.draft_id, actor=STAFF)
    later = NOW + timedelta(minutes=5)
    again = mark_draft_sent(
        session=session,
        workspace=workspace(session),
        actor=OWNER,
        draft_id=draft.draft_id,
        now=later,
    )
    assert (first.sent, first.draft.sent_by, first.draft.sent_at) == (True, STAFF, NOW)
    assert (again.already_sent, again.draft.sent_by, again.draft.sent_at) == (True, STAFF, NOW)


def test_send_records_the_sender_and_a_failure_clears_it(
    session: Session, workspace_id: str
) -> None:
    draft = new_draft(session)
    approve(session, draft.draft_id)
    failed = send(session, draft.draft_id, RecordingSender(fail_with=RuntimeError("mailbox down")))
    assert failed.failed and (failed.draft.status, failed.draft.sent_by) == (
        DraftStatus.failed,
        None,
    )
    approve(session, draft.draft_id)
    sent = send(session, draft.draft_id, RecordingSender())
    assert (sent.sent, sent.draft.sent_by, sent.draft.sent_message_id) == (True, OWNER, "msg-1")


def test_review_refs_are_kept_and_audited(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    refs = [{"channel": "DU0OWNER", "ts": "1.000100"}, {"channel": "DU2", "ts": "1.000200"}]
    kept = record_review_messages(
        session=session,
        workspace=workspace(session),
        actor=STAFF,
        draft_id=draft.draft_id,
        refs=refs,
        now=NOW,
    )
    assert kept.review_refs == refs
    session.expire_all()
    assert get_draft(
        session, workspace=workspace(session), draft_id=draft.draft_id
    ).review_refs == (refs)
    assert (STAFF, "post_draft_for_review") in audit_trail(session, draft.draft_id)


def test_review_refs_of_another_workspace_are_refused(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    other = ensure_workspace(session, "T0OTHER")
    with pytest.raises(NotFound):
        record_review_messages(
            session=session, workspace=other, actor=OWNER, draft_id=draft.draft_id, refs=[], now=NOW
        )


# --- reading drafts -------------------------------------------------------------------------


def test_pending_drafts_lists_only_drafts_awaiting_review(
    session: Session, workspace_id: str
) -> None:
    ws = workspace(session)
    first = new_draft(session)
    approved = new_draft(session)
    approve(session, approved.draft_id)
    discarded = new_draft(session)
    discard(session, discarded.draft_id)
    last = new_draft(session)
    last.created_at = NOW + timedelta(hours=1)
    session.flush()
    assert [d.draft_id for d in pending_drafts(session, workspace=ws)] == [
        first.draft_id,
        last.draft_id,
    ]


def test_drafts_of_another_workspace_are_not_found(session: Session, workspace_id: str) -> None:
    draft = new_draft(session)
    other = ensure_workspace(session, "T0OTHER", WorkspaceDefaults(owner_ids=[OWNER]))
    with pytest.raises(NotFound):
        get_draft(session, workspace=other, draft_id=draft.draft_id)
    with pytest.raises(NotFound):
        approve_draft(
            session=session,
            workspace=other,
            actor=OWNER,
            draft_id=draft.draft_id,
            version=1,
            now=NOW,
        )
    assert pending_drafts(session, workspace=other) == []


def test_pending_drafts_is_one_statement_however_many(session: Session, workspace_id: str) -> None:
    ws = workspace(session)
    new_draft(session)
    with count_statements(session) as one:
        pending_drafts(session, workspace=ws)
    for _ in range(5):
        new_draft(session)
    with count_statements(session) as six:
        assert len(pending_drafts(session, workspace=ws)) == 6
    assert one.n == six.n == 1

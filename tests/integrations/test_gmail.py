"""Gmail through the real client library (built from its shipped discovery document) over HTTP
against a local stand-in of the Gmail API and Google's token endpoint."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from cli.gmail import MailNotices
from cli.main import main
from core.common.enums import (
    DraftChannel,
    DraftStatus,
    FollowUpStatus,
    InteractionType,
    LeadSource,
    MailboxStatus,
)
from core.drafts.flows import approve_and_send
from core.errors import NotAnOwner
from core.mailbox.connection import MailboxSecrets, connect_mailbox, get_mailbox
from core.mailbox.inbound import InboundOutcome
from core.models import (
    Contact,
    Draft,
    Interaction,
    Lead,
    MailboxConnection,
    OutboxItem,
    ProcessedMail,
)
from core.platform.config import Settings, get_settings
from core.platform.token_cipher import TokenCipher
from core.workspaces.service import get_workspace
from integrations.gmail.connect import GmailAdapters
from jobs.mail_sync import sync_all_mailboxes, sync_mailbox
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import make_contact, make_lead
from tests.integrations.gmail_standin import GmailStandIn
from tests.jobs.conftest import CommittedDatabase, committed_db  # noqa: F401 - a fixture

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


@pytest.fixture
def gmail() -> Iterator[GmailStandIn]:
    stand_in = GmailStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def cipher() -> TokenCipher:
    return TokenCipher([Fernet.generate_key().decode()])


@pytest.fixture
def adapters(
    gmail: GmailStandIn, sessions: sessionmaker[Session], cipher: TokenCipher
) -> GmailAdapters:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, crm_google_api_url=gmail.url, crm_google_token_url=gmail.token_url
    )
    return GmailAdapters(settings, sessions=sessions, cipher=cipher)


def secrets_of(gmail: GmailStandIn) -> MailboxSecrets:
    return MailboxSecrets(
        refresh_token=gmail.refresh_token,
        client_id=gmail.client_id,
        client_secret=gmail.client_secret,
    )


@pytest.fixture
def connected(
    sessions: sessionmaker[Session], workspace_id: str, gmail: GmailStandIn, cipher: TokenCipher
) -> str:
    with sessions.begin() as session:
        connect_mailbox(
            session=session,
            workspace=get_workspace(session, TEAM),
            actor=OWNER,
            email_address=gmail.address,
            display_name="PlumbCo Office",
            secrets=secrets_of(gmail),
            cipher=cipher,
            now=NOW,
        )
    return TEAM


class Told:
    """What the owners would be told: new inquiries and pauses, in order."""

    def __init__(self) -> None:
        self.leads: list[str] = []
        self.pauses: list[str] = []

    def lead(self, _session: Session, _workspace: Any, outcome: InboundOutcome) -> None:
        assert outcome.captured is not None
        self.leads.append(outcome.captured.notice_text)

    def paused(self, _session: Session, _workspace: Any, reason: str) -> None:
        self.pauses.append(reason)


def run_pass(sessions: sessionmaker[Session], adapters: GmailAdapters, told: Told) -> str:
    return sync_mailbox(
        sessions=sessions,
        workspace_id=TEAM,
        mailbox_for=adapters.mailbox_for,
        now=lambda: NOW,
        on_lead=told.lead,
        on_paused=told.paused,
    ).describe()


def count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_tokens_are_stored_sealed_and_connecting_is_for_owners(
    sessions: sessionmaker[Session], workspace_id: str, gmail: GmailStandIn, cipher: TokenCipher
) -> None:
    with sessions.begin() as session, pytest.raises(NotAnOwner):
        connect_mailbox(
            session=session,
            workspace=get_workspace(session, TEAM),
            actor=STAFF,
            email_address=gmail.address,
            display_name=None,
            secrets=secrets_of(gmail),
            cipher=cipher,
            now=NOW,
        )
    with sessions.begin() as session:
        connect_mailbox(
            session=session,
            workspace=get_workspace(session, TEAM),
            actor=OWNER,
            email_address=gmail.address,
            display_name=None,
            secrets=secrets_of(gmail),
            cipher=cipher,
            now=NOW,
        )
    with sessions() as session:
        stored = session.get(MailboxConnection, TEAM)
        assert stored is not None
        assert gmail.refresh_token not in stored.refresh_token
        assert cipher.open(stored.refresh_token) == gmail.refresh_token
        audit_text = json.dumps(
            [row.after for row in session.scalars(select(Interaction.__table__.c.interaction_id))]
        )
        assert gmail.refresh_token not in audit_text


def test_first_pass_makes_a_lead_of_an_unknown_sender_and_skips_automated_mail(
    sessions: sessionmaker[Session], connected: str, gmail: GmailStandIn, adapters: GmailAdapters
) -> None:
    gmail.deliver(
        sender="Rita Moreno <Rita.Moreno@example.com>",
        subject="Clogged drain in the basement",
        body="Hi, our basement drain is clogged. Can someone come Thursday? 555-777-0101",
    )
    gmail.deliver(
        sender="Out Of Office <ooo@example.com>",
        subject="Auto: away",
        body="I am away",
        headers={"Auto-Submitted": "auto-replied"},
    )
    gmail.deliver(
        sender="Deals <news@supplier.example>",
        subject="Weekly deals",
        body="Sale!",
        headers={"List-Id": "<deals.supplier.example>", "Precedence": "bulk"},
    )
    gmail.deliver(sender="MAILER-DAEMON@mail.example", subject="Undelivered", body="bounce")
    gmail.deliver(sender=f"Us <{gmail.address}>", subject="note to self", body="x")
    told = Told()
    assert run_pass(sessions, adapters, told) == (
        f"mail for {TEAM}: synced, 5 new (1 lead, 3 skipped-automated, 1 skipped-own-address)"
    )
    with sessions() as session:
        lead = session.scalars(select(Lead)).one()
        assert (lead.title, lead.source) == ("Clogged drain in the basement", LeadSource.email)
        contact = session.get(Contact, lead.contact_id)
        assert contact is not None
        assert (contact.first_name, contact.last_name) == ("Rita", "Moreno")
        assert contact.emails == ["rita.moreno@example.com"]
        [said] = session.scalars(select(Interaction).where(Interaction.lead_id == lead.lead_id))
        assert said.type == InteractionType.email_inbound
        assert said.body is not None and "basement drain is clogged" in said.body
        assert said.external_message_id is not None and said.external_thread_id is not None
        assert count(session, ProcessedMail) == 5
        assert get_mailbox(session, workspace=get_workspace(session, TEAM)).history_id == str(  # type: ignore[union-attr]
            gmail.history_id
        )
    assert len(told.leads) == 1 and told.leads[0].startswith("New inquiry from Rita Moreno")


def test_later_passes_read_history_and_a_known_contact_gets_history_not_a_lead(
    sessions: sessionmaker[Session], connected: str, gmail: GmailStandIn, adapters: GmailAdapters
) -> None:
    with sessions.begin() as session:
        dana = make_contact(session, TEAM, "Dana", "Smith", emails=["dana@example.com"])
        older = make_lead(session, TEAM, dana, title="Water heater", lead_id="ld_old")
        make_lead(session, TEAM, dana, title="Leaky faucet", lead_id="ld_new")
        session.add(
            Interaction(
                interaction_id="ix_promise",
                workspace_id=TEAM,
                type=InteractionType.phone_call,
                timestamp=NOW,
                contact_id=dana.contact_id,
                lead_id=older.lead_id,
                follow_up_date=NOW.date(),
                follow_up_status=FollowUpStatus.pending,
                external_thread_id="thread-heater",
            )
        )
    told = Told()
    assert run_pass(sessions, adapters, told) == f"mail for {TEAM}: synced, 0 new"
    assert ("GET", "/gmail/v1/users/me/messages") in gmail.calls  # the first pass lists
    gmail.calls.clear()
    gmail.deliver(
        sender="dana@example.com",
        subject="Re: heater",
        body="Yes please",
        thread_id="thread-heater",
    )
    gmail.deliver(sender="Dana <DANA@example.com>", subject="Another thing", body="Also the tap")
    assert run_pass(sessions, adapters, told) == f"mail for {TEAM}: synced, 2 new (2 interaction)"
    assert ("GET", "/gmail/v1/users/me/history") in gmail.calls  # later passes use history
    assert ("GET", "/gmail/v1/users/me/messages") not in gmail.calls
    with sessions() as session:
        assert count(session, Lead) == 2 and count(session, Contact) == 1
        emails = session.scalars(
            select(Interaction)
            .where(Interaction.type == InteractionType.email_inbound)
            .order_by(Interaction.subject)
        ).all()
        # The reply in the heater thread lands on the heater lead; the new mail on the newest.
        assert [(e.subject, e.lead_id) for e in emails] == [
            ("Another thing", "ld_new"),
            ("Re: heater", "ld_old"),
        ]
        promise = session.get(Interaction, "ix_promise")
        assert promise is not None and promise.follow_up_status == FollowUpStatus.completed
    assert told.leads == []


def test_a_too_old_history_id_is_followed_by_a_bounded_re_read(
    sessions: sessionmaker[Session], connected: str, gmail: GmailStandIn, adapters: GmailAdapters
) -> None:
    gmail.deliver(sender="a@example.com", subject="First", body="one")
    told = Told()
    run_pass(sessions, adapters, told)
    gmail.deliver(sender="b@example.com", subject="Second", body="two")
    gmail.forget_history_before(gmail.history_id + 1)  # Gmail dropped the history we need
    assert run_pass(sessions, adapters, told) == f"mail for {TEAM}: synced, 1 new (1 lead)"
    with sessions() as session:
        assert sorted(session.scalars(select(Lead.title))) == ["First", "Second"]


def test_the_same_message_twice_and_two_workers_at_once_make_one_lead(
    committed_db: CommittedDatabase,  # noqa: F811 - the fixture imported above
    gmail: GmailStandIn,
    cipher: TokenCipher,
) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, crm_google_api_url=gmail.url, crm_google_token_url=gmail.token_url
    )
    team = committed_db.workspace_id
    with committed_db.sessions().begin() as session:
        connect_mailbox(
            session=session,
            workspace=get_workspace(session, team),
            actor=OWNER,
            email_address=gmail.address,
            display_name=None,
            secrets=secrets_of(gmail),
            cipher=cipher,
            now=NOW,
        )
    gmail.deliver(sender="c@example.com", subject="Roof leak", body="drip drip")
    told = Told()
    barrier = threading.Barrier(2)

    def worker() -> None:
        sessions = committed_db.sessions()  # each worker: its own engine and connections
        adapters = GmailAdapters(settings, sessions=sessions, cipher=cipher)
        barrier.wait()
        sync_mailbox(
            sessions=sessions,
            workspace_id=team,
            mailbox_for=adapters.mailbox_for,
            now=lambda: NOW,
            on_lead=told.lead,
            on_paused=told.paused,
        )

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sessions = committed_db.sessions()
    adapters = GmailAdapters(settings, sessions=sessions, cipher=cipher)
    with sessions.begin() as session:  # the same message offered again: the ledger says no
        session.execute(update(MailboxConnection).values(history_id=None))
    sync_mailbox(
        sessions=sessions,
        workspace_id=team,
        mailbox_for=adapters.mailbox_for,
        now=lambda: NOW,
        on_lead=told.lead,
        on_paused=told.paused,
    )
    with sessions() as session:
        assert count(session, Lead) == 1
        assert count(session, ProcessedMail) == 1
    assert len(told.leads) == 1


def test_a_crash_between_capture_and_notice_loses_no_notice_and_doubles_none(
    sessions: sessionmaker[Session], connected: str, gmail: GmailStandIn, adapters: GmailAdapters
) -> None:
    gmail.deliver(
        sender="Rita Moreno <rita@example.com>", subject="Clogged drain", body="Come Thursday?"
    )
    notices = MailNotices(lambda: NOW)

    def crash_after_queueing(session: Session, workspace: Any, outcome: InboundOutcome) -> None:
        notices.new_inquiry(session, workspace, outcome)
        raise RuntimeError("the worker died here")  # before the capture's transaction commits

    def one_pass(on_lead: Any) -> str:
        return sync_mailbox(
            sessions=sessions,
            workspace_id=TEAM,
            mailbox_for=adapters.mailbox_for,
            now=lambda: NOW,
            on_lead=on_lead,
            on_paused=notices.paused,
        ).describe()

    with pytest.raises(RuntimeError):
        one_pass(crash_after_queueing)
    with sessions() as session:  # all or nothing: no lead without its notice
        assert [count(session, m) for m in (Lead, OutboxItem, ProcessedMail)] == [0, 0, 0]

    assert one_pass(notices.new_inquiry) == f"mail for {TEAM}: synced, 1 new (1 lead)"
    # A pass that died after that commit, before storing the history id, offers it again.
    with sessions.begin() as session:
        session.execute(update(MailboxConnection).values(history_id=None))
    assert one_pass(notices.new_inquiry) == f"mail for {TEAM}: synced, 0 new"
    with sessions() as session:
        assert count(session, Lead) == 1
        [notice] = session.scalars(select(OutboxItem))
        assert (notice.kind, notice.payload["user"]) == ("slack.owner_dm", OWNER)
        assert notice.payload["text"].startswith("New inquiry from Rita Moreno")


def test_a_refused_token_pauses_sync_and_tells_the_owners_once(
    sessions: sessionmaker[Session], connected: str, gmail: GmailStandIn, adapters: GmailAdapters
) -> None:
    gmail.revoked = True
    told = Told()
    assert run_pass(sessions, adapters, told) == (
        f"mail for {TEAM}: paused: reconnect the mailbox, 0 new"
    )
    assert run_pass(sessions, adapters, told) == f"mail for {TEAM}: paused, 0 new"
    assert len(told.pauses) == 1 and "invalid_grant" in told.pauses[0]
    with sessions() as session:
        stored = session.get(MailboxConnection, TEAM)
        assert stored is not None and stored.status == MailboxStatus.paused


def test_an_approved_email_goes_out_from_the_mailbox_in_the_customers_thread(
    sessions: sessionmaker[Session], connected: str, gmail: GmailStandIn, adapters: GmailAdapters
) -> None:
    incoming = gmail.deliver(sender="Zoë <zoe@example.com>", subject="Quote?", body="How much?")
    run_pass(sessions, adapters, Told())
    with sessions.begin() as session:
        contact_id = session.scalars(select(Contact.contact_id)).one()
        draft = Draft(
            draft_id="dr_1",
            workspace_id=TEAM,
            contact_id=contact_id,
            channel="email",
            recipient="zoe@example.com",
            subject="Re: Quote?",
            body="Hi Zoë, it's $350 — façade included.",
        )
        session.add(draft)
    with sessions() as session:
        draft = session.get(Draft, "dr_1")
        assert draft is not None
        sender = adapters.draft_sender(get_workspace(session, TEAM))
        assert sender is not None
        message_id = sender.send(draft)
    [sent] = gmail.sent
    assert sent["id"] == message_id
    assert sent["thread_id"] == incoming.thread_id
    message = sent["message"]
    assert str(message["From"]) == f"PlumbCo Office <{gmail.address}>"
    assert str(message["To"]) == "zoe@example.com"
    assert message["In-Reply-To"] == f"<m{1}@mail.example>"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().strip() == "Hi Zoë, it's $350 — façade included."


def test_a_server_error_on_send_is_retried_and_then_reported(
    sessions: sessionmaker[Session], connected: str, gmail: GmailStandIn, adapters: GmailAdapters
) -> None:
    from googleapiclient.errors import HttpError

    draft = Draft(
        draft_id="dr_2", workspace_id=TEAM, channel="email", recipient="x@example.com", body="hi"
    )
    with sessions() as session:
        sender = adapters.draft_sender(get_workspace(session, TEAM))
    assert sender is not None
    gmail.fail_send = [500]
    assert sender.send(draft)  # one 500, then the library's retry goes through
    gmail.fail_send = [500] * 10
    with pytest.raises(HttpError):
        sender.send(draft)
    assert len(gmail.sent) == 1


def test_no_connection_no_sender_and_sync_says_so(
    sessions: sessionmaker[Session], workspace_id: str, adapters: GmailAdapters
) -> None:
    with sessions() as session:
        assert adapters.draft_sender(get_workspace(session, TEAM)) is None
    assert run_pass(sessions, adapters, Told()) == f"mail for {TEAM}: not connected, 0 new"
    assert (
        sync_all_mailboxes(
            sessions=sessions,
            mailbox_for=adapters.mailbox_for,
            now=lambda: NOW,
            on_lead=Told().lead,
            on_paused=Told().paused,
        )
        == []
    )


def test_crm_gmail_connect_status_sync_and_disconnect(
    committed_db: CommittedDatabase,  # noqa: F811 - the fixture imported above
    gmail: GmailStandIn,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    team = committed_db.workspace_id
    for name, value in {
        "DATABASE_URL": committed_db.url,
        "CRM_SECRET_KEY": Fernet.generate_key().decode(),
        "CRM_GOOGLE_API_URL": gmail.url,
        "CRM_GOOGLE_TOKEN_URL": gmail.token_url,
        "SLACK_BOT_TOKEN": "xoxb-cli",
        "SLACK_API_URL": "http://127.0.0.1:9",  # no new inquiry here: Slack is not called
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_CLIENT_ID", raising=False)
    get_settings.cache_clear()
    token_file = tmp_path / "authorized_user.json"
    token_file.write_text(
        json.dumps(
            {
                "type": "authorized_user",
                "client_id": gmail.client_id,
                "client_secret": gmail.client_secret,
                "refresh_token": gmail.refresh_token,
            }
        )
    )
    try:
        assert main(["gmail", "connect", "--token-file", str(token_file)]) == 0
        assert capsys.readouterr().out == f"Gmail connected for {team}: {gmail.address}.\n"
        assert main(["gmail", "status", "--workspace", team]) == 0
        assert capsys.readouterr().out == f"{gmail.address}: active, not synced yet.\n"
        assert main(["gmail", "sync"]) == 0
        assert capsys.readouterr().out == f"mail for {team}: synced, 0 new\n"
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps({"client_id": "x"}))
        assert main(["gmail", "connect", "--token-file", str(bad)]) == 1
        assert "lacks client_secret, refresh_token" in capsys.readouterr().err
        gmail.revoked = True
        assert main(["gmail", "connect", "--token-file", str(token_file)]) == 1
        assert "Google did not accept these credentials" in capsys.readouterr().err
        assert main(["gmail", "disconnect"]) == 0
        assert capsys.readouterr().out == f"Gmail disconnected for {team} ({gmail.address}).\n"
        assert main(["gmail", "status"]) == 1
    finally:
        get_settings.cache_clear()


# --- sending through core's one send flow ------------------------------------------------------


def _draft(session: Session, *, lead_id: str, contact_id: str) -> None:
    session.add(
        Draft(
            draft_id="dr_q",
            workspace_id=TEAM,
            contact_id=contact_id,
            lead_id=lead_id,
            channel=DraftChannel.email,
            recipient="dana@example.com",
            subject="Your quote",
            body="Hi Dana, the quote is $350.",
        )
    )


def _approve(sessions: sessionmaker[Session], adapters: GmailAdapters) -> DraftStatus:
    with sessions() as session:
        draft = session.get(Draft, "dr_q")
        assert draft is not None
        version = draft.version
    approved = approve_and_send(
        sessions=sessions,
        workspace_id=TEAM,
        actor=OWNER,
        draft_id="dr_q",
        version=version,
        sender_for=adapters.draft_sender,
        now=NOW,
    )
    assert approved.delivered is not None
    return approved.delivered.draft.status


def test_approve_sends_once_and_a_reply_in_that_thread_lands_on_its_lead(
    sessions: sessionmaker[Session],
    connected: str,
    gmail: GmailStandIn,
    adapters: GmailAdapters,
) -> None:
    with sessions.begin() as session:
        dana = make_contact(session, TEAM, "Dana", "Smith", emails=["dana@example.com"])
        make_lead(session, TEAM, dana, title="Quote", lead_id="ld_quote")
        make_lead(
            session,
            TEAM,
            dana,
            title="Newer job",
            lead_id="ld_newer",
            created_at=NOW + timedelta(hours=1),
        )
        _draft(session, lead_id="ld_quote", contact_id=dana.contact_id)
    assert _approve(sessions, adapters) == DraftStatus.sent
    [sent] = gmail.sent
    with sessions() as session:
        outbound = session.scalars(
            select(Interaction).where(Interaction.type == InteractionType.email_outbound)
        ).one()
        assert outbound.external_message_id == sent["id"]
    # The customer answers in the thread the business started (its id: the first message's).
    run_pass(sessions, adapters, Told())
    gmail.deliver(
        sender="dana@example.com",
        subject="Re: Your quote",
        body="Yes, go ahead",
        thread_id=sent["id"],
    )
    run_pass(sessions, adapters, Told())
    with sessions() as session:
        reply = session.scalars(
            select(Interaction).where(Interaction.type == InteractionType.email_inbound)
        ).one()
        assert reply.lead_id == "ld_quote"  # not the newer open lead


def test_a_failed_send_leaves_the_draft_failed_and_approving_again_sends_it_once(
    sessions: sessionmaker[Session],
    connected: str,
    gmail: GmailStandIn,
    adapters: GmailAdapters,
) -> None:
    with sessions.begin() as session:
        dana = make_contact(session, TEAM, "Dana", "Smith", emails=["dana@example.com"])
        make_lead(session, TEAM, dana, title="Quote", lead_id="ld_quote")
        _draft(session, lead_id="ld_quote", contact_id=dana.contact_id)
    gmail.fail_send = [400]  # a 4xx other than auth: not retried
    assert _approve(sessions, adapters) == DraftStatus.failed
    with sessions() as session:
        draft = session.get(Draft, "dr_q")
        assert draft is not None and draft.error is not None and "400" in draft.error
    assert gmail.sent == []
    assert _approve(sessions, adapters) == DraftStatus.sent
    assert len(gmail.sent) == 1
    with pytest.raises(Exception, match="already"):
        _approve(sessions, adapters)
    assert len(gmail.sent) == 1

"""The one wiring place builds what production runs: the adapters a workspace connected reach
the app, and every Slack client shares one retry policy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from core.mailbox.connection import MailboxSecrets, connect_mailbox
from core.mailbox.outbound import MailboxDraftSender
from core.platform.config import Settings
from core.platform.token_cipher import cipher_from_keys
from core.workspaces.service import get_workspace
from integrations.registry import not_connected
from tests.conftest import OWNER, TEAM
from tests.integrations.gmail_standin import GmailStandIn
from wiring import build_dependencies


@pytest.fixture
def gmail() -> Iterator[GmailStandIn]:
    stand_in = GmailStandIn().start()
    yield stand_in
    stand_in.stop()


def settings(gmail: GmailStandIn, secret_key: str | None) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        crm_secret_key=SecretStr(secret_key) if secret_key else None,
        crm_google_api_url=gmail.url,
        crm_google_token_url=gmail.token_url,
    )


def test_without_a_secret_key_no_workspace_has_an_adapter(
    sessions: sessionmaker[Session], gmail: GmailStandIn
) -> None:
    deps = build_dependencies(settings(gmail, None), sessions=sessions)
    assert deps.integrations.draft_sender is not_connected


def test_a_connected_mailbox_sends_the_workspaces_drafts(
    sessions: sessionmaker[Session], workspace_id: str, gmail: GmailStandIn
) -> None:
    key = Fernet.generate_key().decode()
    deps = build_dependencies(settings(gmail, key), sessions=sessions)
    with sessions() as session:
        assert deps.integrations.draft_sender(get_workspace(session, TEAM)) is None
    with sessions.begin() as session:
        connect_mailbox(
            session=session,
            workspace=get_workspace(session, TEAM),
            actor=OWNER,
            email_address=gmail.address,
            display_name="PlumbCo Office",
            secrets=MailboxSecrets(
                refresh_token=gmail.refresh_token,
                client_id=gmail.client_id,
                client_secret=gmail.client_secret,
            ),
            cipher=cipher_from_keys(key),
            now=datetime(2026, 12, 7, 15, 0, tzinfo=UTC),
        )
    with sessions() as session:
        sender = deps.integrations.draft_sender(get_workspace(session, TEAM))
    assert isinstance(sender, MailboxDraftSender)

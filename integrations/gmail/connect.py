"""Gmail for a workspace: the adapters built from its stored connection.

`GmailAdapters` is what the one wiring place registers: `mailbox_for` opens a connection's
sealed tokens into a `GmailMailbox` for the sync, and `draft_sender` gives the at-most-once
send flow a sender for workspaces whose mailbox is connected (None otherwise, and approved
email drafts are handed to the owner with Mark sent, as before).
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from core.common.enums import MailboxStatus
from core.mailbox.connection import MailboxSecrets, get_mailbox, mailbox_secrets
from core.mailbox.outbound import MailboxDraftSender
from core.models import MailboxConnection, Workspace
from core.platform.config import Settings
from core.platform.token_cipher import TokenCipher
from integrations.gmail.mailbox import GmailMailbox
from integrations.gmail.service import gmail_credentials, gmail_service

__all__ = ["GmailAdapters"]


class GmailAdapters:
    """Gmail mailboxes and draft senders for every workspace, from their stored connections."""

    def __init__(
        self, settings: Settings, *, sessions: sessionmaker[Session], cipher: TokenCipher
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._cipher = cipher

    def mailbox(self, secrets: MailboxSecrets, *, address: str) -> GmailMailbox:
        """A mailbox for these credentials (also used to check them before storing)."""
        credentials = gmail_credentials(
            refresh_token=secrets.refresh_token,
            client_id=secrets.client_id,
            client_secret=secrets.client_secret,
            token_url=self._settings.crm_google_token_url,
        )
        service = gmail_service(credentials, api_url=self._settings.crm_google_api_url)
        return GmailMailbox(service, address=address)

    def mailbox_for(self, connection: MailboxConnection) -> GmailMailbox:
        return self.mailbox(
            mailbox_secrets(connection, self._cipher), address=connection.email_address
        )

    def draft_sender(self, workspace: Workspace) -> MailboxDraftSender | None:
        with self._sessions() as session:
            connection = get_mailbox(session, workspace=workspace)
            if connection is None or connection.status != MailboxStatus.active:
                return None
            mailbox = self.mailbox_for(connection)
            from_name = connection.display_name
        return MailboxDraftSender(mailbox, sessions=self._sessions, from_name=from_name)

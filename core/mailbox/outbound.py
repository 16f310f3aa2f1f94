"""An approved email draft as the mailbox sends it: to the contact, in their thread if any.

`MailboxDraftSender` is core's `DraftSender` for a connected mailbox: the at-most-once send
flow calls it after the claim is committed; it reads the customer's latest email (for the
thread and `In-Reply-To`) in its own short read, and sends.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.common.enums import InteractionType
from core.errors import InvalidInput
from core.models import Draft, Interaction
from core.ports import Mailbox, OutboundEmail

__all__ = ["MailboxDraftSender", "reply_thread"]

DEFAULT_SUBJECT = "Following up"


def reply_thread(session: Session, draft: Draft) -> tuple[str | None, str | None]:
    """The thread and mailbox message id of the customer's latest email, to answer in it."""
    if draft.contact_id is None:
        return None, None
    latest = session.execute(
        select(Interaction.external_thread_id, Interaction.external_message_id)
        .where(
            Interaction.workspace_id == draft.workspace_id,
            Interaction.contact_id == draft.contact_id,
            Interaction.type == InteractionType.email_inbound,
            Interaction.external_thread_id.is_not(None),
        )
        .order_by(Interaction.timestamp.desc())
        .limit(1)
    ).first()
    return (latest[0], latest[1]) if latest else (None, None)


class MailboxDraftSender:
    """Sends approved email drafts from the workspace's connected mailbox."""

    def __init__(
        self, mailbox: Mailbox, *, sessions: sessionmaker[Session], from_name: str | None
    ) -> None:
        self._mailbox = mailbox
        self._sessions = sessions
        self._from_name = from_name

    def send(self, draft: Draft) -> str:
        if not draft.recipient or "@" not in draft.recipient:
            raise InvalidInput("This draft has no email address to send to.", field="recipient")
        with self._sessions() as session:
            thread_id, answered = reply_thread(session, draft)
        # In-Reply-To needs the customer's own Message-ID header, which the mailbox keeps.
        in_reply_to = self._mailbox.fetch(answered).rfc_message_id if answered else None
        sent = self._mailbox.send(
            OutboundEmail(
                to=draft.recipient,
                subject=draft.subject or DEFAULT_SUBJECT,
                body=draft.body,
                from_name=self._from_name,
                thread_id=thread_id,
                in_reply_to=in_reply_to,
            )
        )
        return sent.message_id

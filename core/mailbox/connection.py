"""A workspace's mailbox connection: connect (owners), pause on a refused token, disconnect.

Tokens are sealed with `CRM_SECRET_KEY` before they are stored and left out of the audit
log. A paused connection keeps its history id, so after a reconnect sync goes on from where
it stopped and nothing that arrived meanwhile is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from core.common.enums import MailboxStatus
from core.errors import NotFound
from core.models import MailboxConnection, Workspace
from core.platform.audit import audit, snapshot
from core.platform.token_cipher import TokenCipher
from core.workspaces.service import require_owner

__all__ = [
    "MailboxSecrets",
    "connect_mailbox",
    "disconnect_mailbox",
    "get_mailbox",
    "mailbox_secrets",
    "pause_mailbox",
    "record_sync",
]


@dataclass(frozen=True)
class MailboxSecrets:
    """The opened credentials an adapter needs; never stored or logged as they are."""

    refresh_token: str
    client_id: str
    client_secret: str


def get_mailbox(session: Session, *, workspace: Workspace) -> MailboxConnection | None:
    """The workspace's mailbox connection, if it ever connected one."""
    return session.get(MailboxConnection, workspace.workspace_id)


def connect_mailbox(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    email_address: str,
    display_name: str | None,
    secrets: MailboxSecrets,
    cipher: TokenCipher,
    now: datetime,
) -> MailboxConnection:
    """Store (or replace) the workspace's mailbox, owners only; a reconnect keeps the history id.

    Reconnecting the same mailbox (after Google refused the old token) resumes sync from the
    stored history id, so mail that arrived while it was paused is read on the next pass.
    """
    require_owner(workspace, actor, "connect the mailbox")
    connection = get_mailbox(session, workspace=workspace)
    before = snapshot(connection) if connection is not None else None
    if connection is None:
        connection = MailboxConnection(workspace_id=workspace.workspace_id, created_at=now)
        session.add(connection)
    elif connection.email_address.lower() != email_address.lower():
        connection.history_id = None  # another mailbox: its history starts afresh
        connection.display_name = None
    connection.email_address = email_address.lower()
    if display_name is not None:  # a reconnect that names no sender keeps the one it had
        connection.display_name = display_name
    connection.status = MailboxStatus.active
    connection.status_reason = None
    connection.refresh_token = cipher.seal(secrets.refresh_token)
    connection.client_id = secrets.client_id
    connection.client_secret = cipher.seal(secrets.client_secret)
    connection.owners_told_at = None
    connection.connected_by = actor
    connection.updated_at = now
    audit(
        session, workspace, actor=actor, action="connect_mailbox", entity=connection, before=before
    )
    return connection


def mailbox_secrets(connection: MailboxConnection, cipher: TokenCipher) -> MailboxSecrets:
    """The connection's credentials, opened for the adapter."""
    return MailboxSecrets(
        refresh_token=cipher.open(connection.refresh_token),
        client_id=connection.client_id,
        client_secret=cipher.open(connection.client_secret),
    )


def disconnect_mailbox(
    *, session: Session, workspace: Workspace, actor: str, now: datetime
) -> MailboxConnection:
    """Stop sending from and reading the mailbox, owners only; the stored tokens are dropped."""
    require_owner(workspace, actor, "disconnect the mailbox")
    connection = get_mailbox(session, workspace=workspace)
    if connection is None or connection.status == MailboxStatus.disconnected:
        raise NotFound("No mailbox is connected.")
    before = snapshot(connection)
    connection.status = MailboxStatus.disconnected
    connection.status_reason = f"disconnected by {actor}"
    connection.refresh_token = ""
    connection.client_secret = ""
    connection.updated_at = now
    audit(
        session,
        workspace,
        actor=actor,
        action="disconnect_mailbox",
        entity=connection,
        before=before,
    )
    return connection


def pause_mailbox(*, session: Session, workspace_id: str, reason: str, now: datetime) -> bool:
    """Pause sync after Google refused the token; True only the first time (tell owners once).

    The conditional update comes first, so of two workers meeting the refusal at once one
    pauses it (and tells the owners) and the other sees it already paused.
    """
    result = session.execute(
        update(MailboxConnection)
        .where(
            MailboxConnection.workspace_id == workspace_id,
            MailboxConnection.status == MailboxStatus.active,
        )
        .values(
            status=MailboxStatus.paused, status_reason=reason, owners_told_at=now, updated_at=now
        )
        .execution_options(synchronize_session="fetch")
    )
    if not cast(CursorResult[Any], result).rowcount:
        return False
    workspace = session.get(Workspace, workspace_id)
    connection = session.get(MailboxConnection, workspace_id)
    assert workspace is not None and connection is not None  # just updated
    audit(session, workspace, actor="mailbox", action="pause_mailbox", entity=connection)
    return True


def record_sync(*, session: Session, workspace_id: str, history_id: str, now: datetime) -> None:
    """Remember where the next incremental sync starts (a write first: no read before it)."""
    session.execute(
        update(MailboxConnection)
        .where(MailboxConnection.workspace_id == workspace_id)
        .values(history_id=history_id, last_synced_at=now)
    )

"""A workspace's QuickBooks Online connection: connect, refresh, revoke, disconnect.

Tokens are sealed with CRM_SECRET_KEY before they are stored and never reach the audit
log. A refresh reads, uses and replaces the refresh token under a lock on the connection
row, so two processes refreshing at once cannot lose Intuit's rotated token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from core.common.enums import QuickBooksConnectionStatus
from core.common.validation import clean_text
from core.errors import InvalidInput, QuickBooksDisconnected
from core.models import QuickBooksConnection, Workspace
from core.platform.audit import audit, snapshot
from core.platform.token_cipher import TokenCipher
from core.workspaces.service import require_owner

__all__ = [
    "REFRESH_MARGIN",
    "TokenGrant",
    "connect_quickbooks",
    "disconnect_quickbooks",
    "lock_connection",
    "mark_revoked",
    "claim_revoked_notice",
    "quickbooks_connection",
    "store_grant",
]

# The access token (one hour) is refreshed when less than this is left of it.
REFRESH_MARGIN = timedelta(minutes=5)
CLI_ACTOR = "system:cli"


@dataclass(frozen=True)
class TokenGrant:
    """What Intuit's token endpoint answered (authorization code or refresh)."""

    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int | None = None


def _audit_connection(
    session: Session,
    workspace: Workspace,
    connection: QuickBooksConnection,
    *,
    actor: str,
    action: str,
    before: dict[str, Any] | None,
) -> None:
    # The token columns are marked secret in the model, so the audit row leaves them out.
    audit(session, workspace, actor=actor, action=action, entity=connection, before=before)


def quickbooks_connection(session: Session, workspace_id: str) -> QuickBooksConnection | None:
    """The workspace's connection row, whatever its status."""
    return session.get(QuickBooksConnection, workspace_id)


def lock_connection(session: Session, workspace_id: str) -> QuickBooksConnection:
    """The connection, locked until the transaction ends; refused when it is not usable."""
    connection = session.get(
        QuickBooksConnection, workspace_id, with_for_update=True, populate_existing=True
    )
    if connection is None or connection.status is QuickBooksConnectionStatus.disconnected:
        raise QuickBooksDisconnected("QuickBooks is not connected; an owner can connect it.")
    if connection.status is QuickBooksConnectionStatus.revoked:
        raise QuickBooksDisconnected(
            "The QuickBooks connection has expired or was revoked; reconnect QuickBooks."
        )
    return connection


def store_grant(
    connection: QuickBooksConnection, grant: TokenGrant, *, cipher: TokenCipher, now: datetime
) -> None:
    """Keep the tokens Intuit just gave (sealed), the rotated refresh token included."""
    connection.access_token = cipher.seal(grant.access_token)
    connection.access_token_expires_at = now + timedelta(seconds=grant.expires_in)
    connection.refresh_token = cipher.seal(grant.refresh_token)
    if grant.refresh_expires_in is not None:
        connection.refresh_token_expires_at = now + timedelta(seconds=grant.refresh_expires_in)


def connect_quickbooks(
    *,
    session: Session,
    workspace: Workspace,
    actor: str,
    realm_id: str,
    environment: str,
    grant: TokenGrant,
    cipher: TokenCipher,
    now: datetime,
) -> QuickBooksConnection:
    """Store (or replace) the workspace's QuickBooks company and tokens; owners or the CLI."""
    if actor != CLI_ACTOR:
        require_owner(workspace, actor, "connect QuickBooks")
    realm = clean_text(realm_id, field="realm", label="QuickBooks company id", limit=32)
    if not realm or not realm.isdigit():
        raise InvalidInput("The QuickBooks company id (realm) is a number.", field="realm")
    connection = session.get(
        QuickBooksConnection, workspace.workspace_id, with_for_update=True, populate_existing=True
    )
    before = snapshot(connection) if connection is not None else None
    if connection is None:
        connection = QuickBooksConnection(workspace_id=workspace.workspace_id)
        session.add(connection)
    connection.realm_id = realm
    connection.environment = environment
    connection.status = QuickBooksConnectionStatus.connected
    connection.connected_by = actor
    connection.revoked_at = None
    connection.owners_told_at = None
    connection.refresh_token_expires_at = None
    store_grant(connection, grant, cipher=cipher, now=now)
    _audit_connection(
        session, workspace, connection, actor=actor, action="connect_quickbooks", before=before
    )
    return connection


def disconnect_quickbooks(
    *, session: Session, workspace: Workspace, actor: str
) -> QuickBooksConnection | None:
    """Forget the tokens (the realm is kept for the record); owners or the CLI."""
    if actor != CLI_ACTOR:
        require_owner(workspace, actor, "disconnect QuickBooks")
    connection = session.get(
        QuickBooksConnection, workspace.workspace_id, with_for_update=True, populate_existing=True
    )
    if connection is None or connection.status is QuickBooksConnectionStatus.disconnected:
        return None
    before = snapshot(connection)
    connection.status = QuickBooksConnectionStatus.disconnected
    connection.access_token = connection.refresh_token = None
    connection.access_token_expires_at = connection.refresh_token_expires_at = None
    _audit_connection(
        session, workspace, connection, actor=actor, action="disconnect_quickbooks", before=before
    )
    return connection


def mark_revoked(*, session: Session, workspace_id: str, now: datetime) -> bool:
    """Intuit refused the refresh token: mark the connection revoked.

    A conditional update, so of many processes finding out at once exactly one gets True,
    and only that one tells the owners.
    """
    result = cast(
        CursorResult[Any],
        session.execute(
            update(QuickBooksConnection)
            .where(
                QuickBooksConnection.workspace_id == workspace_id,
                QuickBooksConnection.status == QuickBooksConnectionStatus.connected,
            )
            .values(
                status=QuickBooksConnectionStatus.revoked,
                revoked_at=now,
                access_token=None,
                access_token_expires_at=None,
                updated_at=now,
            )
        ),
    )
    return bool(result.rowcount)


def claim_revoked_notice(*, session: Session, workspace_id: str, now: datetime) -> bool:
    """Whether the owners are still to be told the connection was revoked (then they are).

    A conditional update on the row: of every tap and process that finds the connection
    revoked, exactly one gets True, until the next connect.
    """
    result = cast(
        CursorResult[Any],
        session.execute(
            update(QuickBooksConnection)
            .where(
                QuickBooksConnection.workspace_id == workspace_id,
                QuickBooksConnection.status == QuickBooksConnectionStatus.revoked,
                QuickBooksConnection.owners_told_at.is_(None),
            )
            .values(owners_told_at=now)
        ),
    )
    return bool(result.rowcount)

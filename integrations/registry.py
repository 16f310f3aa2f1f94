"""The third-party adapters the bot may use, looked up per workspace.

Core defines what it needs (`core.ports.DraftSender`, `core.ports.QuickBooksCustomers`);
this says, for a workspace, which adapter (if any) serves it. Each workspace connects its own
mailbox and QuickBooks company, so a lookup takes the workspace and reads its stored
(encrypted) tokens, returning an adapter, or None when that workspace has not connected one.

With no adapter: approving an email draft hands the owner the text with **Mark sent**
(docs/product.md, Buttons), and **Create in QuickBooks** answers that QuickBooks is not connected
and changes nothing. `build_integrations` is called by the wiring place; tests inject fakes
with `create_app(..., integrations=Integrations(...))`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import requests
from sqlalchemy.orm import Session, object_session, sessionmaker

from core.common.enums import QuickBooksConnectionStatus
from core.errors import CRMError
from core.models import QuickBooksConnection, Workspace
from core.platform.config import Settings
from core.ports import DraftSender, QuickBooksCustomers
from integrations.quickbooks.adapter import OnRevoked, QuickBooksOnline
from integrations.quickbooks.connect import cipher_for
from integrations.quickbooks.http import IntuitApp

DraftSenderFor = Callable[[Workspace], DraftSender | None]
QuickBooksFor = Callable[[Workspace], QuickBooksCustomers | None]


def not_connected(workspace: Workspace) -> None:
    """No adapter for any workspace."""
    return None


@dataclass(frozen=True)
class Integrations:
    """Which mailbox sends a workspace's approved email drafts, and which QuickBooks it uses."""

    draft_sender: DraftSenderFor = not_connected
    quickbooks: QuickBooksFor = not_connected


def build_integrations(settings: Settings, sessions: sessionmaker[Session]) -> Integrations:
    """The adapters this deployment can use, built once by the wiring place (`wiring`).

    A workspace's connected Gmail mailbox sends its approved email drafts, and its connected
    QuickBooks Online company gets the won customers; both keep their tokens sealed with
    CRM_SECRET_KEY, so with no key nothing is connected.
    """
    quickbooks = quickbooks_online(settings, sessions)
    if settings.crm_secret_key is None:
        return Integrations(quickbooks=quickbooks)  # answers "not connected" without a key
    from core.platform.token_cipher import cipher_from_keys
    from integrations.gmail.connect import GmailAdapters  # Google's client loads only if used

    cipher = cipher_from_keys(settings.crm_secret_key.get_secret_value())
    gmail = GmailAdapters(settings, sessions=sessions, cipher=cipher)
    return Integrations(draft_sender=gmail.draft_sender, quickbooks=quickbooks)


def quickbooks_online(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    on_revoked: OnRevoked | None = None,
    http: requests.Session | None = None,
) -> QuickBooksFor:
    """The QuickBooks Online adapter of each workspace that connected (or was revoked) one.

    A revoked connection still gets the adapter: its calls answer "reconnect QuickBooks".
    """

    def lookup(workspace: Workspace) -> QuickBooksCustomers | None:
        session = object_session(workspace)
        if session is None:
            return None
        connection = session.get(QuickBooksConnection, workspace.workspace_id)
        if connection is None or connection.status is QuickBooksConnectionStatus.disconnected:
            return None
        try:
            app, cipher = IntuitApp.from_settings(settings), cipher_for(settings)
        except CRMError:
            return None  # not set up on this deployment: nothing to call
        return QuickBooksOnline(
            sessions=sessions,
            workspace_id=workspace.workspace_id,
            app=app,
            cipher=cipher,
            http=http,
            on_revoked=on_revoked,
        )

    return lookup

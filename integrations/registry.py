"""The third-party adapters the bot may use, looked up per workspace; none is connected yet.

Core defines what it needs (`core.ports.DraftSender`, `core.ports.QuickBooksCustomers`);
this says, for a workspace, which adapter (if any) serves it. Each workspace connects its own
mailbox and QuickBooks company, so a lookup takes the workspace: the Gmail and QuickBooks
adapters, once written, plug in as functions that read the workspace's stored (encrypted)
tokens and return an adapter, or None when that workspace has not connected one.

With no adapter: approving an email draft hands the owner the text with **Mark sent**
(docs/product.md, Buttons), and **Create in QuickBooks** answers that QuickBooks is not connected
and changes nothing. `build_integrations` is called by the wiring place; tests inject fakes
with `create_app(..., integrations=Integrations(...))`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from core.models import Workspace
from core.platform.config import Settings
from core.ports import DraftSender, QuickBooksCustomers

DraftSenderFor = Callable[[Workspace], DraftSender | None]
QuickBooksFor = Callable[[Workspace], QuickBooksCustomers | None]


def not_connected(workspace: Workspace) -> None:
    """No adapter for any workspace (the default until the adapters exist)."""
    return None


@dataclass(frozen=True)
class Integrations:
    """Which mailbox sends a workspace's approved email drafts, and which QuickBooks it uses."""

    draft_sender: DraftSenderFor = not_connected
    quickbooks: QuickBooksFor = not_connected


def build_integrations(settings: Settings, sessions: sessionmaker[Session]) -> Integrations:
    """The adapters this deployment can use, built once by the wiring place (`wiring`).

    A workspace's connected Gmail mailbox sends its approved email drafts; its tokens are
    sealed with CRM_SECRET_KEY, so with no key nothing is connected. The QuickBooks adapter
    plugs in here the same way.
    """
    if settings.crm_secret_key is None:
        return Integrations()
    from core.platform.token_cipher import cipher_from_keys
    from integrations.gmail.connect import GmailAdapters  # Google's client loads only if used

    cipher = cipher_from_keys(settings.crm_secret_key.get_secret_value())
    gmail = GmailAdapters(settings, sessions=sessions, cipher=cipher)
    return Integrations(draft_sender=gmail.draft_sender)

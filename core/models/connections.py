"""Connections to the outside world: a workspace's mailbox, the webhooks owners registered,
and the single-use states of an owner's OAuth consent in progress.

Their secrets are stored sealed (CRM_SECRET_KEY) or shown once, and left out of the audit log
(columns marked `info={"secret": True}`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.common import enums
from core.models.records import Base, Timestamped
from core.platform.column_types import ID, enum_column_type


class MailboxConnection(Timestamped, Base):
    """A workspace's connected mailbox (Gmail): tokens sealed with CRM_SECRET_KEY, sync state.

    `history_id` is where the next incremental sync starts; a paused connection (its refresh
    token was refused) keeps it, so nothing is lost when an owner reconnects.
    """

    __tablename__ = "mailbox_connections"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.workspace_id"), primary_key=True
    )
    email_address: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[enums.MailboxStatus] = mapped_column(enum_column_type(enums.MailboxStatus))
    status_reason: Mapped[str | None] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text, info={"secret": True})
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret: Mapped[str] = mapped_column(Text, info={"secret": True})
    history_id: Mapped[str | None] = mapped_column(String(32))
    last_synced_at: Mapped[datetime | None]
    owners_told_at: Mapped[datetime | None]
    connected_by: Mapped[str] = mapped_column(String(64))


class OAuthState(Base):
    """One owner's consent link to a provider (Google, Intuit): single use, ten minutes.

    Only a hash of the state is kept; the PKCE code verifier Google's token exchange needs waits
    here for the callback and is never shown.
    """

    __tablename__ = "oauth_states"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    owner: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str | None] = mapped_column(String(128), info={"secret": True})
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class WebhookSubscription(Timestamped, Base):
    """An outgoing webhook an owner registered: which hand-off events go to which URL.

    Turned off, never deleted, so the deliveries made to it keep their meaning.
    """

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index("ix_webhook_subscriptions_workspace", "workspace_id", "active"),)

    subscription_id: Mapped[str] = mapped_column(ID, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100), info={"secret": True})
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))

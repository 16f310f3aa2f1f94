"""A workspace's QuickBooks Online connection and the owner-confirmed pushes of contacts to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.common import enums
from core.models.records import Base, Timestamped
from core.platform.column_types import ID, enum_column_type


class QuickBooksConnection(Timestamped, Base):
    """A workspace's QuickBooks Online company; tokens are stored sealed (CRM_SECRET_KEY)."""

    __tablename__ = "quickbooks_connections"

    workspace_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.workspace_id"), primary_key=True
    )
    realm_id: Mapped[str] = mapped_column(String(32))
    environment: Mapped[str] = mapped_column(String(16))
    status: Mapped[enums.QuickBooksConnectionStatus] = mapped_column(
        enum_column_type(enums.QuickBooksConnectionStatus)
    )
    access_token: Mapped[str | None] = mapped_column(Text, info={"secret": True})
    access_token_expires_at: Mapped[datetime | None]
    refresh_token: Mapped[str | None] = mapped_column(Text, info={"secret": True})
    refresh_token_expires_at: Mapped[datetime | None]
    connected_by: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None]
    owners_told_at: Mapped[datetime | None]  # the one notice of a revoked connection


class QuickBooksPush(Timestamped, Base):
    """An owner's confirmed push of one contact to QuickBooks, claimed before the call.

    One row per contact: a retry after a crash or a timeout finds it and sends the same
    `requestid` (`push_id` and `attempt`), which QuickBooks answers without a second customer.
    """

    __tablename__ = "quickbooks_pushes"
    __table_args__ = (
        UniqueConstraint("workspace_id", "contact_id", name="uq_quickbooks_pushes_contact"),
    )

    push_id: Mapped[str] = mapped_column(ID, primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.workspace_id"))
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.contact_id"))
    status: Mapped[enums.QuickBooksPushStatus] = mapped_column(
        enum_column_type(enums.QuickBooksPushStatus)
    )
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    display_name: Mapped[str] = mapped_column(String(200))
    confirmed_by: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)

    @property
    def request_id(self) -> str:
        """Intuit's `requestid`: the same for every retry of one attempt."""
        return f"{self.push_id}-{self.attempt}"

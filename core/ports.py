"""The interfaces core needs from the outside world; adapters in `integrations/` implement them.

Core calls these and never knows which mailbox or accounting system answers
(docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from core.models import Draft

__all__ = [
    "DraftSender",
    "HistoryExpired",
    "InboundEmail",
    "Mailbox",
    "MailboxRefused",
    "OutboundEmail",
    "CustomerRecord",
    "QuickBooksCustomer",
    "QuickBooksCustomers",
    "SentEmail",
    "Summarizer",
]


class DraftSender(Protocol):
    """Delivers a draft (the Gmail adapter, later) and returns the provider's message id."""

    def send(self, draft: Draft) -> str: ...


@dataclass(frozen=True)
class CustomerRecord:
    """The customer as the CRM knows it, in the fields a QuickBooks Customer takes."""

    display_name: str
    given_name: str | None
    family_name: str | None
    company_name: str | None
    phone: str | None
    email: str | None
    address: str | None  # one line: the bill-to and ship-to address


@dataclass(frozen=True)
class QuickBooksCustomer:
    """A customer as QuickBooks has it."""

    customer_id: str
    display_name: str
    email: str | None = None
    phone: str | None = None


class QuickBooksCustomers(Protocol):
    """What core needs from a workspace's QuickBooks company.

    Failures are `core.errors.QuickBooksProblem`s (throttled, rejected, disconnected, name
    taken); anything else means the outcome is unknown, and a retry sends the same
    `request_id`, which QuickBooks answers without making a second customer.
    """

    def find_customer(self, *, email: str | None, display_name: str) -> QuickBooksCustomer | None:
        """The customer with this primary email, else the one with this display name."""
        ...

    def create_customer(self, customer: CustomerRecord, *, request_id: str) -> QuickBooksCustomer:
        """Create the customer; the same `request_id` again returns the same customer."""
        ...


@dataclass(frozen=True)
class OutboundEmail:
    """An approved email as the mailbox sends it; a reply names the thread it continues."""

    to: str
    subject: str
    body: str
    from_name: str | None = None
    thread_id: str | None = None
    in_reply_to: str | None = None  # the RFC 5322 Message-ID of the customer's last email


@dataclass(frozen=True)
class SentEmail:
    """What the mailbox says it sent: its message id and thread id."""

    message_id: str
    thread_id: str | None


@dataclass(frozen=True)
class InboundEmail:
    """One received email as core needs it: who, what, which thread, and the skip signals."""

    message_id: str
    thread_id: str | None
    rfc_message_id: str | None
    from_address: str
    from_name: str | None
    subject: str
    body: str
    received_at: datetime
    automated: bool  # an auto-reply, a list or bulk mail, or a bounce: never a lead


class HistoryExpired(Exception):
    """The mailbox no longer keeps changes from that far back; sync again from recent mail."""


class MailboxRefused(Exception):
    """The mailbox refused our credentials (revoked or expired): reconnect to go on."""


class Mailbox(Protocol):
    """A connected business mailbox (Gmail): send, and read what arrived since last time."""

    def send(self, email: OutboundEmail) -> SentEmail: ...

    def current_history_id(self) -> str: ...

    def recent_message_ids(self, *, days: int, limit: int) -> list[str]: ...

    def message_ids_since(self, history_id: str, *, limit: int) -> tuple[list[str], str]: ...

    def fetch(self, message_id: str) -> InboundEmail: ...


class Summarizer(Protocol):
    """Writes the short summary of a long interaction body (`interactions.ai_summary`).

    The default is extractive (`core.activity.summaries`); a language model can take its place
    in the wiring. A summary is never longer than the text and never empty for a text with words.
    """

    def summarize(self, text: str) -> str: ...

"""The interfaces core needs from the outside world; adapters in `integrations/` implement them.

Core calls these and never knows which mailbox or accounting system answers
(docs/architecture.md).
"""

from __future__ import annotations

from typing import Protocol

from core.models import Draft

__all__ = ["DraftSender", "QuickBooksCustomers"]


class DraftSender(Protocol):
    """Delivers a draft (the Gmail adapter, later) and returns the provider's message id."""

    def send(self, draft: Draft) -> str: ...


class QuickBooksCustomers(Protocol):
    """What core needs from QuickBooks: create a customer, get its id back."""

    def create_customer(
        self,
        *,
        display_name: str,
        given_name: str | None,
        family_name: str | None,
        email: str | None,
        phone: str | None,
        address: str | None,
        company_name: str | None,
    ) -> str: ...

"""Recording fakes of the mailbox and QuickBooks adapters, and a harness that uses them.

The bot reaches adapters through `ctx.integrations` (`integrations/registry.py`).
`harness_with` builds the ordinary test harness with fakes injected
through `create_app(..., integrations=...)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.ids import ActionId, BlockId, ViewId
from core.models import Contact, Draft, Lead, Workspace
from core.ports import CustomerRecord, QuickBooksCustomer
from integrations.registry import Integrations
from tests.bot.harness import START, Reply, SlackHarness, text_input
from tests.conftest import OWNER, TEAM
from tests.core.factories import make_contact, make_lead


class RecordingSender:
    """A mailbox that records every draft it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, str]] = []

    def send(self, draft: Draft) -> str:
        self.sent.append((draft.draft_id, draft.version, draft.body))
        return f"gmail-{len(self.sent)}"


class RecordingQuickBooks:
    """A QuickBooks company that records every customer it is asked to create (finds none)."""

    def __init__(self) -> None:
        self.created: list[dict[str, Any]] = []
        self.looked_up: list[tuple[str | None, str]] = []

    def find_customer(self, *, email: str | None, display_name: str) -> QuickBooksCustomer | None:
        self.looked_up.append((email, display_name))
        return None

    def create_customer(self, customer: CustomerRecord, *, request_id: str) -> QuickBooksCustomer:
        self.created.append(asdict(customer) | {"request_id": request_id})
        return QuickBooksCustomer(f"QB-{len(self.created)}", customer.display_name)


@contextmanager
def harness_with(
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    *,
    sender: RecordingSender | None = None,
    quickbooks: RecordingQuickBooks | None = None,
) -> Iterator[SlackHarness]:
    """The real app over HTTP, with these fakes as the workspace's mailbox and QuickBooks."""
    integrations = Integrations(
        draft_sender=lambda workspace: sender, quickbooks=lambda workspace: quickbooks
    )
    with SlackHarness(sessions, integrations=integrations) as slack:
        yield slack


def set_owners(sessions: sessionmaker[Session], *owners: str, auto_send: bool = False) -> None:
    with sessions.begin() as session:
        workspace = session.get(Workspace, TEAM)
        assert workspace is not None
        workspace.owner_ids = list(owners)
        workspace.auto_send = auto_send


def dana_lead(
    sessions: sessionmaker[Session],
    *,
    email: bool = True,
    phone: bool = True,
    address: str | None = "123 Main St",
    title: str = "Leaky faucet",
) -> tuple[str, str]:
    """Dana Smith and an open lead of hers, created a day before the harness's clock."""
    with sessions.begin() as session:
        contact: Contact = make_contact(
            session,
            TEAM,
            phones=["+15552013344"] if phone else [],
            emails=["dana@example.com"] if email else [],
            address=address,
            created_at=START - timedelta(days=1),
        )
        lead: Lead = make_lead(
            session, TEAM, contact=contact, title=title, created_at=START - timedelta(days=1)
        )
        return contact.contact_id, lead.lead_id


def last_view(slack: SlackHarness) -> dict[str, Any]:
    """The modal the app opened (or changed) last."""
    assert slack.api.views, "no modal was opened"
    return list(slack.api.views.values())[-1]


def open_won_form(slack: SlackHarness, deal_id: str, *, user: str = OWNER) -> dict[str, Any]:
    """Press Mark won on a job card: an owner gets the confirmation form."""
    opened = len(slack.api.views)
    slack.action(
        ActionId.MARK_WON, deal_id, user=user, block_id=f"{BlockId.OPPORTUNITY_ACTIONS}-{deal_id}"
    )
    assert len(slack.api.views) == opened + 1, "Mark won opened no confirmation form"
    form = last_view(slack)
    assert form["callback_id"] == ViewId.MARK_WON
    return form


def submit_won_form(
    slack: SlackHarness,
    form: dict[str, Any],
    amount: str | None = None,
    *,
    user: str = OWNER,
    wait: bool = True,
) -> Reply:
    """Submit the Mark won form with `amount` typed (None keeps what it was prefilled with)."""
    if amount is None:
        [field] = [b for b in form["blocks"] if b.get("block_id") == BlockId.AMOUNT]
        amount = field["element"].get("initial_value", "")
    values = {BlockId.AMOUNT: {ActionId.INPUT: text_input(amount)}}
    return slack.submit_view(None, values, user=user, view=form, wait=wait)


def win_deal(
    slack: SlackHarness, deal_id: str, amount: str | None = None, *, user: str = OWNER
) -> Reply:
    """Mark won as an owner does it: the button, then the confirmation form submitted."""
    return submit_won_form(slack, open_won_form(slack, deal_id, user=user), amount, user=user)

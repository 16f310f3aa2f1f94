"""A bot wired to a local QuickBooks Online stand-in, and an owner's connection through Intuit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.ids import ActionId
from tests.bot.harness import SECRET_KEY, SlackHarness, messages_to
from tests.conftest import OWNER
from tests.integrations.quickbooks_standin import CLIENT_ID, CLIENT_SECRET, REALM, QuickBooksStandIn

PUBLIC_URL = "https://crm.example.org"


@pytest.fixture
def qbo() -> Iterator[QuickBooksStandIn]:
    with QuickBooksStandIn() as standin:
        yield standin


def quickbooks_settings(qbo: QuickBooksStandIn) -> dict[str, Any]:
    return {
        "crm_secret_key": SECRET_KEY,
        "crm_public_url": PUBLIC_URL,
        "quickbooks_client_id": CLIENT_ID,
        "quickbooks_client_secret": CLIENT_SECRET,
        "crm_quickbooks_api_url": qbo.url,
        "crm_intuit_token_url": qbo.token_url,
    }


@pytest.fixture
def slack(
    sessions: sessionmaker[Session], workspace_id: str, qbo: QuickBooksStandIn
) -> Iterator[SlackHarness]:
    """The one-workspace bot with this deployment's Intuit app pointed at the stand-in.

    The app's clock starts at wall time: Intuit's tokens expire in real time, and the adapter
    reads their expiry (stored at the callback, on the app's clock) against it.
    """
    with SlackHarness(sessions, **quickbooks_settings(qbo)) as harness:
        harness.now = datetime.now(UTC)
        yield harness


def connect_link(slack: SlackHarness, user: str = OWNER) -> dict[str, Any]:
    """`/crm connect quickbooks`: the reply the user got."""
    slack.command("crm", "connect quickbooks", user=user)
    return messages_to(slack.api, kind="response_url", user=user)[-1]


def link_url(reply: dict[str, Any]) -> str:
    [url] = [
        element["url"]
        for block in reply.get("blocks") or []
        for element in block.get("elements") or []
        if element.get("action_id") == ActionId.OPEN_QUICKBOOKS_LINK
    ]
    return str(url)


def state_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["state"][0]


def connect(slack: SlackHarness, qbo: QuickBooksStandIn) -> None:
    """The whole browser round trip: link, Intuit's consent (a code), the callback."""
    state = state_of(link_url(connect_link(slack)))
    code = qbo.issue_code()
    reply = slack.get(f"/oauth/quickbooks/callback?code={code}&state={state}&realmId={REALM}")
    assert reply.status == 200, reply.body

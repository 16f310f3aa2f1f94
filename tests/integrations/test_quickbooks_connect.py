"""Connecting QuickBooks: owners only, Intuit's authorization-code flow, tokens sealed."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from core.common.enums import QuickBooksConnectionStatus
from core.models import AuditEntry, QuickBooksConnection
from core.platform.oauth_states import issue_oauth_state
from core.platform.token_cipher import cipher_from_keys
from core.workspaces.service import get_workspace
from tests.bot.harness import SECRET_KEY, SlackHarness, labels, messages_to
from tests.conftest import OWNER, STAFF, TEAM
from tests.integrations.conftest import PUBLIC_URL, connect, connect_link, link_url, state_of
from tests.integrations.quickbooks_standin import CLIENT_ID, REALM, QuickBooksStandIn


def _connection(sessions: sessionmaker[Session]) -> QuickBooksConnection | None:
    with sessions() as session:
        return session.get(QuickBooksConnection, TEAM)


def test_an_owner_connects_through_intuit_and_the_tokens_are_stored_sealed(
    slack: SlackHarness, qbo: QuickBooksStandIn
) -> None:
    reply = connect_link(slack)
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith("Connect QuickBooks: open the link to sign in to Intuit")
    assert "works for 10 minutes" in reply["text"]
    assert labels(reply) == ["Connect QuickBooks"]
    url = urlsplit(link_url(reply))
    query = parse_qs(url.query)
    assert (url.netloc, url.path) == ("appcenter.intuit.com", "/connect/oauth2")
    assert query["client_id"] == [CLIENT_ID] and query["response_type"] == ["code"]
    assert query["scope"] == ["com.intuit.quickbooks.accounting"]
    assert query["redirect_uri"] == [f"{PUBLIC_URL}/oauth/quickbooks/callback"]
    state = query["state"][0]
    assert TEAM not in state and OWNER not in state  # random: the database holds its hash

    code = qbo.issue_code("code-42")
    page = slack.get(f"/oauth/quickbooks/callback?code={code}&state={state}&realmId={REALM}")
    assert page.status == 200 and "QuickBooks is connected" in page.body
    [exchange] = qbo.calls_to("/tokens/bearer")
    assert exchange.body == {
        "grant_type": "authorization_code",
        "code": "code-42",
        "redirect_uri": f"{PUBLIC_URL}/oauth/quickbooks/callback",
    }
    connection = _connection(slack.sessions)
    assert connection is not None
    assert (connection.realm_id, connection.environment, connection.status) == (
        REALM,
        "sandbox",
        QuickBooksConnectionStatus.connected,
    )
    assert connection.connected_by == OWNER
    with slack.sessions() as session:
        stored = session.execute(
            text("SELECT access_token, refresh_token FROM quickbooks_connections")
        ).one()
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "connect_quickbooks")
        ).one()
    cipher = cipher_from_keys(SECRET_KEY)
    assert [cipher.open(value) for value in stored] == ["access-1", "refresh-1"]
    assert "access-1" not in stored and "refresh-1" not in stored
    assert audit.actor == OWNER and audit.after is not None
    assert "access_token" not in audit.after and "refresh_token" not in audit.after

    # The same link cannot be used twice: the state is spent, Intuit is not even asked.
    again = slack.get(f"/oauth/quickbooks/callback?code={code}&state={state}&realmId={REALM}")
    assert again.status == 400 and "was used already" in again.body
    assert len(qbo.calls_to("/tokens/bearer")) == 1


def test_staff_get_no_link_and_a_forged_or_stale_state_connects_nothing(
    slack: SlackHarness, qbo: QuickBooksStandIn
) -> None:
    refused = connect_link(slack, user=STAFF)
    assert refused["text"] == "Only an owner can connect QuickBooks."
    assert "blocks" not in refused or not labels(refused)

    code = qbo.issue_code()
    late = state_of(link_url(connect_link(slack)))
    with slack.sessions.begin() as session:  # a Gmail link's state, made for the same owner
        google = issue_oauth_state(
            session,
            workspace=get_workspace(session, TEAM),
            owner=OWNER,
            provider="google",
            now=slack.now,
        )
    slack.now += timedelta(minutes=10, seconds=1)
    for state in ("not-a-state", late, google):
        page = slack.get(f"/oauth/quickbooks/callback?code={code}&state={state}&realmId={REALM}")
        assert page.status == 400 and "has expired, was used already" in page.body
    denied = slack.get(f"/oauth/quickbooks/callback?error=access_denied&state={state}")
    assert denied.status == 400
    assert qbo.calls == [] and _connection(slack.sessions) is None


def test_a_link_made_for_an_owner_who_is_no_longer_one_connects_nothing(
    slack: SlackHarness, qbo: QuickBooksStandIn
) -> None:
    state = state_of(link_url(connect_link(slack)))
    with slack.sessions.begin() as session:
        from core.models import Workspace

        workspace = session.get(Workspace, TEAM)
        assert workspace is not None
        workspace.owner_ids = ["U0SOMEONEELSE"]
    page = slack.get(
        f"/oauth/quickbooks/callback?code={qbo.issue_code()}&state={state}&realmId={REALM}"
    )
    assert page.status == 400 and "Only an owner can connect QuickBooks." in page.body
    assert _connection(slack.sessions) is None


def test_the_app_home_offers_owners_the_connect_button(
    slack: SlackHarness, qbo: QuickBooksStandIn
) -> None:
    slack.home_opened(user=OWNER)
    [published] = slack.api.calls_to("views.publish")
    assert "Connect QuickBooks" in labels(published.params["view"])
    slack.api.clear()
    slack.home_opened(user=STAFF)
    [published] = slack.api.calls_to("views.publish")
    assert "Connect QuickBooks" not in labels(published.params["view"])

    connect(slack, qbo)
    slack.api.clear()
    slack.home_opened(user=OWNER)
    [published] = slack.api.calls_to("views.publish")
    assert "Connect QuickBooks" not in labels(published.params["view"])
    assert "QuickBooks: connected (company 9130355, sandbox)." in json.dumps(
        published.params["view"]
    )
    assert messages_to(slack.api, kind="response_url") == []

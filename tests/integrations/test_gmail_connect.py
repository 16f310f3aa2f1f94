"""Connecting Gmail from Slack: `/crm connect gmail`, Google's consent link, the callback on
`crm serve` (the real Flask app), a state bound to a workspace and an owner, used once within
ten minutes; Reconnect after Google refused the token; settings and Disconnect.

Google's consent screen is the stand-in's `consent(link)`; the code exchange runs through
google-auth-oauthlib against the stand-in's token endpoint (plain HTTP on 127.0.0.1, which
oauthlib allows only with OAUTHLIB_INSECURE_TRANSPORT, set for these tests alone).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.ids import ActionId
from cli.gmail import MailNotices
from core.common.enums import MailboxStatus
from core.models import AuditEntry, Lead, MailboxConnection, OAuthState, Workspace
from core.platform.token_cipher import cipher_from_keys
from core.workspaces.service import WorkspaceDefaults, ensure_workspace, get_workspace
from integrations.gmail.connect import GmailAdapters
from integrations.gmail.consent import consent_link
from jobs.mail_sync import sync_mailbox
from tests.bot.harness import SECRET_KEY, SlackHarness, labels, messages_to, row_count, shown
from tests.conftest import OWNER, STAFF, TEAM
from tests.integrations.conftest import PUBLIC_URL
from tests.integrations.gmail_standin import GmailStandIn

CALLBACK = "/oauth/google/callback"


@pytest.fixture
def gmail(monkeypatch: pytest.MonkeyPatch) -> Iterator[GmailStandIn]:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    stand_in = GmailStandIn().start()
    yield stand_in
    stand_in.stop()


def google_settings(gmail: GmailStandIn, **overrides: Any) -> dict[str, Any]:
    return {
        "crm_secret_key": SECRET_KEY,
        "crm_public_url": PUBLIC_URL,
        "google_client_id": gmail.client_id,
        "google_client_secret": gmail.client_secret,
        "crm_google_api_url": gmail.url,
        "crm_google_token_url": gmail.token_url,
    } | overrides


@pytest.fixture
def slack(
    sessions: sessionmaker[Session], workspace_id: str, gmail: GmailStandIn
) -> Iterator[SlackHarness]:
    with SlackHarness(sessions, **google_settings(gmail)) as harness:
        yield harness


def ask_for_link(slack: SlackHarness, user: str = OWNER) -> dict[str, Any]:
    """`/crm connect gmail`: the reply the user got."""
    slack.command("crm", "connect gmail", user=user)
    return messages_to(slack.api, kind="response_url", user=user)[-1]


def link_of(reply: dict[str, Any]) -> str:
    [url] = [
        element["url"]
        for block in reply.get("blocks") or []
        for element in block.get("elements") or []
        if element.get("action_id") == ActionId.OPEN_GMAIL_LINK
    ]
    return str(url)


def state_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["state"][0]


def callback(slack: SlackHarness, **params: str) -> tuple[int, str]:
    reply = slack.get(f"{CALLBACK}?{urlencode(params)}")
    return reply.status, reply.body


def connection(sessions: sessionmaker[Session]) -> MailboxConnection | None:
    with sessions() as session:
        return session.get(MailboxConnection, TEAM)


def exchanges(gmail: GmailStandIn) -> list[dict[str, str]]:
    return [r for r in gmail.token_requests if r.get("grant_type") == "authorization_code"]


def connect_through_google(slack: SlackHarness, gmail: GmailStandIn) -> None:
    link = link_of(ask_for_link(slack))
    status, body = callback(slack, code=gmail.consent(link), state=state_of(link))
    assert status == 200, body


def test_an_owner_connects_gmail_through_google_and_is_told_in_slack(
    slack: SlackHarness, gmail: GmailStandIn
) -> None:
    reply = ask_for_link(slack)
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == (
        "Connect Gmail: open the link to sign in to Google and allow sending and reading mail. "
        "The link is yours and works for 10 minutes."
    )
    assert labels(reply) == ["Connect Gmail"]
    link = link_of(reply)
    url, query = urlsplit(link), parse_qs(urlsplit(link).query)
    assert (url.netloc, url.path) == ("accounts.google.com", "/o/oauth2/auth")
    assert query["client_id"] == [gmail.client_id]
    assert query["redirect_uri"] == [f"{PUBLIC_URL}/oauth/google/callback"]
    assert set(query["scope"][0].split()) == {
        "https://www.googleapis.com/auth/gmail.send",
        "https://www.googleapis.com/auth/gmail.readonly",
    }
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    state = query["state"][0]
    assert TEAM not in state and OWNER not in state
    with slack.sessions() as session:  # only a hash of the state is kept
        [stored] = session.scalars(select(OAuthState))
        assert stored.state_hash != state and (stored.workspace_id, stored.owner) == (TEAM, OWNER)

    code = gmail.consent(link)
    status, body = callback(slack, code=code, state=state)
    assert status == 200, body
    assert "Gmail is connected" in body and "office@plumbco.example" in body
    [exchange] = exchanges(gmail)
    assert (exchange["code"], exchange["redirect_uri"]) == (code, f"{PUBLIC_URL}{CALLBACK}")
    assert ("GET", "/gmail/v1/users/me/profile") in gmail.calls  # the address is Gmail's word
    mailbox = connection(slack.sessions)
    assert mailbox is not None
    assert (mailbox.email_address, mailbox.status, mailbox.connected_by) == (
        "office@plumbco.example",
        MailboxStatus.active,
        OWNER,
    )
    cipher = cipher_from_keys(SECRET_KEY)
    assert gmail.refresh_token not in mailbox.refresh_token
    assert gmail.refresh_token != "1//refresh-ok"  # the one Google's exchange just issued
    assert cipher.open(mailbox.refresh_token) == gmail.refresh_token
    with slack.sessions() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "connect_mailbox"))
        [entry] = audit
        assert entry.actor == OWNER and "refresh_token" not in (entry.after or {})

    slack.deliver()
    [told] = messages_to(slack.api, kind="message", channel=f"D{OWNER}")
    assert told["text"] == "Gmail connected: office@plumbco.example."

    # The same link again (a replay, a double click): refused, nothing asked of Google.
    status, body = callback(slack, code=code, state=state)
    assert status == 400 and "was used already" in body
    assert len(exchanges(gmail)) == 1


def test_staff_asking_to_connect_get_a_friendly_refusal_and_no_link(
    slack: SlackHarness, gmail: GmailStandIn
) -> None:
    reply = ask_for_link(slack, user=STAFF)
    assert reply["text"] == "Only an owner can connect Gmail."
    assert labels(reply) == []
    assert row_count(slack.sessions, OAuthState) == 0


def test_a_state_connects_only_its_own_workspace_and_only_while_its_owner_is_one(
    slack: SlackHarness, gmail: GmailStandIn
) -> None:
    # Another workspace's owner gets a link; it carries no workspace a browser could change.
    with slack.sessions.begin() as session:
        ensure_workspace(session, "T0OTHER", WorkspaceDefaults(owner_ids=["U0OTHER"]))
    with slack.sessions.begin() as session:
        other_link = consent_link(
            slack.settings,
            session,
            workspace=get_workspace(session, "T0OTHER"),
            owner="U0OTHER",
            now=slack.now,
        )
    assert other_link is not None
    status, _ = callback(slack, code=gmail.consent(other_link), state=state_of(other_link))
    assert status == 200
    assert connection(slack.sessions) is None  # T0TEST untouched
    with slack.sessions() as session:
        other = session.get(MailboxConnection, "T0OTHER")
        assert other is not None and other.connected_by == "U0OTHER"

    # A link made for an owner who is no longer one when Google sends them back.
    link = link_of(ask_for_link(slack))
    with slack.sessions.begin() as session:
        workspace = session.get(Workspace, TEAM)
        assert workspace is not None
        workspace.owner_ids = ["U0SOMEONEELSE"]
    status, body = callback(slack, code=gmail.consent(link), state=state_of(link))
    assert status == 400 and "Only an owner can connect the mailbox." in body
    assert connection(slack.sessions) is None


def test_a_link_older_than_ten_minutes_is_refused(slack: SlackHarness, gmail: GmailStandIn) -> None:
    link = link_of(ask_for_link(slack))
    code = gmail.consent(link)
    slack.now += timedelta(minutes=10, seconds=1)
    status, body = callback(slack, code=code, state=state_of(link))
    assert status == 400 and "This Gmail link has expired" in body
    assert exchanges(gmail) == [] and connection(slack.sessions) is None


def test_a_refusal_no_code_a_forged_state_or_a_bad_code_answer_a_page_and_store_nothing(
    slack: SlackHarness, gmail: GmailStandIn
) -> None:
    link = link_of(ask_for_link(slack))
    state = state_of(link)
    status, body = callback(slack, error="access_denied", state=state)
    assert status == 400 and "Google said access was not allowed" in body
    status, body = callback(slack, state=state)
    assert status == 400 and "Google did not send back an authorization" in body
    status, body = callback(slack, code=gmail.consent(link), state="forged-" + state[7:])
    assert status == 400 and "This Gmail link has expired" in body
    assert exchanges(gmail) == []
    # Google refuses the code at the token endpoint: a page, not a 500.
    status, body = callback(slack, code="4/not-a-code", state=state)
    assert status == 400 and "Google did not accept the sign-in" in body
    assert len(exchanges(gmail)) == 1
    # The Gmail API is not enabled in the Google Cloud project: Gmail answers 403.
    gmail.profile_status = 403
    link = link_of(ask_for_link(slack))
    status, body = callback(slack, code=gmail.consent(link), state=state_of(link))
    assert status == 400 and "Gmail did not accept the new credentials" in body
    assert connection(slack.sessions) is None
    slack.deliver()
    assert messages_to(slack.api, kind="message") == []


def test_without_a_public_url_the_owner_is_told_to_connect_from_their_machine(
    sessions: sessionmaker[Session], workspace_id: str, gmail: GmailStandIn
) -> None:
    with SlackHarness(sessions, **google_settings(gmail, crm_public_url=None)) as slack:
        reply = ask_for_link(slack)
    assert reply["text"] == (
        "This install has no public URL (CRM_PUBLIC_URL) for Google to come back to, so Gmail "
        f"is connected from the owner's machine: run `crm gmail connect --workspace {TEAM}` "
        "there."
    )
    assert labels(reply) == []


def sync(slack: SlackHarness, gmail: GmailStandIn) -> str:
    """One pass of the worker's mail sync, on the app's clock, with the worker's notices."""
    cipher = cipher_from_keys(SECRET_KEY)
    adapters = GmailAdapters(slack.settings, sessions=slack.sessions, cipher=cipher)
    notices = MailNotices(lambda: slack.now)
    return sync_mailbox(
        sessions=slack.sessions,
        workspace_id=TEAM,
        mailbox_for=adapters.mailbox_for,
        now=lambda: slack.now,
        on_lead=notices.new_inquiry,
        on_paused=notices.paused,
    ).describe()


def test_reconnect_after_google_refused_the_token_resumes_sync_where_it_stopped(
    slack: SlackHarness, gmail: GmailStandIn
) -> None:
    connect_through_google(slack, gmail)
    assert sync(slack, gmail) == f"mail for {TEAM}: synced, 0 new"
    stored = connection(slack.sessions)
    assert stored is not None and stored.history_id == str(gmail.history_id)
    history_before = stored.history_id
    slack.deliver()
    slack.api.clear()

    gmail.revoked = True  # the owner removed the app's access in their Google account
    gmail.deliver(
        sender="Rita Moreno <rita@example.com>", subject="Leaking water heater", body="Help!"
    )
    assert sync(slack, gmail) == f"mail for {TEAM}: paused: reconnect the mailbox, 0 new"
    assert sync(slack, gmail) == f"mail for {TEAM}: paused, 0 new"
    slack.deliver()
    [notice] = messages_to(slack.api, kind="message", channel=f"D{OWNER}")
    assert notice["text"].startswith("Gmail refused our token (")
    assert "nothing is lost" in notice["text"]
    assert labels(notice) == ["Reconnect Gmail"]

    slack.api.clear()
    slack.action(ActionId.RECONNECT_GMAIL, user=OWNER, message=notice)
    [reply] = messages_to(slack.api, kind="response_url", user=OWNER)
    assert reply["text"].startswith("Reconnect Gmail: open the link to sign in to Google")
    link = link_of(reply)
    status, _ = callback(slack, code=gmail.consent(link), state=state_of(link))
    assert status == 200
    stored = connection(slack.sessions)
    assert stored is not None and stored.status == MailboxStatus.active
    assert stored.history_id == history_before  # kept through the pause and the reconnect

    gmail.calls.clear()
    assert sync(slack, gmail) == f"mail for {TEAM}: synced, 1 new (1 lead)"
    assert ("GET", "/gmail/v1/users/me/history") in gmail.calls  # from the stored history id
    assert ("GET", "/gmail/v1/users/me/messages") not in gmail.calls  # no re-read was needed
    with slack.sessions() as session:
        [lead] = session.scalars(select(Lead))
        assert lead.title == "Leaking water heater"


def test_settings_show_the_mailbox_and_an_owner_disconnects_it_keeping_history(
    slack: SlackHarness, gmail: GmailStandIn
) -> None:
    slack.command("crm", "settings", user=OWNER)
    [opened] = slack.api.calls_to("views.open")
    assert "*Gmail:* not connected." in shown(opened.params["view"])
    assert "Connect Gmail" in labels(opened.params["view"])

    connect_through_google(slack, gmail)
    gmail.deliver(sender="Rita Moreno <rita@example.com>", subject="Drain", body="Clogged")
    sync(slack, gmail)
    slack.api.clear()
    slack.command("crm", "settings", user=OWNER)
    [opened] = slack.api.calls_to("views.open")
    view = opened.params["view"]
    assert "*Gmail:* connected as office@plumbco.example." in shown(view)
    [disconnect] = [
        element
        for block in view["blocks"]
        for element in block.get("elements") or []
        if element.get("action_id") == ActionId.DISCONNECT_GMAIL
    ]
    assert disconnect["text"]["text"] == "Disconnect" and disconnect["confirm"]["style"] == "danger"

    slack.api.clear()
    slack.action(ActionId.DISCONNECT_GMAIL, user=STAFF, view=view)
    assert "Only an owner can disconnect the mailbox." in json.dumps(slack.api.messages)
    stored = connection(slack.sessions)
    assert stored is not None and stored.status == MailboxStatus.active

    slack.api.clear()
    slack.action(ActionId.DISCONNECT_GMAIL, user=OWNER, view=view)
    assert any(
        str(m["text"]).startswith("Gmail disconnected (office@plumbco.example)")
        for m in slack.api.messages
    )
    stored = connection(slack.sessions)
    assert stored is not None and stored.status == MailboxStatus.disconnected
    assert (stored.refresh_token, stored.client_secret) == ("", "")
    gmail.deliver(sender="Sam Lee <sam@example.com>", subject="Quote", body="How much?")
    assert sync(slack, gmail) == f"mail for {TEAM}: disconnected, 0 new"
    assert row_count(slack.sessions, Lead) == 1  # what was read before stays

    slack.api.clear()
    slack.command("crm", "settings", user=OWNER)
    [opened] = slack.api.calls_to("views.open")
    assert "Connect Gmail" in labels(opened.params["view"])


def test_the_app_home_offers_owners_connect_gmail_and_shows_the_address(
    slack: SlackHarness, gmail: GmailStandIn
) -> None:
    slack.home_opened(user=STAFF)
    [published] = slack.api.calls_to("views.publish")
    assert "Connect Gmail" not in labels(published.params["view"])
    slack.api.clear()
    slack.home_opened(user=OWNER)
    [published] = slack.api.calls_to("views.publish")
    assert "Connect Gmail" in labels(published.params["view"])

    slack.api.clear()
    slack.action(ActionId.CONNECT_GMAIL, user=OWNER, view=published.params["view"])
    [dm] = [m for m in slack.api.messages if "open the link to sign in to Google" in m["text"]]
    assert dm["text"].startswith("Connect Gmail:")
    connect_through_google(slack, gmail)
    slack.api.clear()
    slack.home_opened(user=OWNER)
    [published] = slack.api.calls_to("views.publish")
    assert "*Gmail:* connected as office@plumbco.example." in shown(published.params["view"])

"""Installs into many workspaces: the OAuth flow, the CRM database, the installer as owner."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.oauth import BOT_SCOPES, installation_store
from core.models import AuditEntry, Workspace
from core.platform.token_cipher import cipher_from_keys
from core.workspaces.service import WorkspaceDefaults, ensure_workspace
from tests.bot.harness import CLIENT_ID, SECRET_KEY, SlackHarness, texts
from tests.conftest import OWNER, STAFF, TEAM

INSTALLER = "U0INSTALLER"
ROOT = Path(__file__).resolve().parents[2]


def test_install_page_links_to_slack_with_a_state(slack_installable: SlackHarness) -> None:
    reply, state, cookie = slack_installable.start_install()
    assert reply.status == 200 and "text/html" in reply.headers["content-type"]
    link = re.search(r'<a href="([^"]+)"', reply.body)
    assert link is not None
    url = urlsplit(link.group(1).replace("&amp;", "&"))
    query = parse_qs(url.query)
    assert (url.netloc, url.path) == ("slack.com", "/oauth/v2/authorize")
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == [",".join(BOT_SCOPES)]
    assert query["state"] == [state] and cookie == f"slack-app-oauth-state={state}"
    assert slack_installable.api.calls == []  # nothing asked of Slack yet


def test_the_redirect_stores_the_installation_and_seats_the_installer(
    slack_installable: SlackHarness,
) -> None:
    slack = slack_installable
    reply = slack.install(code="code-42")
    assert reply.status == 200, reply.body
    assert "slack://app?team=T0TEST&amp;id=A0LOCAL" in reply.body  # the default success page
    [exchange] = slack.api.calls_to("oauth.v2.access")
    assert exchange.params["code"] == "code-42" and exchange.params["client_id"] == CLIENT_ID
    [check] = slack.api.calls_to("auth.test")
    assert check.token == "xoxb-T0TEST-code-42"

    installation = installation_store(
        CLIENT_ID, slack.sessions, secret_key=SECRET_KEY
    ).find_installation(enterprise_id=None, team_id=TEAM)
    assert installation is not None
    assert installation.bot_token == "xoxb-T0TEST-code-42"
    assert installation.bot_user_id == "U0BOT" and installation.user_id == INSTALLER
    with slack.sessions() as session:
        workspace = session.get(Workspace, TEAM)
        assert workspace is not None and workspace.owner_ids == [INSTALLER]
        assert workspace.timezone == "America/New_York" and workspace.holiday_country == "US"
        audit = session.scalars(select(AuditEntry).where(AuditEntry.workspace_id == TEAM)).one()
        assert (audit.actor, audit.action, audit.before) == (INSTALLER, "install_app", None)


def test_bot_tokens_are_stored_encrypted_and_read_back_plain(
    slack_installable: SlackHarness,
) -> None:
    slack = slack_installable
    assert slack.install(code="sealed").status == 200
    token = "xoxb-T0TEST-sealed"
    cipher = cipher_from_keys(SECRET_KEY)
    with slack.sessions() as session:
        for table in ("slack_installations", "slack_bots"):
            [stored] = session.execute(text(f"SELECT bot_token FROM {table}")).scalars().all()
            assert token not in stored and cipher.open(stored) == token, table
    store = installation_store(CLIENT_ID, slack.sessions, secret_key=SECRET_KEY)
    bot = store.find_bot(enterprise_id=None, team_id=TEAM)
    assert bot is not None and bot.bot_token == token
    slack.api.clear()
    assert slack.command("pipeline", user=STAFF).status == 200
    # Bolt got the plain token (the response_url post carries none).
    assert {call.token for call in slack.api.calls if call.token is not None} == {token}


def test_a_workspace_with_no_owner_gets_the_installer(slack_installable: SlackHarness) -> None:
    with slack_installable.sessions.begin() as session:
        ensure_workspace(session, TEAM, WorkspaceDefaults(owner_ids=[], timezone="Europe/Paris"))
    slack_installable.install()
    with slack_installable.sessions() as session:
        workspace = session.get(Workspace, TEAM)
        assert workspace is not None
        assert workspace.owner_ids == [INSTALLER] and workspace.timezone == "Europe/Paris"


def test_a_workspace_with_owners_keeps_them(
    slack_installable: SlackHarness, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        ensure_workspace(session, TEAM, WorkspaceDefaults(owner_ids=[OWNER]))
    assert slack_installable.install().status == 200
    with sessions() as session:
        workspace = session.get(Workspace, TEAM)
        assert workspace is not None and workspace.owner_ids == [OWNER]
        assert session.scalars(select(AuditEntry)).all() == []


def test_a_redirect_with_a_wrong_state_installs_nothing(slack_installable: SlackHarness) -> None:
    _, state, cookie = slack_installable.start_install()
    reply = slack_installable.get(
        "/slack/oauth_redirect?code=c&state=forged", headers={"Cookie": cookie}
    )
    assert reply.status in (400, 401)
    assert slack_installable.api.calls_to("oauth.v2.access") == []
    with slack_installable.sessions() as session:
        assert session.get(Workspace, TEAM) is None


def test_a_state_is_good_for_one_install_only(slack_installable: SlackHarness) -> None:
    _, state, cookie = slack_installable.start_install()
    path = f"/slack/oauth_redirect?code=c&state={state}"
    assert slack_installable.get(path, headers={"Cookie": cookie}).status == 200
    assert slack_installable.get(path, headers={"Cookie": cookie}).status == 401
    assert len(slack_installable.api.calls_to("oauth.v2.access")) == 1


def test_after_install_requests_use_the_installed_token_on_the_local_api(
    slack_installable: SlackHarness,
) -> None:
    slack = slack_installable
    slack.install(code="abc")
    slack.api.clear()
    seen: list[tuple[str, str | None]] = []

    @slack.app.command("/test-ping")
    def ping(ack: Ack, client: WebClient) -> None:
        ack()
        seen.append((client.base_url, client.token))
        client.chat_postMessage(channel="C0GENERAL", text="pong")

    assert slack.command("test-ping", user=STAFF).status == 200
    assert seen == [(slack.api.url, "xoxb-T0TEST-abc")]
    [posted] = slack.api.calls_to("chat.postMessage")
    assert posted.token == "xoxb-T0TEST-abc"
    assert slack.app.oauth_flow is not None
    assert slack.app.oauth_flow.client.base_url == slack.api.url


def test_a_team_that_never_installed_is_turned_away(slack_installable: SlackHarness) -> None:
    ran: list[str] = []

    @slack_installable.app.command("/test-ping")
    def ping(ack: Ack) -> None:
        ack()
        ran.append("ping")

    reply = slack_installable.command("test-ping")
    assert reply.status == 200
    [told] = texts(slack_installable.api, kind="response_url")
    assert "your installation with this app is no longer available" in told  # Bolt's wording
    assert ran == []


# -- the tables, the manifest -----------------------------------------------------------------


def _columns(table: Any) -> dict[str, bool]:
    return {column.name: bool(column.nullable) for column in table.columns}


def test_migration_0002_has_every_column_the_sdk_stores(sessions: sessionmaker[Session]) -> None:
    expected_metadata = MetaData()
    expected = {
        "slack_installations": SQLAlchemyInstallationStore.build_installations_table(
            expected_metadata, "slack_installations"
        ),
        "slack_bots": SQLAlchemyInstallationStore.build_bots_table(expected_metadata, "slack_bots"),
        "slack_oauth_states": SQLAlchemyOAuthStateStore.build_oauth_states_table(
            expected_metadata, "slack_oauth_states"
        ),
    }
    with sessions() as session:
        found = inspect(session.connection())
        for name, table in expected.items():
            actual = {c["name"]: bool(c["nullable"]) for c in found.get_columns(name)}
            sdk = _columns(table)
            sdk["id"] = actual.get("id", False)  # primary keys report nullable differently
            assert actual == sdk, name


def _manifest_list(text: str, key: str) -> list[str]:
    """The items of a block list `key:` in manifest.yml (no YAML parser needed for these)."""
    match = re.search(rf"^(\s*){re.escape(key)}:\n((?:\1\s*- .*\n)+)", text, re.MULTILINE)
    assert match is not None, key
    return [line.strip()[2:].strip() for line in match.group(2).splitlines()]


def test_manifest_asks_for_the_scopes_the_install_asks_for() -> None:
    manifest = (ROOT / "manifest.yml").read_text()
    assert sorted(_manifest_list(manifest, "bot")) == sorted(BOT_SCOPES)


def test_manifest_has_the_commands_events_and_socket_mode() -> None:
    manifest = (ROOT / "manifest.yml").read_text()
    commands = re.findall(r"^\s*- command: (/\w+)$", manifest, re.MULTILINE)
    assert commands == ["/lead", "/customer", "/log", "/pipeline", "/followups", "/crm"]
    events = _manifest_list(manifest, "bot_events")
    assert {"app_mention", "message.im", "app_home_opened"} <= set(events)
    assert re.search(r"^\s*socket_mode_enabled: true$", manifest, re.MULTILINE)
    assert re.search(r"^\s*home_tab_enabled: true$", manifest, re.MULTILINE)
    assert re.search(r"^\s*messages_tab_enabled: true$", manifest, re.MULTILINE)
    assert "https://example.com/slack/events" in manifest
    assert "https://example.com/slack/oauth_redirect" in manifest

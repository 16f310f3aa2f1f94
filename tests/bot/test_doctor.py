"""`crm doctor` and `/crm doctor`: each check's ok and failing case, against the local Slack."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from slack_sdk import WebClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bot.doctor import REQUIRED_BOT_SCOPES, Check, diagnose
from cli.main import main
from console.local_slack import LocalSlackAPI
from core.models import Workspace
from core.platform.config import Settings, get_settings
from tests.bot.harness import SlackHarness, texts
from tests.conftest import OWNER, STAFF, TEAM
from tests.jobs.conftest import CommittedDatabase, committed_db  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parents[2]


class DoctorSlack(LocalSlackAPI):
    """The local Slack, plus what the checks read: granted scopes, members, named channels."""

    def __init__(self) -> None:
        super().__init__(team_id=TEAM)
        self.scopes = list(REQUIRED_BOT_SCOPES)
        self.members: dict[str, dict[str, Any]] = {OWNER: {}, STAFF: {}}
        self.named: dict[str, dict[str, Any]] = {
            "pipeline": {"id": "C0PIPE", "name": "pipeline", "is_member": False}
        }

    def _send(
        self,
        req: BaseHTTPRequestHandler,
        status: int,
        payload: dict[str, Any] | str,
        extra: dict[str, str] | None = None,
    ) -> None:
        scopes = {"x-oauth-scopes": ",".join(self.scopes)}
        super()._send(req, status, payload, scopes | (extra or {}))

    def _answer(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        if method == "users.info":
            if p.get("user") not in self.members:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": self._user(str(p["user"])) | self.members[p["user"]]}
        if method == "conversations.list":
            page = {"channels": list(self.named.values()), "response_metadata": {}}
            return {"ok": True} | page
        return super()._answer(method, p)


@pytest.fixture
def doctor_slack() -> Iterator[DoctorSlack]:
    api = DoctorSlack()
    api.start()
    yield api
    api.stop()


def settings(**values: Any) -> Settings:
    base: dict[str, Any] = {"slack_bot_token": "xoxb-doctor", "slack_signing_secret": "s"}
    return Settings(_env_file=None, **(base | values))  # type: ignore[call-arg]


def run_checks(
    sessions: sessionmaker[Session], api: DoctorSlack | None, **values: Any
) -> dict[str, Check]:
    client = WebClient(token="xoxb-doctor", base_url=api.url + "/") if api else None
    found = diagnose(
        settings=settings(**values), sessions=sessions, client=client, workspace_id=TEAM
    )
    return {check.name: check for check in found}


def failing(checks: dict[str, Check]) -> dict[str, str]:
    return {name: check.detail for name, check in checks.items() if not check.ok}


def test_a_healthy_deployment_passes_every_check(
    sessions: sessionmaker[Session], workspace_id: str, doctor_slack: DoctorSlack
) -> None:
    checks = run_checks(sessions, doctor_slack)
    assert failing(checks) == {}
    assert list(checks) == [
        "database",
        "slack mode",
        "slack token",
        "slack scopes",
        "secret key",
        "timezone and country",
        "owners",
        "pipeline channel",
        "gmail",
        "quickbooks",
    ]
    assert checks["gmail"].detail.startswith("not connected (optional")
    assert checks["pipeline channel"].detail == "#pipeline exists and the bot can post there"
    # Read only: the checks posted nothing and opened nothing.
    assert doctor_slack.messages == []


def test_each_slack_problem_is_named_with_what_to_do(
    sessions: sessionmaker[Session], workspace_id: str, doctor_slack: DoctorSlack
) -> None:
    doctor_slack.scopes.remove("files:write")
    doctor_slack.members[STAFF] = {"deleted": True}
    doctor_slack.named["pipeline"] |= {"is_private": True}
    with sessions.begin() as session:
        workspace = session.get(Workspace, TEAM)
        assert workspace is not None
        workspace.owner_ids = [OWNER, STAFF, "U0GONE"]
    problems = failing(run_checks(sessions, doctor_slack))
    assert problems == {
        "slack scopes": "missing files:write: add them under OAuth & Permissions "
        "(or re-paste manifest.yml) and reinstall",
        "owners": f"not members: {STAFF} (deactivated), U0GONE (user_not_found); fix CRM_OWNER_IDS",
        "pipeline channel": "#pipeline is private: /invite the bot there",
    }


def test_a_missing_channel_and_a_refused_token(
    sessions: sessionmaker[Session], workspace_id: str, doctor_slack: DoctorSlack
) -> None:
    doctor_slack.named.clear()
    assert failing(run_checks(sessions, doctor_slack)) == {
        "pipeline channel": "#pipeline not found: create it or change it"
    }
    doctor_slack.fail_next("auth.test", error="invalid_auth")
    assert failing(run_checks(sessions, doctor_slack)) == {
        "slack token": "Slack refused it (invalid_auth); reinstall the app"
    }


def test_no_owners_no_mode_and_a_bad_region(
    sessions: sessionmaker[Session], workspace_id: str, doctor_slack: DoctorSlack
) -> None:
    with sessions.begin() as session:
        workspace = session.get(Workspace, TEAM)
        assert workspace is not None
        workspace.owner_ids = []
        workspace.timezone = "Mars/Olympus"
        workspace.holiday_country = "ZZ"
    problems = failing(run_checks(sessions, doctor_slack, slack_signing_secret=None))
    assert problems["owners"] == "none set: put member ids in CRM_OWNER_IDS"
    assert problems["slack mode"].startswith("set SLACK_APP_TOKEN (Socket Mode) or")
    assert problems["timezone and country"] == (
        "timezone 'Mars/Olympus' is not an IANA name; no holiday calendar for country 'ZZ'"
        " (see /crm settings)"
    )


def test_the_secret_key_is_needed_once_tokens_are_stored(
    sessions: sessionmaker[Session], workspace_id: str, doctor_slack: DoctorSlack
) -> None:
    assert run_checks(sessions, doctor_slack)["secret key"].ok
    with sessions.begin() as session:
        session.execute(
            text(
                "INSERT INTO slack_bots (client_id, app_id, team_id, bot_token, bot_id,"
                " bot_user_id, installed_at, is_enterprise_install) VALUES ('1.2', 'A0', :team,"
                " 'xoxb-stored', 'B0', 'U0BOT', CURRENT_TIMESTAMP, false)"
            ),
            {"team": TEAM},
        )
    assert failing(run_checks(sessions, doctor_slack)) == {
        "secret key": "tokens are stored: set CRM_SECRET_KEY"
    }
    assert failing(run_checks(sessions, doctor_slack, crm_secret_key="not-a-key")) == {
        "secret key": "CRM_SECRET_KEY holds a key that is not a Fernet key"
    }
    key = Fernet.generate_key().decode()
    assert run_checks(sessions, doctor_slack, crm_secret_key=key)["secret key"].ok


def test_the_scopes_checked_are_the_manifests() -> None:
    manifest = (ROOT / "manifest.yml").read_text()
    block = manifest.split("scopes:\n    bot:\n", 1)[1].split("\nsettings:", 1)[0]
    assert tuple(re.findall(r"^\s+- (\S+)$", block, re.M)) == REQUIRED_BOT_SCOPES


def test_crm_doctor_prints_a_line_per_check_and_fails_when_something_is_wrong(
    committed_db: CommittedDatabase,  # noqa: F811 - the fixture imported above
    doctor_slack: DoctorSlack,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", committed_db.url)
    monkeypatch.setenv("SLACK_API_URL", doctor_slack.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-cli")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    for name in ("SLACK_CLIENT_ID", "SLACK_APP_TOKEN", "CRM_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    try:
        doctor_slack.named["pipeline"]["name"] = "pipeline"
        code = main(["doctor", "--workspace", committed_db.workspace_id])
        out = capsys.readouterr().out.splitlines()
        # The jobs fixture's workspace posts to a channel by id the local Slack knows.
        assert code == 0, out
        assert out[0].startswith("ok    database: reachable, migrations at head")
        assert out[-1] == "Everything checks out."
        doctor_slack.fail_next("auth.test", error="invalid_auth")
        assert main(["doctor"]) == 1
        out = capsys.readouterr().out.splitlines()
        assert "FAIL  slack token: Slack refused it (invalid_auth); reinstall the app" in out
        assert out[-1] == "1 problem(s) found."
    finally:
        get_settings.cache_clear()


def test_slash_crm_doctor_is_for_owners(slack: SlackHarness) -> None:
    slack.command("crm", "doctor", user=STAFF)
    assert texts(slack.api, kind="response_url") == ["Only an owner can run the deployment checks."]
    slack.api.clear()
    slack.command("crm", "doctor", user=OWNER)
    [said] = texts(slack.api, kind="response_url")
    # The plain local Slack grants no scopes and has no #pipeline: the checklist says so.
    assert said == "Deployment check: 2 problem(s) found."
    [reply] = [m for m in slack.api.messages if m.get("kind") == "response_url"]
    shown = "\n".join(str(block) for block in reply["blocks"])
    assert "❌ *slack scopes*: missing commands, chat:write" in shown
    assert "❌ *pipeline channel*: #pipeline not found: create it or change it" in shown
    assert "✅ *database*: reachable, migrations at head" in shown


def test_a_connected_mailbox_is_asked_and_a_paused_or_revoked_connection_fails(
    sessions: sessionmaker[Session], workspace_id: str, doctor_slack: DoctorSlack
) -> None:
    from core.common.enums import MailboxStatus, QuickBooksConnectionStatus
    from core.mailbox.connection import MailboxSecrets, connect_mailbox
    from core.models import MailboxConnection, QuickBooksConnection
    from core.platform.token_cipher import TokenCipher
    from tests.integrations.gmail_standin import GmailStandIn

    key = Fernet.generate_key().decode()
    gmail = GmailStandIn().start()
    try:
        with sessions.begin() as session:
            connect_mailbox(
                session=session,
                workspace=session.get(Workspace, TEAM),  # type: ignore[arg-type]
                actor=OWNER,
                email_address=gmail.address,
                display_name=None,
                secrets=MailboxSecrets(gmail.refresh_token, gmail.client_id, gmail.client_secret),
                cipher=TokenCipher([key]),
                now=datetime(2026, 3, 2, tzinfo=UTC),
            )
        urls = {"crm_google_api_url": gmail.url, "crm_google_token_url": gmail.token_url}
        checks = run_checks(sessions, doctor_slack, crm_secret_key=key, **urls)
        assert checks["gmail"].ok, checks["gmail"].detail
        assert checks["gmail"].detail.startswith(f"connected as {gmail.address}")
        gmail.revoked = True
        assert not run_checks(sessions, doctor_slack, crm_secret_key=key, **urls)["gmail"].ok
        with sessions.begin() as session:
            stored = session.get(MailboxConnection, TEAM)
            assert stored is not None
            stored.status = MailboxStatus.paused
            session.add(
                QuickBooksConnection(
                    workspace_id=TEAM,
                    realm_id="9130",
                    environment="sandbox",
                    status=QuickBooksConnectionStatus.revoked,
                    connected_by=OWNER,
                    created_at=datetime(2026, 3, 2, tzinfo=UTC),
                    updated_at=datetime(2026, 3, 2, tzinfo=UTC),
                )
            )
        problems = failing(run_checks(sessions, doctor_slack, crm_secret_key=key, **urls))
        assert problems["gmail"].startswith("paused (")
        assert problems["quickbooks"] == "Intuit refused the token: /crm connect quickbooks"
    finally:
        gmail.stop()


def test_an_empty_or_unreachable_database_is_the_first_and_only_line_to_fix(
    tmp_path: Path,
) -> None:
    from core.platform.db import make_engine, make_sessions

    for url, says in (
        (f"sqlite:///{tmp_path / 'empty.db'}", "empty, this version needs "),
        (f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}", "cannot connect ("),
    ):
        engine = make_engine(url)
        try:
            found = diagnose(
                settings=settings(), sessions=make_sessions(engine), client=None, workspace_id=TEAM
            )
        finally:
            engine.dispose()
        assert [c.name for c in found] == ["database", "slack mode"]
        assert not found[0].ok and found[0].detail.startswith(says), found[0].detail

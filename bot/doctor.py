"""`crm doctor` and `/crm doctor`: is this deployment able to do its job? One line per check.

Each check answers ok, or says what is wrong and what to do about it, so a person setting up
the bot fixes one line at a time (docs/deploy.md, "Check a deployment"). Checks read only:
nothing is posted, nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import phonenumbers
from cryptography.fernet import Fernet
from googleapiclient.errors import HttpError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.common.enums import MailboxStatus, QuickBooksConnectionStatus
from core.errors import CRMError
from core.mailbox.connection import get_mailbox
from core.models import Workspace
from core.platform.config import Settings
from core.platform.migrate import current_head, database_revision
from core.platform.token_cipher import cipher_from_keys
from core.ports import MailboxRefused
from core.quickbooks.connection import quickbooks_connection
from integrations.gmail.connect import GmailAdapters

__all__ = ["REQUIRED_BOT_SCOPES", "Check", "diagnose"]

# The bot scopes manifest.yml asks for; a test keeps the two lists equal.
REQUIRED_BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "im:write",
    "im:history",
    "im:read",
    "app_mentions:read",
    "users:read",
    "files:write",
    "channels:read",
    "groups:read",
)


@dataclass(frozen=True)
class Check:
    """One line of the checklist: what was checked, whether it is fine, and what to do if not."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}"


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]


def _slack_error(error: SlackClientError) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or error.response.status_code)
    return _first_line(error)


def check_database(sessions: sessionmaker[Session]) -> Check:
    """The database answers and `crm db upgrade` brought it to this version's head."""
    try:
        with sessions() as session:
            revision = database_revision(session.connection())
    except SQLAlchemyError as error:
        return Check(
            "database", False, f"cannot connect ({_first_line(error)}); check DATABASE_URL"
        )
    head = current_head()
    if revision != head:
        where = f"at {revision}" if revision else "empty"
        return Check("database", False, f"{where}, this version needs {head}: run `crm db upgrade`")
    return Check("database", True, f"reachable, migrations at head ({head})")


def check_connection_mode(settings: Settings) -> Check:
    """Slack can reach the bot: Socket Mode, or HTTP with a signing secret to verify requests."""
    if settings.slack_app_token is not None:
        return Check("slack mode", True, "Socket Mode (SLACK_APP_TOKEN); no public URL needed")
    if settings.slack_signing_secret is not None:
        return Check("slack mode", True, "HTTP, requests verified with SLACK_SIGNING_SECRET")
    return Check(
        "slack mode",
        False,
        "set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP); see docs/slack-setup.md",
    )


def check_token_and_scopes(client: WebClient) -> list[Check]:
    """`auth.test` accepts the token, and the token carries every scope manifest.yml asks for."""
    try:
        response = client.auth_test()
    except SlackClientError as error:
        reason = _slack_error(error)
        return [Check("slack token", False, f"Slack refused it ({reason}); reinstall the app")]
    found = Check("slack token", True, f"valid for team {response.get('team_id')}")
    granted = {
        scope.strip()
        for scope in str(response.headers.get("x-oauth-scopes", "")).split(",")
        if scope.strip()
    }
    missing = [scope for scope in REQUIRED_BOT_SCOPES if scope not in granted]
    if missing:
        fix = "add them under OAuth & Permissions (or re-paste manifest.yml) and reinstall"
        return [found, Check("slack scopes", False, f"missing {', '.join(missing)}: {fix}")]
    return [found, Check("slack scopes", True, f"all {len(REQUIRED_BOT_SCOPES)} granted")]


def check_owners(client: WebClient, workspace: Workspace) -> Check:
    """Owners are set, and each is a live member of the workspace (not a bot, not deactivated)."""
    owners = list(workspace.owner_ids or [])
    if not owners:
        return Check("owners", False, "none set: put member ids in CRM_OWNER_IDS")
    problems = []
    for owner in owners:
        try:
            user = client.users_info(user=owner)["user"]
        except SlackClientError as error:
            problems.append(f"{owner} ({_slack_error(error)})")
            continue
        if user.get("deleted") or user.get("is_bot"):
            problems.append(f"{owner} ({'deactivated' if user.get('deleted') else 'a bot'})")
    if problems:
        return Check("owners", False, f"not members: {', '.join(problems)}; fix CRM_OWNER_IDS")
    return Check("owners", True, f"{len(owners)} owner(s), all members")


def _find_channel(client: WebClient, channel: str) -> dict[str, object] | None:
    """The channel a setting names, by id (C…/G…) or by `#name`."""
    if not channel.startswith("#"):
        return dict(client.conversations_info(channel=channel)["channel"])
    name, cursor = channel[1:], None
    while True:
        page = client.conversations_list(
            types="public_channel,private_channel", limit=200, cursor=cursor
        )
        for found in page.get("channels") or []:
            if found.get("name") == name:
                return dict(found)
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None


def check_pipeline_channel(client: WebClient, workspace: Workspace) -> Check:
    """The digest channel exists, is not archived, and the bot may post there."""
    channel = workspace.pipeline_channel
    try:
        found = _find_channel(client, channel)
    except SlackClientError as error:
        return Check("pipeline channel", False, f"{channel}: {_slack_error(error)}")
    if found is None:
        return Check("pipeline channel", False, f"{channel} not found: create it or change it")
    if found.get("is_archived"):
        return Check("pipeline channel", False, f"{channel} is archived: pick another")
    if not found.get("is_member") and found.get("is_private"):
        return Check("pipeline channel", False, f"{channel} is private: /invite the bot there")
    return Check("pipeline channel", True, f"{channel} exists and the bot can post there")


def check_region(workspace: Workspace) -> Check:
    """The timezone, holiday country and phone region are ones the libraries know."""
    problems = []
    try:
        ZoneInfo(workspace.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"timezone {workspace.timezone!r} is not an IANA name")
    try:
        holidays.country_holidays(workspace.holiday_country)
    except NotImplementedError:
        problems.append(f"no holiday calendar for country {workspace.holiday_country!r}")
    if workspace.default_phone_region not in phonenumbers.SUPPORTED_REGIONS:
        problems.append(f"phone region {workspace.default_phone_region!r} is unknown")
    if problems:
        return Check("timezone and country", False, "; ".join(problems) + " (see /crm settings)")
    detail = f"{workspace.timezone}, holidays and phones of {workspace.holiday_country}"
    return Check("timezone and country", True, detail)


def check_secret_key(settings: Settings, stored_tokens: int) -> Check:
    """Stored third-party tokens need CRM_SECRET_KEY, and each key in it must be a Fernet key."""
    raw = settings.crm_secret_key.get_secret_value() if settings.crm_secret_key else ""
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            return Check("secret key", False, "CRM_SECRET_KEY holds a key that is not a Fernet key")
    if not keys:
        if stored_tokens:
            return Check("secret key", False, "tokens are stored: set CRM_SECRET_KEY")
        return Check("secret key", True, "not set; no stored tokens need it yet")
    return Check("secret key", True, f"{len(keys)} key(s); the first encrypts")


def count_stored_tokens(session: Session) -> int:
    """Rows holding third-party tokens: Slack installs and bots, the mailbox, QuickBooks."""
    total = 0
    for table in (
        "slack_installations",
        "slack_bots",
        "mailbox_connections",
        "quickbooks_connections",
    ):
        try:
            with session.begin_nested():
                total += session.scalar(select(func.count()).select_from(text(table))) or 0
        except SQLAlchemyError:
            continue  # table not made yet: nothing stored there
    return total


def check_gmail(
    session: Session, workspace: Workspace, *, settings: Settings, sessions: sessionmaker[Session]
) -> Check:
    """The connected mailbox answers (a live `getProfile`), or is not connected at all."""
    connection = get_mailbox(session, workspace=workspace)
    if connection is None or connection.status == MailboxStatus.disconnected:
        return Check("gmail", True, "not connected (optional: README, Connect Gmail)")
    if connection.status == MailboxStatus.paused:
        why = connection.status_reason or "Google refused the token"
        return Check("gmail", False, f"paused ({why}): reconnect with `/crm connect gmail`")
    key = settings.crm_secret_key
    if key is None:
        return Check("gmail", False, "connected, but CRM_SECRET_KEY is unset: its token is sealed")
    try:
        cipher = cipher_from_keys(key.get_secret_value())
        mailbox = GmailAdapters(settings, sessions=sessions, cipher=cipher).mailbox_for(connection)
        address = mailbox.profile_address()
    except (CRMError, MailboxRefused, HttpError, OSError) as error:
        return Check("gmail", False, f"{connection.email_address} does not answer: {error}")
    synced = (
        f", last synced {connection.last_synced_at:%Y-%m-%d %H:%M} UTC"
        if connection.last_synced_at
        else ", not synced yet (is `crm worker` running?)"
    )
    return Check("gmail", True, f"connected as {address}{synced}")


def check_quickbooks(session: Session, workspace: Workspace, *, now: datetime) -> Check:
    """The QuickBooks company is connected and its refresh token still valid, or not set up."""
    connection = quickbooks_connection(session, workspace.workspace_id)
    if connection is None or connection.status == QuickBooksConnectionStatus.disconnected:
        return Check("quickbooks", True, "not connected (optional: README, Connect QuickBooks)")
    if connection.status == QuickBooksConnectionStatus.revoked:
        return Check("quickbooks", False, "Intuit refused the token: /crm connect quickbooks")
    expires = connection.refresh_token_expires_at
    if expires is not None and expires <= now:
        return Check("quickbooks", False, "the refresh token expired: /crm connect quickbooks")
    where = f"company {connection.realm_id} ({connection.environment})"
    return Check("quickbooks", True, f"connected to {where}")


ExtraChecks = Callable[[Session, Workspace], Sequence[Check]]


def diagnose(
    *,
    settings: Settings,
    sessions: sessionmaker[Session],
    client: WebClient | None,
    workspace_id: str | None,
    extra: Sequence[ExtraChecks] = (),
) -> list[Check]:
    """Every check, in the order a person would fix them; stops early only if there is no DB."""
    checks = [check_database(sessions), check_connection_mode(settings)]
    if not checks[0].ok:
        return checks
    token_ok = False
    if client is None:
        checks.append(Check("slack token", False, "none for this workspace: set SLACK_BOT_TOKEN"))
    else:
        checks += check_token_and_scopes(client)
        token_ok = checks[-2].ok if len(checks) >= 2 and checks[-2].name == "slack token" else False
    with sessions() as session:
        workspace = session.get(Workspace, workspace_id) if workspace_id else None
        checks.append(check_secret_key(settings, count_stored_tokens(session)))
        if workspace is None:
            checks.append(
                Check("workspace", False, "not seen yet: open the bot in Slack once, or import")
            )
            return checks
        checks.append(check_region(workspace))
        if client is not None and token_ok:
            checks += [check_owners(client, workspace), check_pipeline_channel(client, workspace)]
        checks.append(check_gmail(session, workspace, settings=settings, sessions=sessions))
        checks.append(check_quickbooks(session, workspace, now=datetime.now(UTC)))
        for more in extra:
            checks += more(session, workspace)
    return checks

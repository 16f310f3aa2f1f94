"""`crm gmail connect|status|sync|disconnect [--workspace T]`: the workspace's Gmail mailbox.

`connect --token-file F` takes an authorized-user JSON (google-auth's format: client_id,
client_secret, refresh_token); plain `connect` runs Google's installed-app flow in a browser on
this machine with GOOGLE_CLIENT_ID / GOOGLE_CLIENT_SECRET. Either way the credentials are
checked against Gmail (the mailbox's own address comes from it) before they are stored,
sealed with CRM_SECRET_KEY. The person running the command acts as the workspace's first
owner, or as `--owner U…`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import CRMError, InvalidInput
from core.platform.config import Settings, get_settings

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

    from core.mailbox.inbound import InboundOutcome
    from core.models import Workspace

__all__ = ["MailNotices", "register"]


def register(commands: Any) -> None:
    gmail = commands.add_parser("gmail", help="the workspace's Gmail mailbox")
    actions = gmail.add_subparsers(dest="gmail_command", required=True)
    connect = actions.add_parser("connect", help="connect a Gmail mailbox (owners)")
    connect.add_argument("--token-file", metavar="F", help="an authorized-user JSON file")
    connect.add_argument("--owner", metavar="USER_ID", help="the owner connecting it")
    connect.add_argument("--name", metavar="NAME", help="the display name mail is sent with")
    for name, helping in (
        ("status", "show the connected mailbox"),
        ("sync", "run one inbound pass now"),
        ("disconnect", "stop sending from and reading the mailbox"),
    ):
        action = actions.add_parser(name, help=helping)
        if name == "disconnect":
            action.add_argument("--owner", metavar="USER_ID", help="the owner disconnecting it")
    for action in actions.choices.values():
        action.add_argument("--workspace", metavar="TEAM_ID", help="default: the only one")
    connect.set_defaults(handler=_connect)
    actions.choices["status"].set_defaults(handler=_status)
    actions.choices["sync"].set_defaults(handler=_sync)
    actions.choices["disconnect"].set_defaults(handler=_disconnect)


def _authorized_user(path: str) -> dict[str, str]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InvalidInput(f"Cannot read {path}: {error}", field="token-file") from None
    missing = [k for k in ("client_id", "client_secret", "refresh_token") if not data.get(k)]
    if not isinstance(data, dict) or missing:
        raise InvalidInput(
            f"{path} is not an authorized-user file: it lacks {', '.join(missing)}.",
            field="token-file",
        )
    return {k: str(data[k]) for k in ("client_id", "client_secret", "refresh_token")}


def _browser_consent(settings: Settings) -> dict[str, str]:
    """Google's installed-app flow: a browser on this machine, a redirect to localhost."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    from integrations.gmail.service import GMAIL_SCOPES, GOOGLE_TOKEN_URL

    if not settings.google_client_id or settings.google_client_secret is None:
        raise InvalidInput(
            "Set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET (README, Connect Gmail), "
            "or pass --token-file.",
            field="token-file",
        )
    client = {
        "installed": {
            "client_id": settings.google_client_id,
            "client_secret": settings.google_client_secret.get_secret_value(),
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": settings.crm_google_token_url or GOOGLE_TOKEN_URL,
        }
    }
    flow = InstalledAppFlow.from_client_config(client, scopes=list(GMAIL_SCOPES))
    credentials = flow.run_local_server(port=0, open_browser=True)
    return {
        "client_id": settings.google_client_id,
        "client_secret": settings.google_client_secret.get_secret_value(),
        "refresh_token": str(credentials.refresh_token),
    }


class _Setup:
    """The database, the workspace, the cipher and the Gmail adapters for one command."""

    def __init__(self, args: argparse.Namespace) -> None:
        from cli.workspace_choice import choose_workspace
        from core.platform.db import make_engine, make_sessions
        from core.platform.token_cipher import cipher_from_keys
        from integrations.gmail.connect import GmailAdapters

        self.settings = get_settings()
        key = self.settings.crm_secret_key
        self.cipher = cipher_from_keys(key.get_secret_value() if key else None)
        self.engine = make_engine(self.settings.database_url)
        self.sessions = make_sessions(self.engine)
        with self.sessions() as session:
            self.workspace_id = choose_workspace(
                session, args.workspace, create_if_none=False
            ).workspace_id
        self.gmail = GmailAdapters(self.settings, sessions=self.sessions, cipher=self.cipher)

    def owner(self, requested: str | None) -> str:
        from core.workspaces.service import get_workspace

        with self.sessions() as session:
            owners = list(get_workspace(session, self.workspace_id).owner_ids or [])
        if requested:
            return requested
        if not owners:
            raise CRMError("The workspace has no owners yet: set CRM_OWNER_IDS or /crm settings.")
        return owners[0]


def _connect(args: argparse.Namespace) -> int:
    from core.mailbox.connection import MailboxSecrets, connect_mailbox
    from core.models import utcnow
    from core.ports import MailboxRefused
    from core.workspaces.service import get_workspace

    setup = _Setup(args)
    try:
        given = (
            _authorized_user(args.token_file)
            if args.token_file
            else _browser_consent(setup.settings)
        )
        secrets = MailboxSecrets(**given)
        try:
            address = setup.gmail.mailbox(secrets, address="").profile_address()
        except MailboxRefused as refused:
            raise CRMError(f"Google did not accept these credentials: {refused}") from None
        with setup.sessions.begin() as session:
            connect_mailbox(
                session=session,
                workspace=get_workspace(session, setup.workspace_id),
                actor=setup.owner(args.owner),
                email_address=address,
                display_name=args.name,
                secrets=secrets,
                cipher=setup.cipher,
                now=utcnow(),
            )
    finally:
        setup.engine.dispose()
    print(f"Gmail connected for {setup.workspace_id}: {address}.")
    return 0


def _status(args: argparse.Namespace) -> int:
    from core.mailbox.connection import get_mailbox
    from core.workspaces.service import get_workspace

    setup = _Setup(args)
    try:
        with setup.sessions() as session:
            connection = get_mailbox(session, workspace=get_workspace(session, setup.workspace_id))
            if connection is None:
                print(f"No mailbox connected for {setup.workspace_id}.")
                return 1
            synced = (
                f"last synced {connection.last_synced_at:%Y-%m-%d %H:%M} UTC"
                if connection.last_synced_at
                else "not synced yet"
            )
            reason = f" ({connection.status_reason})" if connection.status_reason else ""
            print(f"{connection.email_address}: {connection.status.value}{reason}, {synced}.")
            return 0 if connection.status.value == "active" else 1
    finally:
        setup.engine.dispose()


def _sync(args: argparse.Namespace) -> int:
    from core.models import utcnow
    from jobs.mail_sync import sync_mailbox

    setup = _Setup(args)
    try:
        notices = MailNotices(utcnow)
        report = sync_mailbox(
            sessions=setup.sessions,
            workspace_id=setup.workspace_id,
            mailbox_for=setup.gmail.mailbox_for,
            now=utcnow,
            on_lead=notices.new_inquiry,
            on_paused=notices.paused,
        )
    finally:
        setup.engine.dispose()
    print(report.describe(), file=sys.stdout if report.status == "synced" else sys.stderr)
    return 0 if report.status == "synced" else 1


class MailNotices:
    """What the owners are told by a mailbox pass: a new inquiry, or that Google refused the
    token (with **Reconnect Gmail**).

    Both are outbox items (docs/reliability.md) written in the transaction that records the
    capture or the pause, and delivered and retried by `crm worker`.
    """

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock

    def new_inquiry(self, session: Session, workspace: Workspace, outcome: InboundOutcome) -> None:
        from bot.notify import queue_new_inquiry_notice

        if outcome.captured is not None:
            queue_new_inquiry_notice(
                session, workspace=workspace, captured=outcome.captured, now=self._clock()
            )

    def paused(self, session: Session, workspace: Workspace, reason: str) -> None:
        from bot.blocks.gmail import refused_notice
        from bot.notify import queue_to_owners

        now = self._clock()
        queue_to_owners(
            session,
            workspace=workspace,
            message=refused_notice(reason),
            now=now,
            dedupe=f"gmail-refused:{now.isoformat()}",
        )


def _disconnect(args: argparse.Namespace) -> int:
    from core.mailbox.connection import disconnect_mailbox
    from core.models import utcnow
    from core.workspaces.service import get_workspace

    setup = _Setup(args)
    try:
        with setup.sessions.begin() as session:
            connection = disconnect_mailbox(
                session=session,
                workspace=get_workspace(session, setup.workspace_id),
                actor=setup.owner(args.owner),
                now=utcnow(),
            )
            address = connection.email_address
    finally:
        setup.engine.dispose()
    print(f"Gmail disconnected for {setup.workspace_id} ({address}).")
    return 0

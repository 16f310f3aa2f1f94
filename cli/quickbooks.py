"""`crm quickbooks connect|status|disconnect`: a workspace's QuickBooks Online connection.

`connect --realm R --refresh-token T` needs no browser and no public URL (Socket Mode
installs): the refresh token, from Intuit's OAuth Playground or another client of the same
Intuit app, is used once and the rotated one Intuit returns is stored, encrypted.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from cli.workspace_choice import choose_workspace
from core.models import QuickBooksConnection
from core.platform.config import get_settings
from core.platform.db import make_engine, make_sessions
from core.quickbooks.connection import CLI_ACTOR, disconnect_quickbooks, quickbooks_connection


def _now() -> datetime:
    return datetime.now(UTC)


def register(commands: Any) -> None:
    """Add `quickbooks connect|status|disconnect` to the `crm` command."""
    quickbooks = commands.add_parser("quickbooks", help="the workspace's QuickBooks Online")
    verbs = quickbooks.add_subparsers(dest="quickbooks_command", required=True)
    connect = verbs.add_parser(
        "connect",
        help="connect without a browser, from a refresh token",
        description="QUICKBOOKS_CLIENT_ID, QUICKBOOKS_CLIENT_SECRET and CRM_SECRET_KEY must "
        "be set; the refresh token must come from the same Intuit app.",
    )
    connect.add_argument("--realm", required=True, help="the QuickBooks company id (realmId)")
    connect.add_argument("--refresh-token", required=True, metavar="TOKEN")
    connect.set_defaults(handler=run_connect)
    verbs.add_parser("status", help="whether QuickBooks is connected").set_defaults(
        handler=run_status
    )
    verbs.add_parser("disconnect", help="forget the stored tokens").set_defaults(
        handler=run_disconnect
    )
    for verb in verbs.choices.values():
        verb.add_argument("--workspace", metavar="TEAM_ID", help="default: the only one there is")


def _sessions() -> Any:
    return make_sessions(make_engine(get_settings().database_url))


def run_connect(args: argparse.Namespace) -> int:
    from integrations.quickbooks.connect import connect_with_refresh_token

    sessions = _sessions()
    with sessions.begin() as session:
        workspace_id = choose_workspace(session, args.workspace, create_if_none=False).workspace_id
    connection = connect_with_refresh_token(
        settings=get_settings(),
        sessions=sessions,
        workspace_id=workspace_id,
        realm_id=args.realm,
        refresh_token=args.refresh_token,
        now=_now,
    )
    print(f"QuickBooks connected: {describe(connection)}.")
    return 0


def describe(connection: QuickBooksConnection) -> str:
    line = f"company {connection.realm_id} ({connection.environment}), {connection.status}"
    if connection.access_token_expires_at is not None:
        line += f", access token until {connection.access_token_expires_at:%Y-%m-%d %H:%M} UTC"
    return line


def run_status(args: argparse.Namespace) -> int:
    with _sessions()() as session:
        workspace = choose_workspace(session, args.workspace, create_if_none=False)
        connection = quickbooks_connection(session, workspace.workspace_id)
        if connection is None:
            print("QuickBooks is not connected.")
            return 1
        print(f"QuickBooks: {describe(connection)}.")
        return 0 if connection.status == "connected" else 1


def run_disconnect(args: argparse.Namespace) -> int:
    with _sessions().begin() as session:
        workspace = choose_workspace(session, args.workspace, create_if_none=False)
        gone = disconnect_quickbooks(session=session, workspace=workspace, actor=CLI_ACTOR)
    print("QuickBooks disconnected." if gone is not None else "QuickBooks was not connected.")
    return 0

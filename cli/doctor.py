"""`crm doctor [--workspace T]`: check a deployment, one line per check (docs/deploy.md)."""

from __future__ import annotations

import argparse
from typing import Any

from core.errors import NotFound
from core.platform.config import get_settings


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "doctor",
        help="check this deployment, one line per check",
        description=(
            "Check the database, the Slack token and scopes, owners, the pipeline channel, "
            "timezone and country, and the secret key; exits non-zero when something is wrong."
        ),
    )
    parser.add_argument("--workspace", metavar="TEAM_ID", help="the Slack team to check")
    parser.set_defaults(handler=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    from bot.doctor import check_database, diagnose
    from cli.workspace_choice import choose_workspace
    from wiring import build_dependencies

    deps = build_dependencies(get_settings())
    settings, sessions = deps.settings, deps.sessions
    try:
        workspace_id = None
        if check_database(sessions).ok:
            with sessions() as session:
                try:
                    workspace_id = choose_workspace(
                        session, args.workspace, create_if_none=False
                    ).workspace_id
                except NotFound:
                    workspace_id = args.workspace
        has_slack = settings.slack_bot_token is not None or settings.slack_client_id is not None
        client = None
        if has_slack:
            client = deps.slack.client_for(workspace_id or "")
        checks = diagnose(
            settings=settings, sessions=sessions, client=client, workspace_id=workspace_id
        )
    finally:
        deps.close()
    for check in checks:
        print(check.line())
    failed = sum(not check.ok for check in checks)
    print(f"{failed} problem(s) found." if failed else "Everything checks out.")
    return 1 if failed else 0

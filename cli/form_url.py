"""`crm form-url [--workspace T]`: the workspace's web-form URL, for scripts (docs/web-form.md).

The base is CRM_PUBLIC_URL, else http://localhost:$PORT. A workspace whose form was never
set up gets a token now (and its form turned on), made as its first owner would.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from core.errors import CRMError
from core.platform.config import get_settings


def register(commands: Any) -> None:
    parser = commands.add_parser("form-url", help="print the workspace's web-form URL")
    parser.add_argument("--workspace", metavar="TEAM_ID", help="default: the only one there is")
    parser.set_defaults(handler=_form_url)


def _form_url(args: argparse.Namespace) -> int:
    from cli.workspace_choice import choose_workspace
    from core.leads.web_form import form_url, rotate_form_token
    from core.models import utcnow
    from core.platform.db import make_engine, make_sessions

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with make_sessions(engine).begin() as session:
            workspace = choose_workspace(session, args.workspace, create_if_none=False)
            if not workspace.form_token:
                if not workspace.owner_ids:
                    raise CRMError("The workspace has no owners yet: set CRM_OWNER_IDS first.")
                rotate_form_token(
                    session=session, workspace=workspace, actor=workspace.owner_ids[0], now=utcnow()
                )
                print(
                    "The web form was not set up: it has a token now and takes posts.",
                    file=sys.stderr,
                )
            elif not workspace.form_enabled:
                print("The web form is turned off (/crm settings turns it on).", file=sys.stderr)
            token = workspace.form_token
    finally:
        engine.dispose()
    assert token is not None  # made above when missing
    print(form_url(public_url=settings.crm_public_url, port=settings.port, token=token))
    return 0

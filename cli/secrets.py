"""`crm secrets rotate`: re-encrypt every stored token with the first key of CRM_SECRET_KEY."""

from __future__ import annotations

import argparse
from typing import Any

from core.platform.config import get_settings
from core.platform.db import make_engine, make_sessions
from core.platform.stored_tokens import rotate_stored_tokens
from core.platform.token_cipher import cipher_from_keys


def register(commands: Any) -> None:
    """Add `secrets rotate` to the `crm` command."""
    secrets = commands.add_parser("secrets", help="the key that encrypts stored tokens")
    verbs = secrets.add_subparsers(dest="secrets_command", required=True)
    verbs.add_parser(
        "rotate",
        help="re-encrypt stored tokens with the first key of CRM_SECRET_KEY",
        description=(
            "Put the new key first in CRM_SECRET_KEY (new,old), run this, then drop the old "
            "key. Tokens stored before encryption existed are encrypted too."
        ),
    ).set_defaults(handler=run_rotate)


def run_rotate(args: argparse.Namespace) -> int:
    settings = get_settings()
    key = settings.crm_secret_key
    cipher = cipher_from_keys(key.get_secret_value() if key is not None else None)
    sessions = make_sessions(make_engine(settings.database_url))
    with sessions.begin() as session:
        changed = rotate_stored_tokens(session=session, cipher=cipher)
    print(f"Re-encrypted {changed} stored token row(s) with the first key.")
    return 0

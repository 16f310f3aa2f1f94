"""The `crm` command: one entry point for the database, the bot, the worker and data transfer."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from logging import CRITICAL, INFO, WARNING

from core.errors import CRMError
from core.platform.config import get_settings
from core.platform.logs import configure_logging

# The long-running processes log what they do; the console's screen is the user's, so only
# warnings reach its stderr; a one-shot command's own one-line answer is its whole output.
_LOG_LEVELS = {"serve": INFO, "worker": INFO, "console": WARNING}


def _db_upgrade(args: argparse.Namespace) -> int:
    from core.platform.migrate import revision_of, upgrade, upgrade_words

    url = get_settings().database_url
    before = revision_of(url)
    upgrade(url)
    print(upgrade_words(before, revision_of(url)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm", description="Slack back-office CRM")
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="create or migrate the schema").set_defaults(
        handler=_db_upgrade
    )

    from cli import register_commands

    register_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        configure_logging(
            get_settings().crm_log_format, level=_LOG_LEVELS.get(args.command, CRITICAL)
        )
    except ValueError as error:
        print(f"crm: {error}", file=sys.stderr)
        return 2
    try:
        code: int = args.handler(args)
    except CRMError as error:
        print(f"crm: {error.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())

"""The processes a deployment runs: `crm serve` (and, added beside it, worker, run-job, console).

Each subcommand is one `add_<name>(commands)` function listed in SUBCOMMANDS; its handler
imports what it needs when it runs, so `crm --help` and `crm db upgrade` stay fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from core.platform.config import get_settings


def _serve(args: argparse.Namespace) -> int:
    from bot.server import CannotServe, serve
    from wiring import build_dependencies

    deps = build_dependencies(get_settings())
    try:
        serve(
            deps.settings,
            sessions=deps.sessions,
            clock=deps.clock,
            integrations=deps.integrations,
            port=args.port,
        )
    except CannotServe as error:
        print(f"crm serve: {error}", file=sys.stderr)
        return 1
    finally:
        deps.close()
    return 0


def add_serve(commands: Any) -> None:
    parser = commands.add_parser(
        "serve",
        help="run the Slack bot",
        description=(
            "Run the Slack bot: HTTP on $PORT with POST /slack/events and GET /healthz; "
            "Socket Mode when SLACK_APP_TOKEN is set; installs at /slack/install when "
            "SLACK_CLIENT_ID is set."
        ),
    )
    parser.add_argument("--port", type=int, default=None, help="HTTP port (default: $PORT, 3000)")
    parser.set_defaults(handler=_serve)


# One entry per subcommand this module adds, in the order `crm --help` lists them.
SUBCOMMANDS: tuple[Callable[[Any], None], ...] = (add_serve,)


def register(commands: Any) -> None:
    """Add this module's subcommands to the `crm` parser (see cli/__init__.py)."""
    for add in SUBCOMMANDS:
        add(commands)

"""Subcommands of `crm`, each registered by the module that implements it."""

from __future__ import annotations

import importlib
from typing import Any

# Each module has `register(commands)` adding its subparsers with `handler=` defaults.
COMMAND_MODULES = (
    "cli.transfer",
    "cli.runtime",
    "cli.jobs",
    "cli.console",
    "cli.doctor",
    "cli.gmail",
    "cli.form_url",
    "cli.secrets",
    "cli.quickbooks",
)


def register_commands(commands: Any) -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)

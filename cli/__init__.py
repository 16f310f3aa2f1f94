"""Subcommands of `crm`, each registered by the module that implements it."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

# Each module has `register(commands)` adding its subparsers with `handler=` defaults.
COMMAND_MODULES = ("cli.transfer", "cli.runtime", "cli.jobs", "cli.console")


def register_commands(commands: Any) -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        module.register(commands)


__all__ = ["register_commands", "argparse"]

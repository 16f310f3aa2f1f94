"""The layers import one way (pyproject's [tool.importlinter] contracts; docs/architecture.md).

`make lint` runs `lint-imports` too; this makes the suite fail as well, so a core module that
imports the Slack app, or a worker module that reaches past `bot.blocks`, never lands.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout

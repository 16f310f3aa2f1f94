"""`/crm doctor`: the deployment checklist, one line per check, for an owner."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks.limits import Message, context, escape, message, mrkdwn_sections
from bot.doctor import Check


def doctor_message(checks: Sequence[Check]) -> Message:
    """Each check as ✅ or ❌ with what to do; the summary line first."""
    failed = sum(not check.ok for check in checks)
    summary = f"{failed} problem(s) found." if failed else "Everything checks out."
    lines = "\n".join(
        f"{'✅' if check.ok else '❌'} *{escape(check.name)}*: {escape(check.detail)}"
        for check in checks
    )
    blocks = [*mrkdwn_sections(f"*Deployment check* — {summary}\n{lines}")]
    blocks.append(context("The same checklist runs in a terminal with `crm doctor`."))
    return message(f"Deployment check: {summary}", blocks)

"""What the bot can do, for `/crm`, "help", and anything it did not understand."""

from __future__ import annotations

from bot.blocks.limits import Message, context, escape, message, mrkdwn_section, truncate
from core.leads.intents import INTENTS, IntentKind

COMMANDS = (
    "`/lead` — a new lead (a form), or in one line: "
    "`/lead Dana Smith, 555-201-3344, leaky faucet at 123 Main via phone $350`\n"
    "`/lead find <words>` — search leads\n"
    "`/customer` — add a customer (a form); `/customer Dana` — their card\n"
    "`/log` — log a call, email, text, visit or note (a form); in one line: "
    "`/log call Dana Smith: wants a quote, call back Friday`\n"
    "`/pipeline` — the pipeline summary now\n"
    "`/followups` — today's follow-ups, overdue ones and stale leads; "
    "`/followups due|overdue|stale|reminders` — one list in full, page by page; "
    "`/followups upcoming` — what is promised for the next 7 days\n"
    "`/crm settings` — workspace settings (owners)\n"
    "`/crm connect gmail`, `/crm connect quickbooks` — connect the shared inbox or "
    "QuickBooks Online (owners)"
)
REQUESTS = (
    "Or ask in plain words — here with `/crm`, in a direct message, or by mentioning me:\n"
    + "\n".join(
        f"• {row.examples[0]}"
        for row in sorted(INTENTS, key=lambda row: list(IntentKind).index(row.kind))
        if row.kind != IntentKind.help
    )
)


def help_message(*, unknown: str | None = None) -> Message:
    """The commands and the plain-word requests; says so first when a request was unclear."""
    blocks = []
    text = "Here's what I can do."
    if unknown is not None:
        shown = truncate(" ".join(unknown.split()), 200)
        text = f"Sorry, I didn't understand “{shown}”. Here's what I can do."
    blocks.append(mrkdwn_section(escape(text)))
    blocks.append(mrkdwn_section(COMMANDS))
    blocks.append(mrkdwn_section(REQUESTS))
    blocks.append(context("Every draft to a customer waits for an owner's approval."))
    return message(text, blocks)

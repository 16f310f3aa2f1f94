"""`/crm webhooks`, `/crm webhook add|off|channel …` (owners): one core operation each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.blocks.limits import Message
from bot.blocks.webhooks import webhooks_message
from core.errors import InvalidInput
from core.leads.handoffs import (
    add_webhook,
    failing_deliveries,
    set_handoff_channel,
    turn_off_webhook,
    webhooks,
)
from core.models import Workspace
from core.workspaces.service import require_owner

USAGE = "Try `/crm webhook add https://…`, `/crm webhook off wh_…` or `/crm webhook channel #…`."


def webhook_request(
    session: Session, *, workspace: Workspace, actor: str, text: str, now: datetime
) -> Message:
    """Read the words after `/crm`, run the one operation they name, show the webhooks."""
    require_owner(workspace, actor, "manage webhooks")
    words = text.split()
    verb = words[1].lower() if len(words) > 1 else "list"
    said, secret = None, None
    if verb == "add" and len(words) > 2:
        hook = add_webhook(
            session=session,
            workspace=workspace,
            actor=actor,
            url=words[2],
            events=words[3:],
            now=now,
        )
        said, secret = f"Webhook {hook.subscription_id} added.", hook.secret
    elif verb == "off" and len(words) == 3:
        hook = turn_off_webhook(
            session=session, workspace=workspace, actor=actor, subscription_id=words[2], now=now
        )
        said = f"Webhook {hook.subscription_id} turned off."
    elif verb == "channel" and len(words) == 3:
        channel = None if words[2].lower() == "off" else words[2]
        set_handoff_channel(
            session=session, workspace=workspace, actor=actor, channel=channel, now=now
        )
        said = f"Hand-offs are posted to {channel}." if channel else "No hand-off channel now."
    elif verb != "list" and not (verb == "webhooks" or len(words) == 1):
        raise InvalidInput(USAGE)
    return webhooks_message(
        webhooks(session, workspace=workspace),
        channel=workspace.handoff_channel,
        failing=failing_deliveries(session, workspace=workspace),
        new_secret=secret,
        said=said,
    )

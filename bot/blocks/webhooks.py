"""`/crm webhooks`: the hand-off webhooks, the hand-off channel, and deliveries that fail."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks.limits import Message, context, escape, message, mrkdwn_sections
from core.leads.handoffs import FailingDelivery
from core.models import WebhookSubscription

__all__ = ["webhooks_message"]

HELP = (
    "`/crm webhook add https://… [event …]` · `/crm webhook off wh_…` · "
    "`/crm webhook channel #scheduling` (or `off`) · events: lead.qualified, lead.converted, "
    "opportunity.won, quickbooks.customer_linked · docs/webhooks.md"
)


def webhooks_message(
    hooks: Sequence[WebhookSubscription],
    *,
    channel: str | None,
    failing: Sequence[FailingDelivery],
    new_secret: str | None = None,
    said: str | None = None,
) -> Message:
    """Every webhook with its events; the channel; failing deliveries; a new secret once."""
    lines = [f"*Hand-off webhooks* — {len([h for h in hooks if h.active])} active"]
    if said:
        lines.insert(0, escape(said))
    for hook in hooks:
        state = "on" if hook.active else "off"
        events = ", ".join(hook.events)
        lines.append(f"• `{hook.subscription_id}` {escape(hook.url)} ({state}): {events}")
    lines.append(f"Hand-off channel: {escape(channel) if channel else 'none'}")
    if new_secret:
        lines.append(
            f"Signing secret (shown once; keep it with the receiver): `{escape(new_secret)}`"
        )
    for failure in failing:
        verb = "gave up" if failure.given_up else f"{failure.attempts} tries so far"
        why = f": {escape(failure.last_error)}" if failure.last_error else ""
        lines.append(f"⚠️ `{failure.subscription_id}` {failure.event_type} — {verb}{why}")
    text = said or f"{len(hooks)} webhook(s); hand-off channel {channel or 'none'}"
    return message(text, [*mrkdwn_sections("\n".join(lines)), context(HELP)])

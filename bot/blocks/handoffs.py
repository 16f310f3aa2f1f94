"""A hand-off event as one line in the hand-off channel (e.g. #scheduling)."""

from __future__ import annotations

from typing import Any

from bot.blocks.limits import escape
from core.common.money import format_money

__all__ = ["handoff_text"]


def _who(data: dict[str, Any]) -> str:
    contact = data.get("contact") or {}
    name = " ".join(p for p in (contact.get("first_name"), contact.get("last_name")) if p)
    return escape(name) if name else "no contact"


def handoff_text(event: dict[str, Any]) -> str:
    """What happened, for whom, and what it hands on; every user-typed value escaped."""
    data = event.get("data") or {}
    kind = event.get("type")
    if kind == "lead.qualified":
        lead = data.get("lead") or {}
        title = escape(str(lead.get("title")))
        return f"Lead qualified — {title} for {_who(data)}: ready to estimate."
    if kind == "lead.converted":
        deal = data.get("opportunity") or {}
        return f"New job — {escape(str(deal.get('name')))} for {_who(data)} ({deal.get('stage')})."
    if kind == "opportunity.won":
        deal = data.get("opportunity") or {}
        amount = data.get("amount")
        money = f" ({format_money(amount)})" if amount is not None else ""
        where = f" at {escape(str(data['address']))}" if data.get("address") else ""
        return (
            f"Won — {escape(str(deal.get('name')))} for {_who(data)}{where}{money}: ready to book."
        )
    if kind == "quickbooks.customer_linked":
        qb = escape(str(data.get("quickbooks_customer_id")))
        return f"{_who(data)} is QuickBooks customer {qb}: ready to invoice."
    return f"Hand-off: {escape(str(kind))}"

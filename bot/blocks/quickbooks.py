"""What the owner sees after tapping a QuickBooks button, and the links that connect it.

Pure: core outcomes in, Block Kit out. Every failure says in plain words what QuickBooks
said and carries the one button that helps: **Retry**, or **Reconnect QuickBooks**.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape as html_escape

from bot.blocks.drafts import who
from bot.blocks.limits import (
    Block,
    Message,
    actions,
    button,
    context,
    escape,
    link_button,
    message,
    mrkdwn_section,
)
from bot.ids import ActionId, BlockId
from core.quickbooks.flow import PushOutcome, PushResult

RECONNECT = "Reconnect QuickBooks"


def _buttons(contact_id: str, *elements: Block) -> Block:
    return actions(f"{BlockId.QUICKBOOKS_ACTIONS}-{contact_id}", elements)


def _not_now(contact_id: str) -> Block:
    return button("Not now", ActionId.NOT_NOW, contact_id)


def quickbooks_outcome_message(outcome: PushOutcome, *, by: str) -> Message:
    """The answer to an owner's tap, replacing the question it answers."""
    name, contact_id = outcome.contact_name, outcome.contact_id
    customer = outcome.customer
    if outcome.result is PushResult.created and customer is not None:
        text = f"Created {name} in QuickBooks (customer {customer.customer_id})."
        return message(text, [mrkdwn_section(escape(text)), context(f"Confirmed by {who(by)}.")])
    if outcome.result is PushResult.linked and customer is not None:
        text = (
            f"Linked {name} to QuickBooks customer {customer.customer_id} "
            f"({customer.display_name})."
        )
        return message(text, [mrkdwn_section(escape(text)), context(f"Confirmed by {who(by)}.")])
    if outcome.result is PushResult.offered and customer is not None:
        known = ", ".join(part for part in (customer.email, customer.phone) if part)
        text = (
            f"QuickBooks already has {customer.display_name}"
            + (f" ({known})" if known else "")
            + f". Link {name} to that customer, or create a new one?"
        )
        return message(
            text,
            [
                mrkdwn_section(escape(text)),
                _buttons(
                    contact_id,
                    button(
                        "Link to this customer",
                        ActionId.LINK_QUICKBOOKS_CUSTOMER,
                        contact_id,
                        style="primary",
                    ),
                    button("Create new", ActionId.CREATE_NEW_IN_QUICKBOOKS, contact_id),
                    _not_now(contact_id),
                ),
            ],
        )
    if outcome.result is PushResult.renaming and outcome.proposed_name:
        proposed = outcome.proposed_name
        text = (
            f"QuickBooks already has a different customer named {name}. "
            f"Create this one as “{proposed}”?"
        )
        return message(
            text,
            [
                mrkdwn_section(escape(text)),
                _buttons(
                    contact_id,
                    button(
                        f"Create as {proposed}",
                        ActionId.CREATE_RENAMED_IN_QUICKBOOKS,
                        contact_id,
                        style="primary",
                    ),
                    _not_now(contact_id),
                ),
            ],
        )
    problem = outcome.problem
    said = problem.message if problem is not None else "QuickBooks did not answer."
    text = f"{name} is not in QuickBooks yet: {said} Nothing was saved."
    remedy = (
        button(RECONNECT, ActionId.RECONNECT_QUICKBOOKS, contact_id, style="primary")
        if problem is not None and problem.remedy == "reconnect"
        else button("Retry", ActionId.RETRY_QUICKBOOKS, contact_id, style="primary")
    )
    return message(
        text, [mrkdwn_section(escape(text)), _buttons(contact_id, remedy, _not_now(contact_id))]
    )


def connect_link_message(url: str, *, minutes: int, reconnect: bool = False) -> Message:
    """The owner's own link to Intuit (ephemeral: it is bound to this owner)."""
    label = RECONNECT if reconnect else "Connect QuickBooks"
    text = (
        f"{label}: open the link to sign in to Intuit and pick the company. "
        f"The link is yours and works for {minutes} minutes."
    )
    link = link_button(label, ActionId.OPEN_QUICKBOOKS_LINK, url)
    return message(
        text, [mrkdwn_section(escape(text)), actions(BlockId.QUICKBOOKS_CONNECT, [link])]
    )


def connect_button(*, reconnect: bool = False) -> Block:
    """**Connect QuickBooks** (or **Reconnect QuickBooks**) for settings and the App Home."""
    if reconnect:
        return button(RECONNECT, ActionId.RECONNECT_QUICKBOOKS, "home", style="primary")
    return button("Connect QuickBooks", ActionId.CONNECT_QUICKBOOKS, "home")


@dataclass(frozen=True)
class QuickBooksShown:
    """The connection as an owner sees it on the App Home."""

    status: str  # "none", "connected", "revoked" or "disconnected"
    realm_id: str | None = None
    environment: str | None = None


def quickbooks_home_blocks(shown: QuickBooksShown) -> list[Block]:
    """The App Home's QuickBooks line, with the button that fixes it when it needs fixing."""
    if shown.status == "connected":
        return [context(f"QuickBooks: connected (company {shown.realm_id}, {shown.environment}).")]
    if shown.status == "revoked":
        return [
            mrkdwn_section("*QuickBooks:* the connection expired or was revoked."),
            actions(BlockId.QUICKBOOKS_CONNECT, [connect_button(reconnect=True)]),
        ]
    return [
        mrkdwn_section("*QuickBooks:* not connected. Won customers can be created there."),
        actions(BlockId.QUICKBOOKS_CONNECT, [connect_button()]),
    ]


def revoked_notice() -> Message:
    """To every owner, once, when Intuit stops accepting the connection."""
    text = (
        "QuickBooks is disconnected: Intuit no longer accepts this app's access (it expired "
        "or was revoked). Customers can't be created in QuickBooks until an owner reconnects."
    )
    return message(
        text,
        [
            mrkdwn_section(escape(text)),
            actions(BlockId.QUICKBOOKS_CONNECT, [connect_button(reconnect=True)]),
        ],
    )


def callback_page(title: str, detail: str) -> str:
    """The small HTML page the owner's browser lands on after Intuit."""
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>"
        f"{html_escape(title)}</title></head><body><h1>{html_escape(title)}</h1>"
        f"<p>{html_escape(detail)}</p></body></html>"
    )

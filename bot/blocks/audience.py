"""Who sees a message, and what becomes of the owner-only buttons on it (docs/product.md, Owners).

Builders put every button on a message; `for_audience` is the one place that fits them to who
will read it. A card one person sees (their ephemeral reply, their App Home) leaves out what
that person may not do: a member of staff never sees **Mark won**. A shared message (a channel
post) keeps the button for the owners reading it, labelled "(owner)", without Slack's confirm
dialog: the click reaches the bot, which refuses a non-owner at once (`bot.handlers.actions.
click`) and asks an owner to confirm itself (Mark won opens its own confirmation), so nobody is
asked "are you sure?" only to be told they may not. (Link buttons, which only open a browser,
are handed to owners alone and need no entry.)

A new owner-only button is one line in `OWNER_ONLY`: the words finish "Only an owner can …".
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from bot.ids import ActionId

#: Actions core refuses to anyone but an owner, and what the refusal says they would do.
OWNER_ONLY: Mapping[str, str] = {
    ActionId.APPROVE: "approve drafts",
    ActionId.EDIT: "edit drafts",
    ActionId.DISCARD: "discard drafts",
    ActionId.SETTLE_SEND: "mark a message sent",
    ActionId.MARK_WON: "mark a deal won",
    ActionId.CREATE_IN_QUICKBOOKS: "create a customer in QuickBooks",
    ActionId.NOT_NOW: "answer the QuickBooks question",
    ActionId.LINK_QUICKBOOKS_CUSTOMER: "create a customer in QuickBooks",
    ActionId.CREATE_NEW_IN_QUICKBOOKS: "create a customer in QuickBooks",
    ActionId.CREATE_RENAMED_IN_QUICKBOOKS: "create a customer in QuickBooks",
    ActionId.RETRY_QUICKBOOKS: "create a customer in QuickBooks",
    ActionId.CONNECT_QUICKBOOKS: "connect QuickBooks",
    ActionId.RECONNECT_QUICKBOOKS: "connect QuickBooks",
    ActionId.CONNECT_GMAIL: "connect Gmail",
    ActionId.RECONNECT_GMAIL: "connect Gmail",
    ActionId.DISCONNECT_GMAIL: "disconnect the mailbox",
    ActionId.CLEAR_DO_NOT_CONTACT: "clear do not contact",
    ActionId.UNDO_MERGE: "undo a merge",
    ActionId.FORM_NEW_LINK: "change the web form",
    ActionId.FORM_OFF: "change the web form",
    ActionId.FORM_ON: "change the web form",
}

OWNER_LABEL = " (owner)"

Shown = TypeVar("Shown", bound=Mapping[str, Any])


class Audience(StrEnum):
    """Who reads a message: one owner, one member of staff, or everyone in a conversation."""

    owner = "owner"
    staff = "staff"
    shared = "shared"

    @classmethod
    def of(cls, *, is_owner: bool) -> Audience:
        """The audience of a card only this person sees."""
        return cls.owner if is_owner else cls.staff


def owner_only(action_id: str) -> str | None:
    """What only an owner can do by this action ("mark a deal won"), or None for anyone's."""
    return OWNER_ONLY.get(action_id)


def _labelled(element: dict[str, Any]) -> dict[str, Any]:
    shown = {key: value for key, value in element.items() if key != "confirm"}
    text = dict(shown["text"])
    label = str(text.get("text") or "")
    if not label.endswith(OWNER_LABEL):
        text["text"] = label[: 75 - len(OWNER_LABEL)] + OWNER_LABEL
    shown["text"] = text
    return shown


def _fit(element: dict[str, Any], audience: Audience) -> dict[str, Any] | None:
    if element.get("type") != "button" or owner_only(str(element.get("action_id"))) is None:
        return element
    if audience == Audience.owner:
        return element
    if audience == Audience.staff:
        return None
    return _labelled(element)


def _fit_block(block: dict[str, Any], audience: Audience) -> dict[str, Any] | None:
    if block.get("type") == "actions":
        kept = [e for e in (_fit(dict(e), audience) for e in block["elements"]) if e is not None]
        return {**block, "elements": kept} if kept else None
    accessory = block.get("accessory")
    if isinstance(accessory, dict):
        fitted = _fit(dict(accessory), audience)
        if fitted is None:
            return {key: value for key, value in block.items() if key != "accessory"}
        return {**block, "accessory": fitted}
    return block


def for_audience(shown: Shown, audience: Audience) -> Shown:
    """A message or view (`{"blocks": …}`) with its owner-only buttons fitted to `audience`.

    An actions block left with no button is dropped (Slack refuses an empty one).
    """
    if audience == Audience.owner or not shown.get("blocks"):
        return shown
    blocks = [_fit_block(dict(block), audience) for block in shown["blocks"]]
    fitted = {**shown, "blocks": [block for block in blocks if block is not None]}
    return fitted  # type: ignore[return-value]

"""The business mailbox as owners see it: its line in settings and on the App Home, the
consent link, the notice that Google refused the token, and the answers to Disconnect.

Pure: the connection's state in, Block Kit out. Every state carries the button that moves it
on: **Connect Gmail**, **Reconnect Gmail** (after a refusal) or **Disconnect** (confirmed).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.blocks.limits import (
    Block,
    Message,
    actions,
    button,
    confirm_dialog,
    escape,
    link_button,
    message,
    mrkdwn_section,
)
from bot.ids import ActionId, BlockId
from core.models import MailboxConnection

CONNECT = "Connect Gmail"
RECONNECT = "Reconnect Gmail"


@dataclass(frozen=True)
class MailboxShown:
    """The mailbox connection as owners see it."""

    status: str  # "none", "active", "paused" or "disconnected"
    address: str | None = None

    @classmethod
    def of(cls, connection: MailboxConnection | None) -> MailboxShown:
        if connection is None:
            return cls("none")
        return cls(str(connection.status), connection.email_address)


def connect_button(*, reconnect: bool = False) -> Block:
    if reconnect:
        return button(RECONNECT, ActionId.RECONNECT_GMAIL, "gmail", style="primary")
    return button(CONNECT, ActionId.CONNECT_GMAIL, "gmail")


def _disconnect_button(address: str) -> Block:
    return button(
        "Disconnect",
        ActionId.DISCONNECT_GMAIL,
        "gmail",
        style="danger",
        confirm=confirm_dialog(
            "Disconnect Gmail?",
            f"The bot stops reading and sending mail as {address}. The history already "
            "recorded stays.",
            confirm="Disconnect",
            danger=True,
        ),
    )


def mailbox_blocks(shown: MailboxShown) -> list[Block]:
    """The Gmail line of settings and the owners' App Home, with what fixes or ends it."""
    address = shown.address or ""
    if shown.status == "active":
        return [
            mrkdwn_section(f"*Gmail:* connected as {escape(address)}."),
            actions(BlockId.GMAIL_CONNECT, [_disconnect_button(address)]),
        ]
    if shown.status == "paused":
        return [
            mrkdwn_section(
                f"*Gmail:* {escape(address)} is paused: Google refused our token. "
                "Reconnect and sync picks up where it stopped."
            ),
            actions(
                BlockId.GMAIL_CONNECT,
                [connect_button(reconnect=True), _disconnect_button(address)],
            ),
        ]
    return [
        mrkdwn_section(
            "*Gmail:* not connected. Connect the business mailbox to send approved drafts "
            "and turn new mail into leads."
        ),
        actions(BlockId.GMAIL_CONNECT, [connect_button()]),
    ]


def consent_link_message(
    url: str | None, *, workspace_id: str, minutes: int, reconnect: bool = False
) -> Message:
    """An owner's own Google link (ephemeral: it is bound to them), or how to connect without."""
    label = RECONNECT if reconnect else CONNECT
    if url is None:
        text = (
            "This install has no public URL (CRM_PUBLIC_URL) for Google to come back to, so "
            "Gmail is connected from the owner's machine: run "
            f"`crm gmail connect --workspace {workspace_id}` there."
        )
        return message(text, [mrkdwn_section(escape(text))])
    text = (
        f"{label}: open the link to sign in to Google and allow sending and reading mail. "
        f"The link is yours and works for {minutes} minutes."
    )
    link = link_button(label, ActionId.OPEN_GMAIL_LINK, url)
    return message(text, [mrkdwn_section(escape(text)), actions(BlockId.GMAIL_CONNECT, [link])])


def connected_text(address: str) -> str:
    """The owner's DM once Google sent them back and the mailbox answered."""
    return f"Gmail connected: {address}."


def refused_notice(reason: str) -> Message:
    """To every owner, once, when Google refuses the stored token: sync pauses until reconnected."""
    text = (
        f"Gmail refused our token ({reason}). Mail sync is paused and nothing is lost: "
        "reconnect Gmail and it picks up where it stopped."
    )
    return message(
        text,
        [
            mrkdwn_section(escape(text)),
            actions(BlockId.GMAIL_CONNECT, [connect_button(reconnect=True)]),
        ],
    )


def disconnected_text(address: str) -> str:
    return (
        f"Gmail disconnected ({address}): the bot no longer reads or sends mail from it. "
        "Its history stays; Connect Gmail to start again."
    )

"""The Gmail buttons and `/crm connect gmail` (owners): Connect, Reconnect, Disconnect.

Connect and Reconnect hand the owner a Google consent link of their own (or, with no public
URL, the command to run on their machine); the link button itself only opens the browser.
Google's client library loads on the first use, not with the app.
"""

from __future__ import annotations

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.gmail import consent_link_message, disconnected_text
from bot.blocks.limits import Message
from bot.context import BotContext
from bot.handlers.actions.click import Click, answer
from core.common.enums import MailboxStatus
from core.mailbox.connection import disconnect_mailbox, get_mailbox
from core.models import Workspace


def link_for_owner(ctx: BotContext, session: Session, workspace: Workspace, user: str) -> Message:
    """An owner's own Google link (refused to others, and without the deployment's setup)."""
    from integrations.gmail.consent import LINK_MINUTES, consent_link

    connection = get_mailbox(session, workspace=workspace)
    url = consent_link(ctx.settings, session, workspace=workspace, owner=user, now=ctx.now())
    return consent_link_message(
        url,
        workspace_id=workspace.workspace_id,
        minutes=LINK_MINUTES,
        reconnect=connection is not None and connection.status != MailboxStatus.disconnected,
    )


def connect(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Connect Gmail / Reconnect Gmail (settings, App Home, the refused-token notice)."""
    with ctx.transaction(click.team_id) as (session, workspace):
        shown = link_for_owner(ctx, session, workspace, click.user_id)
    answer(client, click, shown)


def open_link(ctx: BotContext, click: Click, client: WebClient) -> None:
    """The link button opens the browser; Slack still sends the click, which needs no answer."""


def disconnect(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Disconnect (after Slack's confirm dialog): tokens dropped, sync stops, history kept."""
    with ctx.transaction(click.team_id) as (session, workspace):
        connection = disconnect_mailbox(
            session=session, workspace=workspace, actor=click.user_id, now=ctx.now()
        )
        shown = disconnected_text(connection.email_address)
    answer(client, click, shown)

"""QuickBooks buttons and `/crm connect quickbooks`: owners only, each tap one core flow.

Create in QuickBooks, Link, Create new, Create as "NAME (2)" and Retry all go through
`core.quickbooks.flow.push_to_quickbooks` (claim, call, record); Connect and Reconnect hand
the owner a link to Intuit of their own; the link button itself only opens the browser.
"""

from __future__ import annotations

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.limits import Message
from bot.blocks.prompts import quickbooks_not_connected_text
from bot.blocks.quickbooks import (
    connect_link_message,
    quickbooks_outcome_message,
    revoked_notice,
)
from bot.context import BotContext
from bot.handlers.actions.click import Click, answer
from bot.notify import post_to_owners
from core.leads.decisions import contact_for_quickbooks
from core.models import Workspace
from core.quickbooks.connection import claim_revoked_notice, quickbooks_connection
from core.quickbooks.flow import push_to_quickbooks
from core.quickbooks.pushes import PushChoice
from core.workspaces.service import require_owner
from integrations.quickbooks.connect import connect_link


def _push(ctx: BotContext, click: Click, client: WebClient, choice: PushChoice) -> None:
    with ctx.transaction(click.team_id) as (session, workspace):
        quickbooks = ctx.integrations.quickbooks(workspace)
        if quickbooks is None:  # nothing to create it in: say so, for an owner, and keep the ask
            contact = contact_for_quickbooks(
                session, workspace=workspace, actor=click.user_id, contact_id=click.value
            )
            refusal = quickbooks_not_connected_text(contact.full_name)
    if quickbooks is None:
        answer(client, click, refusal)
        return
    outcome = push_to_quickbooks(
        sessions=ctx.sessions,
        workspace_id=click.team_id,
        actor=click.user_id,
        contact_id=click.value,
        choice=choice,
        quickbooks=quickbooks,
        clock=ctx.now,
    )
    answer(
        client,
        click,
        quickbooks_outcome_message(outcome, by=click.user_id),
        visible=True,
        replace=True,
    )
    if outcome.problem is not None and outcome.problem.remedy == "reconnect":
        tell_owners_revoked(ctx, client, click.team_id)


def create_in_quickbooks(ctx: BotContext, click: Click, client: WebClient) -> None:
    """The owner's explicit yes (hard stop 5): look for the customer, else create it."""
    _push(ctx, click, client, PushChoice.create)


def link_customer(ctx: BotContext, click: Click, client: WebClient) -> None:
    _push(ctx, click, client, PushChoice.link)


def create_new(ctx: BotContext, click: Click, client: WebClient) -> None:
    _push(ctx, click, client, PushChoice.create_new)


def create_renamed(ctx: BotContext, click: Click, client: WebClient) -> None:
    _push(ctx, click, client, PushChoice.rename)


def retry(ctx: BotContext, click: Click, client: WebClient) -> None:
    _push(ctx, click, client, PushChoice.create)


def link_for_owner(ctx: BotContext, session: Session, workspace: Workspace, user: str) -> Message:
    """An owner's own Intuit link (refused to others, and without the deployment's setup)."""
    require_owner(workspace, user, "connect QuickBooks")
    connection = quickbooks_connection(session, workspace.workspace_id)
    link = connect_link(ctx.settings, session, workspace=workspace, owner=user, now=ctx.now())
    return connect_link_message(
        link.url, minutes=link.expires_in_minutes, reconnect=connection is not None
    )


def connect(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Connect QuickBooks / Reconnect QuickBooks (settings, App Home, a failure, a notice)."""
    with ctx.transaction(click.team_id) as (session, workspace):
        shown = link_for_owner(ctx, session, workspace, click.user_id)
    answer(client, click, shown)


def open_link(ctx: BotContext, click: Click, client: WebClient) -> None:
    """The link button opens the browser; Slack still sends the click, which needs no answer."""


def tell_owners_revoked(ctx: BotContext, client: WebClient, team_id: str) -> None:
    """DM every owner **Reconnect QuickBooks**, once per revocation (the database decides)."""
    with ctx.transaction(team_id) as (session, workspace):
        first = claim_revoked_notice(session=session, workspace_id=team_id, now=ctx.now())
    if first:
        notice = revoked_notice()
        post_to_owners(client, workspace, text=notice["text"], blocks=notice["blocks"])

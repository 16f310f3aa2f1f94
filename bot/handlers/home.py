"""App Home listeners: the Home tab, published fresh each time a person opens it, turns a
page of the owners' drafts, or decides a draft from it.

Only its viewer sees it, so it offers no button that person may not press (`bot.blocks.audience`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.audience import Audience, for_audience
from bot.blocks.gmail import MailboxShown
from bot.blocks.home import SHOWN_PER_LIST, home_view
from bot.blocks.home_drafts import drafts_page_of
from bot.blocks.limits import View
from bot.blocks.quickbooks import QuickBooksShown
from bot.context import BotContext
from bot.handlers.actions.click import Click
from bot.values import DraftsPage
from core.leads.handoffs import failing_deliveries
from core.mailbox.connection import get_mailbox
from core.models import Workspace
from core.platform.event_ledger import claim_event
from core.quickbooks.connection import quickbooks_connection
from core.reports.dashboard import dashboard
from core.workspaces.service import zone

Listener = Callable[..., None]


def quickbooks_shown(session: Session, workspace: Workspace, user: str) -> QuickBooksShown | None:
    """The QuickBooks line of an owner's App Home (None for everyone else)."""
    if not workspace.is_owner(user):
        return None
    connection = quickbooks_connection(session, workspace.workspace_id)
    if connection is None:
        return QuickBooksShown("none")
    return QuickBooksShown(str(connection.status), connection.realm_id, connection.environment)


def _home_for(
    ctx: BotContext, session: Session, workspace: Workspace, user: str, drafts_page: int
) -> View:
    board = dashboard(
        session,
        workspace=workspace,
        now=ctx.now(),
        viewer=user,
        unconfirmed_limit=SHOWN_PER_LIST,
        drafts_page=drafts_page,
    )
    failing = failing_deliveries(session, workspace=workspace) if workspace.is_owner(user) else []
    view = home_view(
        board,
        user_id=user,
        zone=zone(workspace),
        region=workspace.default_phone_region,
        quickbooks=quickbooks_shown(session, workspace, user),
        mailbox=(
            MailboxShown.of(get_mailbox(session, workspace=workspace))
            if workspace.is_owner(user)
            else None
        ),
        failing=failing,
    )
    return for_audience(view, Audience.of(is_owner=workspace.is_owner(user)))


def publish_home(
    ctx: BotContext, client: WebClient, team_id: str, user: str, *, drafts_page: int = 1
) -> None:
    """Publish the person's Home as it now stands (after a page turn or a decision on it)."""
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, team_id)
        view = _home_for(ctx, session, workspace, user, drafts_page)
    client.views_publish(user_id=user, view=view)


def refresh_if_home(ctx: BotContext, click: Click, client: WebClient) -> None:
    """A decision taken on the Home: publish it again, on the page of drafts it showed."""
    if click.from_home:
        page = drafts_page_of(click.view_metadata)
        publish_home(ctx, client, click.team_id, click.user_id, drafts_page=page)


def turn_page(ctx: BotContext, click: Click, client: WebClient) -> None:
    """**Next page** / **Previous page** of the drafts waiting for approval."""
    page = click.value_as(DraftsPage).page
    publish_home(ctx, client, click.team_id, click.user_id, drafts_page=page)


def home_opened(ctx: BotContext) -> Listener:
    """`app_home_opened`: the dashboard for this person (`views.publish`)."""

    def on_home_opened(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        team_id, user = str(body.get("team_id") or ""), str(event["user"])
        with ctx.sessions.begin() as session:
            event_id = body.get("event_id")
            if event_id and not claim_event(session, workspace_id=team_id, event_id=event_id):
                return
            workspace = ctx.workspace(session, team_id)
            view = _home_for(ctx, session, workspace, user, drafts_page=1)
        client.views_publish(user_id=user, view=view)

    return on_home_opened


def register(app: App, ctx: BotContext) -> None:
    """Register the Home tab."""
    app.event("app_home_opened")(home_opened(ctx))

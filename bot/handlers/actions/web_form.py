"""The web form's buttons (owners): a new link, off, on; each answers with the form's state."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.blocks.web_form import FormState, form_message
from bot.context import BotContext
from bot.handlers.actions.click import Click, answer
from core.leads.web_form import disable_form, enable_form, form_url, rotate_form_token
from core.models import Workspace


def form_state(ctx: BotContext, workspace: Workspace) -> FormState:
    """What `/crm form` and the buttons show of this workspace's form."""
    token = workspace.form_token
    url = (
        form_url(public_url=ctx.settings.crm_public_url, port=ctx.settings.port, token=token)
        if token
        else None
    )
    return FormState(
        url=url, enabled=workspace.form_enabled, redirect_url=workspace.form_redirect_url
    )


def new_link(ctx: BotContext, click: Click, client: WebClient) -> None:
    """A new token: the old link stops at once."""
    with ctx.transaction(click.team_id) as (session, workspace):
        rotate_form_token(session=session, workspace=workspace, actor=click.user_id, now=ctx.now())
        shown = form_message(form_state(ctx, workspace))
    answer(client, click, shown, replace=True)


def turn_off(ctx: BotContext, click: Click, client: WebClient) -> None:
    with ctx.transaction(click.team_id) as (session, workspace):
        disable_form(session=session, workspace=workspace, actor=click.user_id, now=ctx.now())
        shown = form_message(form_state(ctx, workspace))
    answer(client, click, shown, replace=True)


def turn_on(ctx: BotContext, click: Click, client: WebClient) -> None:
    with ctx.transaction(click.team_id) as (session, workspace):
        enable_form(session=session, workspace=workspace, actor=click.user_id, now=ctx.now())
        shown = form_message(form_state(ctx, workspace))
    answer(client, click, shown, replace=True)

"""Do not contact on the contact card: **Do not contact** asks why, then marks (anyone);
**Clear do not contact** lets messages reach them again (an owner; core refuses others).

The form's submission is `bot.handlers.views.do_not_contact`. Either way the person sees the
contact card again, as it now stands.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.cards import contact_card
from bot.blocks.do_not_contact import changed_text, do_not_contact_modal
from bot.blocks.limits import Message, escape, message, mrkdwn_section
from bot.context import BotContext
from bot.handlers.actions.click import Click, answer
from core.contacts.do_not_contact import DoNotContactChange, clear_do_not_contact
from core.contacts.history import contact_card as load_contact_card
from core.contacts.history import get_contact
from core.models import Workspace


def card_after(
    session: Session, workspace: Workspace, change: DoNotContactChange, now: datetime
) -> Message:
    """What changed, over the contact card as it now stands."""
    card = load_contact_card(
        session, workspace=workspace, contact_id=change.contact.contact_id, now=now
    )
    shown = contact_card(card, region=workspace.default_phone_region)
    said = changed_text(change)
    return message(said, [mrkdwn_section(escape(said)), *shown["blocks"]])


def mark(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the form that asks why (optional) before marking."""
    with ctx.transaction(click.team_id) as (session, workspace):
        contact = get_contact(session, workspace=workspace, contact_id=click.value)
        view = do_not_contact_modal(contact, meta=click.meta())
    client.views_open(trigger_id=click.trigger_id, view=view)


def clear(ctx: BotContext, click: Click, client: WebClient) -> None:
    """An owner clears the flag; the card is shown again without it."""
    with ctx.transaction(click.team_id) as (session, workspace):
        now = ctx.now()
        change = clear_do_not_contact(
            session, workspace=workspace, contact_id=click.value, actor=click.user_id, now=now
        )
        shown = card_after(session, workspace, change, now)
    answer(client, click, shown)

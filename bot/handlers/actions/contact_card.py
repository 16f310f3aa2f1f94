"""The contact card's buttons: Edit, Edit company, Merge into…, Archive, Restore, Undo merge.

The first three open a form (submitted in `bot.handlers.views.contact_forms`); Archive,
Restore and Undo merge act at once (each behind a confirm dialog where it matters) and
replace the card with the contact as it now stands. Undo merge is owner-only, refused in core.
"""

from __future__ import annotations

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.cards import contact_card
from bot.blocks.limits import Message
from bot.blocks.modals.contact_forms import (
    edit_company_modal,
    edit_contact_modal,
    merge_into_modal,
)
from bot.context import BotContext
from bot.handlers.actions.click import Click, answer
from core.contacts.archiving import archive_contact, restore_contact
from core.contacts.companies import get_company
from core.contacts.edits import company_choices
from core.contacts.history import contact_card as load_contact_card
from core.contacts.history import get_contact
from core.contacts.merge_undo import undo_merge
from core.models import Workspace


def edit_contact(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the Edit contact form, every field filled in."""
    with ctx.transaction(click.team_id) as (session, workspace):
        contact = get_contact(session, workspace=workspace, contact_id=click.value)
        companies = company_choices(session, workspace=workspace)
        view = edit_contact_modal(
            contact, companies, region=workspace.default_phone_region, meta=click.meta()
        )
    client.views_open(trigger_id=click.trigger_id, view=view)


def edit_company(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the Edit company form (the button's value is the company)."""
    with ctx.transaction(click.team_id) as (session, workspace):
        company = get_company(session, workspace=workspace, company_id=click.value)
        view = edit_company_modal(company, region=workspace.default_phone_region, meta=click.meta())
    client.views_open(trigger_id=click.trigger_id, view=view)


def merge_into(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the Merge into… form: a search for the contact to keep (`bot.handlers.options`)."""
    with ctx.transaction(click.team_id) as (session, workspace):
        other = get_contact(session, workspace=workspace, contact_id=click.value)
        view = merge_into_modal(other, meta=click.meta())
    client.views_open(trigger_id=click.trigger_id, view=view)


def _card_now(
    ctx: BotContext, session: Session, workspace: Workspace, contact_id: str, heading: str
) -> Message:
    """The contact's card as it now stands, under a line saying what just happened."""
    loaded = load_contact_card(session, workspace=workspace, contact_id=contact_id, now=ctx.now())
    return contact_card(loaded, region=workspace.default_phone_region, heading=heading)


def archive(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Archive the contact (confirmed in a dialog first); the card now says so."""
    with ctx.transaction(click.team_id) as (session, workspace):
        contact = archive_contact(
            session=session, workspace=workspace, actor=click.user_id, contact_id=click.value
        )
        heading = f"Archived {contact.full_name}. Nothing was deleted."
        card = _card_now(ctx, session, workspace, contact.contact_id, heading)
    answer(client, click, card, replace=True)


def restore(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Bring an archived contact back into lists, searches and digests."""
    with ctx.transaction(click.team_id) as (session, workspace):
        contact = restore_contact(
            session=session, workspace=workspace, actor=click.user_id, contact_id=click.value
        )
        heading = f"Restored {contact.full_name}."
        card = _card_now(ctx, session, workspace, contact.contact_id, heading)
    answer(client, click, card, replace=True)


def undo(ctx: BotContext, click: Click, client: WebClient) -> None:
    """An owner undoes a merge (value: the merge); the survivor's card shows the result."""
    with ctx.transaction(click.team_id) as (session, workspace):
        record = undo_merge(
            session=session,
            workspace=workspace,
            actor=click.user_id,
            merge_id=click.value,
            now=ctx.now(),
        )
        other = get_contact(session, workspace=workspace, contact_id=record.other_id)
        heading = f"Merge undone: {other.full_name} is a separate contact again."
        card = _card_now(ctx, session, workspace, record.survivor_id, heading)
    answer(client, click, card, replace=True)

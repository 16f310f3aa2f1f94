"""Answers to the bot's questions: the duplicate prompt, the QuickBooks prompt, re-engage.

Each answer replaces the question it answers, so a decided prompt cannot be pressed again by
mistake; core refuses a second decision anyway (a QuickBooks id already stored, a reminder
already set).
"""

from __future__ import annotations

from slack_sdk import WebClient

from bot.blocks.cards import contact_card
from bot.blocks.limits import Message
from bot.blocks.prompts import (
    customer_added_message,
    duplicate_prompt,
    quickbooks_declined_message,
    reengage_answer_message,
)
from bot.context import BotContext
from bot.handlers.actions.click import Click, answer
from bot.values import DuplicateChoice
from core.common.local_dates import local_today
from core.contacts.edits import ContactEdit, edit_contact
from core.contacts.history import contact_card as load_contact_card
from core.contacts.service import DuplicateDecision
from core.errors import DuplicateContact
from core.leads.duplicate_decisions import decide_duplicate
from core.leads.opportunities import set_reengage_reminder
from core.leads.quickbooks import decline_quickbooks_prompt


def _decide(ctx: BotContext, click: Click, client: WebClient, decision: DuplicateDecision) -> None:
    """Carry out the decision; core re-validates and re-checks the matches (and the lead)."""
    carried = click.value_as(DuplicateChoice)
    if carried.edit_of is not None:
        _decide_edit(ctx, click, client, decision, carried)
        return
    with ctx.transaction(click.team_id) as (session, workspace):
        try:
            added = decide_duplicate(
                session=session,
                workspace=workspace,
                actor=click.user_id,
                data=carried.contact(),
                decision=decision,
                match_contact_id=carried.match_contact_id,
                lead_id=carried.lead_id,
                lead_contact_id=carried.lead_contact_id,
            )
        except DuplicateContact as still:  # the matches changed since the question was asked
            shown = duplicate_prompt(still, region=workspace.default_phone_region)
        else:
            shown = customer_added_message(added)
    answer(client, click, shown, replace=True)


def _decide_edit(
    ctx: BotContext,
    click: Click,
    client: WebClient,
    decision: DuplicateDecision,
    carried: DuplicateChoice,
) -> None:
    """The answer about a contact edit: core saves the edit as the answer says, or asks again."""
    with ctx.transaction(click.team_id) as (session, workspace):
        shown: Message
        try:
            edited = edit_contact(
                session=session,
                workspace=workspace,
                actor=click.user_id,
                contact_id=carried.edit_of or "",
                edit=ContactEdit.from_proposed(carried.proposed),
                decision=decision,
                match_contact_id=carried.match_contact_id,
            )
        except DuplicateContact as still:
            shown = duplicate_prompt(still, region=workspace.default_phone_region)
        else:
            loaded = load_contact_card(
                session, workspace=workspace, contact_id=edited.contact.contact_id, now=ctx.now()
            )
            shown = contact_card(
                loaded,
                region=workspace.default_phone_region,
                heading=edited.confirmation_text,
            )
    answer(client, click, shown, replace=True)


def use_existing(ctx: BotContext, click: Click, client: WebClient) -> None:
    _decide(ctx, click, client, DuplicateDecision.use_existing)


def merge(ctx: BotContext, click: Click, client: WebClient) -> None:
    _decide(ctx, click, client, DuplicateDecision.merge)


def create_separate(ctx: BotContext, click: Click, client: WebClient) -> None:
    _decide(ctx, click, client, DuplicateDecision.create_separate)


def not_now(ctx: BotContext, click: Click, client: WebClient) -> None:
    """The owner's "Not now": recorded, and the question replaced."""
    with ctx.transaction(click.team_id) as (session, workspace):
        contact = decline_quickbooks_prompt(
            session=session, workspace=workspace, actor=click.user_id, contact_id=click.value
        )
        shown = quickbooks_declined_message(contact, by=click.user_id)
    answer(client, click, shown, visible=True, replace=True)


def reengage_yes(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Set the 90-day re-engage reminder of a lost deal (asking twice sets one)."""
    with ctx.transaction(click.team_id) as (session, workspace):
        now = ctx.now()
        reminder = set_reengage_reminder(
            session=session,
            workspace=workspace,
            actor=click.user_id,
            opportunity_id=click.value,
            now=now,
        )
        shown = reengage_answer_message(reminder, today=local_today(workspace, now))
    answer(client, click, shown, visible=True, replace=True)


def reengage_no(ctx: BotContext, click: Click, client: WebClient) -> None:
    """No reminder: nothing to record, the question is replaced."""
    answer(client, click, reengage_answer_message(None), visible=True, replace=True)

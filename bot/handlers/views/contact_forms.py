"""The contact card's forms submitted: Edit contact, Edit company, Merge into…, Merge.

Each does its one operation before acknowledging (a refusal shows on its field, nothing
written), then answers where the card was with the contact as it now stands. An edit giving
the contact another contact's phone or email closes the form and asks the duplicate question
instead (hard stop 3): nothing is saved until it is answered (`prompt_answers`).
"""

from __future__ import annotations

from functools import partial

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.cards import contact_card
from bot.blocks.limits import Message
from bot.blocks.modals.contact_forms import (
    confirm_merge_modal,
    parse_edit_company,
    parse_edit_contact,
    parse_merge_into,
)
from bot.blocks.prompts import duplicate_prompt
from bot.context import BotContext
from bot.handlers.views.submission import AfterAck, NextStep, Submission, answer_after_modal
from core.contacts.companies import update_company
from core.contacts.edits import edit_contact
from core.contacts.history import contact_card as load_contact_card
from core.contacts.history import load_contact
from core.contacts.merges import merge_contacts, merge_preview
from core.errors import DuplicateContact
from core.models import Workspace


def _card(
    ctx: BotContext, session: Session, workspace: Workspace, contact_id: str, heading: str
) -> Message:
    loaded = load_contact_card(session, workspace=workspace, contact_id=contact_id, now=ctx.now())
    return contact_card(loaded, region=workspace.default_phone_region, heading=heading)


def edit_contact_submitted(ctx: BotContext, submission: Submission, client: WebClient) -> AfterAck:
    """Save the edit, or ask the duplicate question about a phone or email (nothing saved)."""
    form = parse_edit_contact(submission.view)
    with ctx.transaction(submission.team_id) as (session, workspace):
        shown: Message
        try:
            edited = edit_contact(
                session=session,
                workspace=workspace,
                actor=submission.user_id,
                contact_id=form.contact_id,
                edit=form.edit,
            )
            shown = _card(
                ctx, session, workspace, edited.contact.contact_id, edited.confirmation_text
            )
        except DuplicateContact as duplicate:  # refused before anything was written
            shown = duplicate_prompt(duplicate, region=workspace.default_phone_region)
    return partial(answer_after_modal, client, form.meta, submission.user_id, shown)


def edit_company_submitted(ctx: BotContext, submission: Submission, client: WebClient) -> AfterAck:
    """Save the company; the contact card it was opened from is shown again."""
    form = parse_edit_company(submission.view)
    with ctx.transaction(submission.team_id) as (session, workspace):
        company = update_company(
            session=session,
            workspace=workspace,
            actor=submission.user_id,
            company_id=form.company_id,
            name=form.name,
            type=form.type,
            main_phone=form.main_phone,
            billing_address=form.billing_address,
            status=form.status,
        )
        heading = f"Saved {company.name}'s details."
        contact_id = company.primary_contact_id
        shown = _card(ctx, session, workspace, contact_id, heading) if contact_id else heading
    return partial(answer_after_modal, client, form.meta, submission.user_id, shown)


def merge_into_submitted(ctx: BotContext, submission: Submission, client: WebClient) -> NextStep:
    """The contact chosen: the form turns into what will move, with **Merge** to confirm."""
    choice = parse_merge_into(submission.view)
    with ctx.transaction(submission.team_id) as (session, workspace):
        preview = merge_preview(
            session, workspace=workspace, survivor_id=choice.survivor_id, other_id=choice.other_id
        )
        view = confirm_merge_modal(preview, region=workspace.default_phone_region, meta=choice.meta)
    return NextStep(view)


def merge_confirmed(ctx: BotContext, submission: Submission, client: WebClient) -> AfterAck:
    """Merge: the survivor's card, with **Undo merge** for an owner."""
    choice = parse_merge_into(submission.view)
    with ctx.transaction(submission.team_id) as (session, workspace):
        now = ctx.now()
        survivor = merge_contacts(
            session=session,
            workspace=workspace,
            actor=submission.user_id,
            survivor_id=choice.survivor_id,
            other_id=choice.other_id,
            now=now,
        )
        other = load_contact(session, workspace, choice.other_id)
        heading = f"Merged {other.full_name} into {survivor.full_name}."
        shown = _card(ctx, session, workspace, survivor.contact_id, heading)
    return partial(answer_after_modal, client, choice.meta, submission.user_id, shown)

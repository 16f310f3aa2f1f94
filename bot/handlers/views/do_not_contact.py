"""The Do not contact form submitted: mark the contact, then show their card as it now is."""

from __future__ import annotations

from functools import partial

from slack_sdk import WebClient

from bot.blocks.cards import contact_card
from bot.blocks.do_not_contact import changed_text, parse_do_not_contact
from bot.blocks.limits import escape, message, mrkdwn_section
from bot.context import BotContext
from bot.handlers.views.submission import AfterAck, Submission, answer_after_modal
from core.contacts.do_not_contact import set_do_not_contact
from core.contacts.history import contact_card as load_contact_card


def submitted(ctx: BotContext, submission: Submission, client: WebClient) -> AfterAck:
    """Anyone may mark; a second mark is told it already was."""
    form = parse_do_not_contact(submission.view)
    with ctx.transaction(submission.team_id) as (session, workspace):
        now = ctx.now()
        change = set_do_not_contact(
            session,
            workspace=workspace,
            contact_id=form.contact_id,
            actor=submission.user_id,
            reason=form.reason,
            now=now,
        )
        card = load_contact_card(
            session, workspace=workspace, contact_id=change.contact.contact_id, now=now
        )
        shown = contact_card(card, region=workspace.default_phone_region)
    said = changed_text(change)
    reply = message(said, [mrkdwn_section(escape(said)), *shown["blocks"]])
    return partial(answer_after_modal, client, form.meta, submission.user_id, reply)

"""The Do not contact form submitted: mark the contact, then show their card as it now is."""

from __future__ import annotations

from functools import partial

from slack_sdk import WebClient

from bot.blocks.audience import Audience
from bot.blocks.do_not_contact import parse_do_not_contact
from bot.context import BotContext
from bot.handlers.actions.do_not_contact import card_after
from bot.handlers.views.submission import AfterAck, Submission, answer_after_modal
from core.contacts.do_not_contact import set_do_not_contact


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
        shown = card_after(session, workspace, change, now)
        audience = Audience.of(is_owner=workspace.is_owner(submission.user_id))
    return partial(
        answer_after_modal, client, form.meta, submission.user_id, shown, audience=audience
    )

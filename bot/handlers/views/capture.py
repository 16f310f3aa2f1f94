"""Modal listeners: the capture modals' submissions (New lead, New customer, Log interaction).

Each parses its view, does its one operation in one transaction before acknowledging (so a
refusal shows on the field, `bot.handlers.views.submission`), and once it is written answers
the person where they opened the modal (the command's response_url, else ephemerally in that
channel, else by DM). The owners' new-inquiry notices are outbox items written with the lead.
The decision modals' submissions are in `bot.handlers.views.decisions`.
"""

from __future__ import annotations

from functools import partial

from slack_sdk import WebClient

from bot.blocks.answers import customer_added_card, logged_answer
from bot.blocks.modals.capture_parsing import (
    parse_log_interaction,
    parse_new_customer,
    parse_new_lead,
    who_doubt,
)
from bot.blocks.prompts import captured_lead_reply, duplicate_prompt
from bot.context import BotContext
from bot.handlers.views.submission import AfterAck, Submission, answer_after_modal
from bot.notify import queue_new_inquiry_notice
from core.activity.flows import log_with_person
from core.contacts.service import add_customer
from core.errors import DuplicateContact, InvalidInput
from core.leads.inquiries import capture_inquiry


def new_lead_submitted(ctx: BotContext, submission: Submission, client: WebClient) -> AfterAck:
    """New lead: capture the inquiry (linked to a matching contact) with the owners' notices."""
    form = parse_new_lead(submission.view)
    with ctx.transaction(submission.team_id) as (session, workspace):
        now = ctx.now()
        captured = capture_inquiry(
            session=session,
            workspace=workspace,
            actor=submission.user_id,
            inquiry=form.inquiry,
            now=now,
        )
        queue_new_inquiry_notice(session, workspace=workspace, captured=captured, now=now)
        shown = captured_lead_reply(captured, region=workspace.default_phone_region)
    return partial(answer_after_modal, client, form.meta, submission.user_id, shown)


def new_customer_submitted(ctx: BotContext, submission: Submission, client: WebClient) -> AfterAck:
    """New customer: add them, or, on a phone or email match, ask first (hard stop 3)."""
    form = parse_new_customer(submission.view)
    with ctx.transaction(submission.team_id) as (session, workspace):
        try:
            added = add_customer(
                session=session, workspace=workspace, actor=submission.user_id, data=form.contact
            )
            shown = customer_added_card(added)
        except DuplicateContact as duplicate:  # refused before anything was written
            shown = duplicate_prompt(duplicate, region=workspace.default_phone_region)
    return partial(answer_after_modal, client, form.meta, submission.user_id, shown)


def log_interaction_submitted(
    ctx: BotContext, submission: Submission, client: WebClient
) -> AfterAck:
    """Log interaction: log it with the person named; doubt about who is shown on the field."""
    form = parse_log_interaction(submission.view)
    with ctx.transaction(submission.team_id) as (session, workspace):
        logged = log_with_person(
            session,
            workspace=workspace,
            actor=submission.user_id,
            who=form.who,
            contact_id=form.contact_id,
            lead_id=form.lead_id,
            opportunity_id=form.opportunity_id,
            type=form.interaction_type,
            body=form.body,
            outcome=form.outcome,
            follow_up_date=form.follow_up_date,
            now=ctx.now(),
        )
        doubt = who_doubt(logged, region=workspace.default_phone_region)
        if doubt is not None:  # nothing was logged: ask on the Who field
            raise InvalidInput(doubt, field="contact")
        shown = logged_answer(logged, region=workspace.default_phone_region)
    return partial(answer_after_modal, client, form.meta, submission.user_id, shown)

"""Submissions of the modals that move a lead or job along: Convert, Mark won, Edit lead and
Edit job.

Each parses its view, calls one core operation in one transaction, and answers where the
button was clicked; a refusal (a garbled amount, a past date, a used-up confirmation) is
shown on the field and nothing is written (`bot.handlers.views.submission`).
"""

from __future__ import annotations

from functools import partial

from slack_sdk import WebClient

from bot.blocks.audience import Audience
from bot.blocks.cards import converted_card
from bot.blocks.modals.stages import parse_convert, parse_edit_job, parse_edit_lead, parse_mark_won
from bot.blocks.plans import job_plan_card, lead_plan_card
from bot.blocks.prompts import won_message
from bot.context import BotContext
from bot.handlers.views.submission import AfterAck, Submission, answer_after_modal
from core.common.local_dates import local_today
from core.leads.opportunities import mark_won
from core.leads.planning import edit_deal_plan, edit_lead_plan
from core.leads.service import convert_lead


def convert_submitted(ctx: BotContext, submission: Submission, client: WebClient) -> AfterAck:
    """Convert the lead to a job at the stage, amount and close date given."""
    form = parse_convert(submission.view)
    with ctx.transaction(submission.team_id) as (session, workspace):
        deal = convert_lead(
            session=session,
            workspace=workspace,
            actor=submission.user_id,
            lead_id=form.lead_id,
            stage=form.stage,
            amount=form.amount,
            expected_close_date=form.expected_close_date,
            now=ctx.now(),
        )
        card = converted_card(deal, region=workspace.default_phone_region)
        audience = Audience.of(is_owner=workspace.is_owner(submission.user_id))
    return partial(
        answer_after_modal, client, form.meta, submission.user_id, card, audience=audience
    )


def won_submitted(ctx: BotContext, submission: Submission, client: WebClient) -> AfterAck:
    """Win the deal with the owner's confirmation the form carries, at the final amount."""
    form = parse_mark_won(submission.view)
    with ctx.transaction(submission.team_id) as (session, workspace):
        now = ctx.now()
        deal = mark_won(
            session=session,
            workspace=workspace,
            actor=submission.user_id,
            opportunity_id=form.opportunity_id,
            confirmation=form.confirmation,
            amount=form.amount,
            now=now,
        )
        connected = ctx.integrations.quickbooks(workspace) is not None
        shown = won_message(deal, today=local_today(workspace, now), quickbooks_connected=connected)
    return partial(answer_after_modal, client, form.meta, submission.user_id, shown, visible=True)


def edit_lead_submitted(ctx: BotContext, submission: Submission, client: WebClient) -> AfterAck:
    """Apply what the Edit lead form changed; the card is shown as it now stands."""
    form = parse_edit_lead(submission.view)
    with ctx.transaction(submission.team_id) as (session, workspace):
        edit = edit_lead_plan(
            session=session,
            workspace=workspace,
            actor=submission.user_id,
            lead_id=form.lead_id,
            plan=form.plan,
            now=ctx.now(),
        )
        card = lead_plan_card(edit, region=workspace.default_phone_region)
    return partial(answer_after_modal, client, form.meta, submission.user_id, card)


def edit_job_submitted(ctx: BotContext, submission: Submission, client: WebClient) -> AfterAck:
    """Apply what the Edit job form changed; the card is shown as it now stands."""
    form = parse_edit_job(submission.view)
    with ctx.transaction(submission.team_id) as (session, workspace):
        edit = edit_deal_plan(
            session=session,
            workspace=workspace,
            actor=submission.user_id,
            opportunity_id=form.opportunity_id,
            plan=form.plan,
            now=ctx.now(),
        )
        card = job_plan_card(edit, region=workspace.default_phone_region)
        audience = Audience.of(is_owner=workspace.is_owner(submission.user_id))
    return partial(
        answer_after_modal, client, form.meta, submission.user_id, card, audience=audience
    )

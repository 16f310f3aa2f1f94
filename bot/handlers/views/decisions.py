"""Submissions of the decision modals: Edit draft, Mark lost, Disqualify, Reschedule, Settings.

A submission parses the view with its pure `parse_<view>`, calls one core operation in one
transaction, and then either acknowledges with `response_action: errors` on the field that
was wrong (the modal stays open) or closes the modal and answers where its button was
clicked (the click's response_url, kept in the modal's `ModalMeta`; else by DM); see
`bot.handlers.views.submission`.
"""

from __future__ import annotations

from functools import partial

from slack_sdk import WebClient

from bot.blocks.answers import follow_up_moved_text
from bot.blocks.cards import disqualified_card
from bot.blocks.drafts import review_message
from bot.blocks.modals.decisions import (
    parse_disqualify,
    parse_edit_draft,
    parse_mark_lost,
    parse_reschedule,
)
from bot.blocks.prompts import lost_message
from bot.blocks.settings import parse_settings, settings_saved_text
from bot.context import BotContext
from bot.handlers.home import publish_home
from bot.handlers.views.submission import AfterAck, Submission, answer_after_modal
from bot.notify import review_copies, update_copies
from core.activity.service import reschedule_follow_up
from core.common.local_dates import local_today
from core.drafts.decisions import edit_draft_as_seen
from core.leads.opportunities import mark_lost
from core.leads.service import disqualify_lead
from core.workspaces.service import update_settings


def edit_submitted(ctx: BotContext, submission: Submission, client: WebClient) -> AfterAck:
    """Save the edited text as a new version; every copy asks for approval again."""
    form = parse_edit_draft(submission.view)
    with ctx.transaction(submission.team_id) as (session, workspace):
        edited = edit_draft_as_seen(
            session,
            workspace=workspace,
            actor=submission.user_id,
            draft_id=form.draft_id,
            version=form.version,
            body=form.body,
            subject=form.subject,
            now=ctx.now(),
        )
        review = review_message(edited, workspace)
        refs = review_copies(edited.draft, form.meta.message_ref)

    def after() -> None:
        update_copies(client, refs, review)
        if form.meta.home_page is not None:  # edited from the App Home: show the new version
            publish_home(
                ctx, client, submission.team_id, submission.user_id, drafts_page=form.meta.home_page
            )

    return after


def lost_submitted(ctx: BotContext, submission: Submission, client: WebClient) -> AfterAck:
    """Mark the deal lost with its reason, and the re-engage reminder when ticked."""
    form = parse_mark_lost(submission.view)
    with ctx.transaction(submission.team_id) as (session, workspace):
        now = ctx.now()
        deal = mark_lost(
            session=session,
            workspace=workspace,
            actor=submission.user_id,
            opportunity_id=form.opportunity_id,
            reason=form.reason,
            notes=form.notes,
            reengage_in_days=form.reengage_in_days,
            now=now,
        )
        shown = lost_message(deal, today=local_today(workspace, now), ask=False)
    return partial(answer_after_modal, client, form.meta, submission.user_id, shown, visible=True)


def disqualify_submitted(ctx: BotContext, submission: Submission, client: WebClient) -> AfterAck:
    """Disqualify the lead with the reason given; the record stays."""
    form = parse_disqualify(submission.view)
    with ctx.transaction(submission.team_id) as (session, workspace):
        lead = disqualify_lead(
            session=session,
            workspace=workspace,
            actor=submission.user_id,
            lead_id=form.lead_id,
            reason=form.reason,
            note=form.note,
            now=ctx.now(),
        )
        card = disqualified_card(lead, region=workspace.default_phone_region)
    return partial(answer_after_modal, client, form.meta, submission.user_id, card)


def reschedule_submitted(ctx: BotContext, submission: Submission, client: WebClient) -> AfterAck:
    """Move the follow-up to the day picked."""
    form = parse_reschedule(submission.view)
    with ctx.transaction(submission.team_id) as (session, workspace):
        now = ctx.now()
        item = reschedule_follow_up(
            session=session,
            workspace=workspace,
            actor=submission.user_id,
            interaction_id=form.interaction_id,
            new_date=form.new_date,
            now=now,
        )
        text = follow_up_moved_text(item, local_today(workspace, now))
    return partial(answer_after_modal, client, form.meta, submission.user_id, text)


def settings_submitted(ctx: BotContext, submission: Submission, client: WebClient) -> AfterAck:
    """Save the owners' settings (owners only, checked by core)."""
    form = parse_settings(submission.view)
    with ctx.transaction(submission.team_id) as (session, workspace):
        update_settings(
            session=session, workspace=workspace, actor=submission.user_id, changes=form.changes
        )
        text = settings_saved_text(workspace)
    return partial(answer_after_modal, client, form.meta, submission.user_id, text)

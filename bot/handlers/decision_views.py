"""Submissions of the decision modals: Edit draft, Mark lost, Disqualify, Reschedule, Settings.

A submission parses the view with its pure `parse_<view>`, calls one core operation in one
transaction, and then either acknowledges with `response_action: errors` on the field that
was wrong (the modal stays open) or closes the modal and answers where its button was
clicked (the click's response_url, kept in the modal's `ModalMeta`; else by DM).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.cards import lead_card
from bot.blocks.decision_modals import (
    parse_disqualify,
    parse_edit_draft,
    parse_mark_lost,
    parse_reschedule,
    parse_settings,
)
from bot.blocks.prompts import lost_message
from bot.context import BotContext
from bot.errors import view_errors
from bot.handlers.clicks import answer_after_modal
from bot.handlers.draft_actions import copies, edit_meta_ref, review_of
from bot.ids import BlockId, ViewId, block_for_field
from bot.notify import update_copies
from core.drafts import edit_draft, get_draft
from core.enums import DraftStatus
from core.errors import ApprovalRequired, CRMError, InvalidInput
from core.interactions import in_words, reschedule_follow_up
from core.leads import disqualify_lead
from core.opportunities import mark_lost
from core.report_text import friendly_date
from core.workspaces import SETTING_NAMES, update_settings, zone

EDIT_DRAFT_FIELDS = {"body": BlockId.BODY.value, "subject": BlockId.SUBJECT.value}
MARK_LOST_FIELDS = {
    "reason": BlockId.LOSS_REASON.value,
    "notes": BlockId.LOSS_NOTES.value,
    "reengage_in_days": BlockId.REENGAGE_IN_DAYS.value,
}
DISQUALIFY_FIELDS = {"reason": BlockId.DISQUALIFICATION_REASON.value, "note": BlockId.NOTES.value}
RESCHEDULE_FIELDS = {"follow_up_date": BlockId.FOLLOW_UP_DATE.value}
SETTINGS_FIELDS = {
    name: block_for_field(name)
    for name in ("timezone", *SETTING_NAMES)
    if block_for_field(name) in {b.value for b in BlockId}
}
CHANGED_WHILE_EDITING = (
    "The draft changed while you were editing; close this and edit the new version."
)

Submission = Callable[[BotContext, dict[str, Any], str, str, WebClient], Callable[[], object]]


def _submit(ctx: BotContext, fields: dict[str, str], handle: Submission) -> Callable[..., None]:
    """A view_submission listener: errors on the field, else close and run the follow-up."""

    def listener(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        view = body.get("view") or {}
        team = context.team_id or (body.get("team") or {}).get("id") or ""
        user = context.user_id or (body.get("user") or {}).get("id") or ""
        try:
            then = handle(ctx, view, str(team), str(user), client)
        except CRMError as error:
            ack(**view_errors(error, fields))
            return
        ack()
        then()

    return listener


def edit_submitted(
    ctx: BotContext, view: dict[str, Any], team: str, user: str, client: WebClient
) -> Callable[[], object]:
    """Save the edited text as a new version; every copy asks for approval again."""
    form = parse_edit_draft(view)
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, team)
        current = get_draft(session, workspace=workspace, draft_id=form.draft_id)
        editable = current.status not in (DraftStatus.sent, DraftStatus.discarded)
        if editable and form.version is not None and current.version != form.version:
            raise ApprovalRequired(CHANGED_WHILE_EDITING, field="body")
        draft = edit_draft(
            session=session,
            workspace=workspace,
            actor=user,
            draft_id=form.draft_id,
            body=form.body,
            subject=form.subject,
            now=ctx.now(),
        )
        review = review_of(session, workspace, draft)
        refs = copies(draft, edit_meta_ref(form.meta))
    return partial(update_copies, client, refs, review)


def lost_submitted(
    ctx: BotContext, view: dict[str, Any], team: str, user: str, client: WebClient
) -> Callable[[], object]:
    """Mark the deal lost with its reason, and the re-engage reminder when ticked."""
    form = parse_mark_lost(view)
    if not form.reason:
        raise InvalidInput("Choose why the deal was lost.", field="reason")
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, team)
        deal = mark_lost(
            session=session,
            workspace=workspace,
            actor=user,
            opportunity_id=form.opportunity_id,
            reason=form.reason,
            notes=form.notes,
            reengage_in_days=form.reengage_in_days,
            now=ctx.now(),
        )
        today = ctx.now().astimezone(zone(workspace)).date()
        shown = lost_message(deal, today=today, ask=False)
    return partial(answer_after_modal, client, form.meta, user, shown, visible=True)


def disqualify_submitted(
    ctx: BotContext, view: dict[str, Any], team: str, user: str, client: WebClient
) -> Callable[[], object]:
    """Disqualify the lead with the reason given; the record stays."""
    form = parse_disqualify(view)
    if not form.reason:
        raise InvalidInput("Choose a reason.", field="reason")
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, team)
        lead = disqualify_lead(
            session=session,
            workspace=workspace,
            actor=user,
            lead_id=form.lead_id,
            reason=form.reason,
            note=form.note,
            now=ctx.now(),
        )
        why = in_words(lead.disqualification_reason or form.reason)
        heading = f"Lead disqualified — {why}. The record stays."
        card = lead_card(lead, region=workspace.default_phone_region, heading=heading)
    return partial(answer_after_modal, client, form.meta, user, card)


def reschedule_submitted(
    ctx: BotContext, view: dict[str, Any], team: str, user: str, client: WebClient
) -> Callable[[], object]:
    """Move the follow-up to the day picked."""
    form = parse_reschedule(view)
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, team)
        item = reschedule_follow_up(
            session=session,
            workspace=workspace,
            actor=user,
            interaction_id=form.interaction_id,
            new_date=form.new_date,
            now=ctx.now(),
        )
        today = ctx.now().astimezone(zone(workspace)).date()
        day = friendly_date(item.follow_up_date or form.new_date, today)
    text = f"Follow-up moved to {day}."
    return partial(answer_after_modal, client, form.meta, user, text)


def settings_submitted(
    ctx: BotContext, view: dict[str, Any], team: str, user: str, client: WebClient
) -> Callable[[], object]:
    """Save the owners' settings (owners only, checked by core)."""
    form = parse_settings(view)
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, team)
        update_settings(session, workspace=workspace, actor=user, changes=form.changes)
        auto = "on" if workspace.auto_send else "off"
    text = f"Settings saved. Auto-send is {auto}."
    return partial(answer_after_modal, client, form.meta, user, text)


def register(app: App, ctx: BotContext) -> None:
    """Register the decision modals' submissions."""
    app.view(ViewId.EDIT_DRAFT.value)(_submit(ctx, EDIT_DRAFT_FIELDS, edit_submitted))
    app.view(ViewId.MARK_LOST.value)(_submit(ctx, MARK_LOST_FIELDS, lost_submitted))
    app.view(ViewId.DISQUALIFY.value)(_submit(ctx, DISQUALIFY_FIELDS, disqualify_submitted))
    app.view(ViewId.RESCHEDULE.value)(_submit(ctx, RESCHEDULE_FIELDS, reschedule_submitted))
    app.view(ViewId.SETTINGS.value)(_submit(ctx, SETTINGS_FIELDS, settings_submitted))

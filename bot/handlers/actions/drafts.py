"""The owner-review gate's buttons: Approve, Edit, Discard, Mark sent, and asking for a draft.

Approve, Edit and Discard are owner-only (core raises NotAnOwner; the clicker gets an
ephemeral refusal and nothing changes). Every button carries `"<draft_id>:<version>"`, so an
approval is bound to the text the owner read. After any change every owner's copy of the
review message (`Draft.review_refs`, plus the message clicked) is re-rendered.

Approving an email draft sends it through the workspace's mailbox when one is connected
(`ctx.integrations.draft_sender`); with none, and for texts and calls, the draft is marked
approved and the owner is handed the text with **Mark sent**. Sending and Mark sent claim the
draft with core's conditional update, so a double click never sends twice: the second click
answers "Already sent by … at …". A send whose delivery was never recorded (the process died
after the claim) is shown to the owners with its own **Mark sent** (`settle_send`).
"""

from __future__ import annotations

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.drafts import (
    already_sent_text,
    approval_reply,
    draft_requested_message,
    review_message,
    settled_send_text,
)
from bot.blocks.limits import Message
from bot.blocks.modals.decisions import edit_draft_modal
from bot.context import BotContext
from bot.handlers.actions.click import Click, RecordKind, answer
from bot.handlers.home import refresh_if_home
from bot.notify import (
    post_draft_for_review,
    review_copies,
    share_draft_for_review,
    update_copies,
)
from bot.values import DraftVersion
from core.drafts.decisions import draft_shown, draft_to_edit, mark_sent_as_seen
from core.drafts.flows import RequestedDraft, approve_and_send
from core.drafts.flows import request_follow_up as request_follow_up_flow
from core.drafts.review import discard_draft
from core.drafts.unconfirmed_sends import settle_unconfirmed_send
from core.errors import InvalidInput
from core.models import Draft, Workspace
from core.workspaces.service import zone


def review_of(
    session: Session, workspace: Workspace, draft: Draft, *, discarded_by: str | None = None
) -> Message:
    """The review message of a draft as it now stands (its contact's name looked up)."""
    shown = draft_shown(session, workspace=workspace, draft=draft)
    return review_message(shown, workspace, discarded_by=discarded_by)


def approve(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Approve the version shown; send it when a mailbox is connected, else hand it over."""
    seen = click.value_as(DraftVersion)  # the version the owner read
    draft_id, version = seen.draft_id, seen.version
    approved = approve_and_send(
        sessions=ctx.sessions,
        workspace_id=click.team_id,
        actor=click.user_id,
        draft_id=draft_id,
        version=version,
        sender_for=ctx.integrations.draft_sender,
        now=ctx.now(),
    )
    approval = approved.approval
    reply = approval_reply(approval, approved.delivered, approved.workspace)
    if reply.review is not None:
        update_copies(client, review_copies(approval.draft, click.message_ref), reply.review)
    if reply.note is not None:
        answer(client, click, reply.note)
    refresh_if_home(ctx, click, client)


def mark_sent(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Record that the owner sent the approved text by hand; exactly once."""
    seen = click.value_as(DraftVersion)  # the version the owner read
    draft_id, version = seen.draft_id, seen.version
    with ctx.transaction(click.team_id) as (session, workspace):
        sent = mark_sent_as_seen(
            session,
            workspace=workspace,
            actor=click.user_id,
            draft_id=draft_id,
            version=version,
            now=ctx.now(),
        )
        note = already_sent_text(sent.shown.draft, zone(workspace))
        review = review_message(sent.shown, workspace)
        refs = review_copies(sent.shown.draft, click.message_ref)
    if sent.outcome.already_sent:
        answer(client, click, note)
        return
    update_copies(client, refs, review)


def settle_send(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Mark sent on a send never confirmed: an owner vouches it went out; recorded once."""
    draft_id = click.value_as(DraftVersion).draft_id
    with ctx.transaction(click.team_id) as (session, workspace):
        outcome = settle_unconfirmed_send(
            session=session,
            workspace=workspace,
            actor=click.user_id,
            draft_id=draft_id,
            now=ctx.now(),
        )
        shown = draft_shown(session, workspace=workspace, draft=outcome.draft)
        text = settled_send_text(shown, already=outcome.already_sent)
    answer(client, click, text)


def edit(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the draft in the Edit modal (owners only; the version shown must be current)."""
    seen = click.value_as(DraftVersion)  # the version the owner read
    draft_id, version = seen.draft_id, seen.version
    with ctx.transaction(click.team_id) as (session, workspace):
        draft = draft_to_edit(
            session, workspace=workspace, actor=click.user_id, draft_id=draft_id, version=version
        )
        view = edit_draft_modal(draft, meta=click.meta(), region=workspace.default_phone_region)
    client.views_open(trigger_id=click.trigger_id, view=view)


def discard(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Drop the draft (owners only); nothing is sent and the row stays as history."""
    draft_id = click.value_as(DraftVersion).draft_id
    with ctx.transaction(click.team_id) as (session, workspace):
        draft = discard_draft(
            session=session,
            workspace=workspace,
            actor=click.user_id,
            draft_id=draft_id,
            now=ctx.now(),
        )
        review = review_of(session, workspace, draft, discarded_by=click.user_id)
        refs = review_copies(draft, click.message_ref)
    update_copies(client, refs, review)
    refresh_if_home(ctx, click, client)


def show_requested_draft(
    ctx: BotContext, client: WebClient, requested: RequestedDraft, *, actor: str
) -> int:
    """Show the owners a requested draft: what went out (auto-send), else the draft to review.

    How many owners were sent it for review (0 when it was sent, or no owner is set up).
    """
    if requested.auto_sent:
        post_draft_for_review(client, requested.workspace, requested.followup)
        return 0
    refs = share_draft_for_review(
        ctx.sessions, client, requested.workspace, requested.followup, actor=actor, now=ctx.now()
    )
    return len(refs)


def request_follow_up(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Draft follow-up / Draft response: write the draft, post it to the owners, tell the asker.

    With auto-send on and a mailbox connected, an email draft goes out at once and the owners
    are shown what was sent (`core.drafts.flows`, the same flow as the words "follow up on").
    """
    if click.kind() == RecordKind.contact:
        raise InvalidInput("Choose the lead or job to follow up on; open it from the contact card.")
    requested = request_follow_up_flow(
        sessions=ctx.sessions,
        workspace_id=click.team_id,
        actor=click.user_id,
        sender_for=ctx.integrations.draft_sender,
        now=ctx.now(),
        **click.record(),
    )
    owners_told = show_requested_draft(ctx, client, requested, actor=click.user_id)
    told = draft_requested_message(
        requested.followup,
        owners_told=owners_told,
        by_owner=requested.workspace.is_owner(click.user_id),
        auto_sent=requested.auto_sent,
    )
    answer(client, click, told)

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

from bot.blocks.decision_modals import edit_draft_modal
from bot.blocks.drafts import (
    already_sent_text,
    draft_requested_message,
    parse_draft_value,
    review_message,
    settled_send_text,
    when,
    who,
)
from bot.context import BotContext
from bot.handlers.clicks import Click, RecordKind, answer
from bot.notify import (
    Ref,
    post_draft_for_review,
    review_copies,
    share_draft_for_review,
    update_copies,
)
from core.decisions import draft_shown, draft_to_edit, mark_sent_as_seen
from core.draft_review import (
    AUTO_SEND_ACTOR,
    DraftSender,
    SendClaim,
    SendOutcome,
    approve_draft,
    claim_draft_for_sending,
    deliver_claimed_draft,
    discard_draft,
    get_draft,
)
from core.drafts import draft_follow_up
from core.enums import DraftChannel, DraftStatus
from core.errors import InvalidInput, InvalidTransition
from core.models import Draft, Workspace
from core.unconfirmed_sends import settle_unconfirmed_send
from core.workspaces import zone

Message = dict[str, object]


def review_of(
    session: Session, workspace: Workspace, draft: Draft, *, discarded_by: str | None = None
) -> dict[str, object]:
    """The review message of a draft as it now stands (its contact's name looked up)."""
    shown = draft_shown(session, workspace=workspace, draft=draft)
    return review_message(shown, workspace, discarded_by=discarded_by)


def _mailbox(ctx: BotContext, workspace: Workspace, draft: Draft) -> DraftSender | None:
    """The workspace's connected mailbox for an email draft; None means it is sent by hand."""
    if draft.channel != DraftChannel.email:
        return None
    return ctx.integrations.draft_sender(workspace)


def approve(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Approve the version shown; send it when a mailbox is connected, else hand it over."""
    draft_id, version = parse_draft_value(click.value)
    outcome: SendOutcome | None = None
    claim: SendClaim | None = None
    sender: DraftSender | None = None
    review: dict[str, object] = {}
    refs: list[Ref] = []
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        prior = get_draft(session, workspace=workspace, draft_id=draft_id)
        was_approved = prior.status == DraftStatus.approved and prior.approved_version == version
        try:
            draft = approve_draft(
                session=session,
                workspace=workspace,
                actor=click.user_id,
                draft_id=draft_id,
                version=version,
                now=ctx.now(),
            )
        except InvalidTransition:
            # `prior` is the row approve_draft re-read under its lock: sent by then, or not.
            if prior.status != DraftStatus.sent:
                raise
            note: str | None = already_sent_text(prior, zone(workspace))
        else:
            note = None
            sender = _mailbox(ctx, workspace, draft)
            if sender is not None:
                claim = claim_draft_for_sending(
                    session=session,
                    workspace=workspace,
                    actor=click.user_id,
                    draft_id=draft_id,
                    now=ctx.now(),
                )
                if claim.already_sent:
                    note = already_sent_text(claim.draft, zone(workspace))
            elif was_approved:
                note = (
                    f"Already approved by {who(draft.approved_by)} at "
                    f"{when(draft.approved_at, zone(workspace))}; send it, then press Mark sent."
                )
            review = review_of(session, workspace, draft)
            refs = review_copies(draft, click.message_ref)
    if claim is not None and claim.claimed and sender is not None:
        # The claim is committed: the mailbox is reached at most once, even if this process dies.
        with ctx.sessions.begin() as session:
            workspace = ctx.workspace(session, click.team_id)
            outcome = deliver_claimed_draft(
                session=session,
                workspace=workspace,
                actor=click.user_id,
                claim=claim,
                sender=sender,
                now=ctx.now(),
            )
            review = review_of(session, workspace, outcome.draft)
    if note is not None:
        answer(client, click, note)
        return
    update_copies(client, refs, review)
    if outcome is not None and outcome.failed:
        answer(client, click, f"Sending failed: {outcome.error} Approve again to retry.")


def mark_sent(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Record that the owner sent the approved text by hand; exactly once."""
    draft_id, version = parse_draft_value(click.value)
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
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
    draft_id, _ = parse_draft_value(click.value)
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
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
    draft_id, version = parse_draft_value(click.value)
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        draft = draft_to_edit(
            session, workspace=workspace, actor=click.user_id, draft_id=draft_id, version=version
        )
        view = edit_draft_modal(draft, meta=click.meta(), region=workspace.default_phone_region)
    client.views_open(trigger_id=click.trigger_id, view=view)


def discard(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Drop the draft (owners only); nothing is sent and the row stays as history."""
    draft_id, _ = parse_draft_value(click.value)
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
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


def request_follow_up(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Draft follow-up / Draft response: write the draft, post it to the owners, tell the asker.

    With auto-send on and a mailbox connected, an email draft goes out at once and the owners
    are shown what was sent.
    """
    if click.kind() == RecordKind.contact:
        raise InvalidInput("Choose the lead or job to follow up on; open it from the contact card.")
    ids = click.record()
    now = ctx.now()
    auto = None
    claim = None
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        result = draft_follow_up(
            session=session, workspace=workspace, actor=click.user_id, now=now, **ids
        )
        sender = _mailbox(ctx, workspace, result.draft) if workspace.auto_send else None
        if sender is not None:
            claim = claim_draft_for_sending(
                session=session,
                workspace=workspace,
                actor=AUTO_SEND_ACTOR,
                draft_id=result.draft.draft_id,
                now=now,
            )
        by_owner = workspace.is_owner(click.user_id)
    if claim is not None and claim.claimed and sender is not None:
        with ctx.sessions.begin() as session:  # after the claim committed: at most once
            workspace = ctx.workspace(session, click.team_id)
            auto = deliver_claimed_draft(
                session=session,
                workspace=workspace,
                actor=AUTO_SEND_ACTOR,
                claim=claim,
                sender=sender,
                now=now,
            )
    if auto is not None and auto.sent:
        post_draft_for_review(client, workspace, result)  # the owners see what went out
        told = draft_requested_message(result, owners_told=1, by_owner=by_owner, auto_sent=True)
        answer(client, click, told)
        return
    refs = share_draft_for_review(
        ctx.sessions, client, workspace, result, actor=click.user_id, now=now
    )
    told = draft_requested_message(result, owners_told=len(refs), by_owner=by_owner)
    answer(client, click, told)

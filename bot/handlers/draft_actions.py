"""The owner-review gate's buttons: Approve, Edit, Discard, Mark sent, and asking for a draft.

Approve, Edit and Discard are owner-only (core raises NotAnOwner; the clicker gets an
ephemeral refusal and nothing changes). Every button carries `"<draft_id>:<version>"`, so an
approval is bound to the text the owner read. After any change every owner's copy of the
review message (`Draft.review_refs`, plus the message clicked) is re-rendered.

Approving an email draft sends it through the workspace's mailbox when one is connected
(`ctx.integrations.draft_sender`); with none, and for texts and calls, the draft is marked
approved and the owner is handed the text with **Mark sent**. Sending and Mark sent claim the
draft with core's conditional update, so a double click never sends twice: the second click
answers "Already sent by … at …".
"""

from __future__ import annotations

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.decision_modals import edit_draft_modal
from bot.blocks.drafts import (
    already_sent_text,
    draft_requested_message,
    draft_review_message,
    parse_draft_value,
    when,
    who,
)
from bot.blocks.modal_inputs import ModalMeta
from bot.context import BotContext
from bot.handlers.clicks import Click, RecordKind, answer
from bot.notify import Ref, post_draft_for_review, share_draft_for_review, update_copies
from core.contacts import get_contact
from core.drafts import (
    AUTO_SEND_ACTOR,
    CHANGED_SINCE_SEEN,
    SendOutcome,
    approve_draft,
    discard_draft,
    draft_follow_up,
    get_draft,
    mark_draft_sent,
    send_draft,
)
from core.enums import DraftChannel, DraftStatus
from core.errors import ApprovalRequired, InvalidInput, InvalidTransition
from core.models import Draft, Workspace
from core.workspaces import require_owner, zone

Message = dict[str, object]


def review_of(
    session: Session, workspace: Workspace, draft: Draft, *, discarded_by: str | None = None
) -> dict[str, object]:
    """The review message of a draft as it now stands (its contact's name looked up)."""
    name = None
    if draft.contact_id:
        name = get_contact(session, workspace=workspace, contact_id=draft.contact_id).full_name
    return draft_review_message(
        draft,
        contact_name=name,
        zone=zone(workspace),
        region=workspace.default_phone_region,
        discarded_by=discarded_by,
    )


def copies(draft: Draft, extra: Ref | None) -> list[Ref]:
    """Every owner's copy of the review message, and the message clicked if it is another."""
    refs = [dict(ref) for ref in draft.review_refs or []]
    if extra is not None and extra not in refs:
        refs.append(extra)
    return refs


def _deliver(
    ctx: BotContext, session: Session, workspace: Workspace, draft: Draft, click: Click
) -> tuple[str | None, SendOutcome | None]:
    """After approval: send through the mailbox when one is connected (email only)."""
    sender = None
    if draft.channel == DraftChannel.email:
        sender = ctx.integrations.draft_sender(workspace)
    if sender is None:
        return None, None
    outcome = send_draft(
        session=session,
        workspace=workspace,
        actor=click.user_id,
        draft_id=draft.draft_id,
        sender=sender,
        now=ctx.now(),
    )
    note = already_sent_text(outcome.draft, zone(workspace)) if outcome.already_sent else None
    return note, outcome


def approve(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Approve the version shown; send it when a mailbox is connected, else hand it over."""
    draft_id, version = parse_draft_value(click.value)
    outcome: SendOutcome | None = None
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
            note, outcome = _deliver(ctx, session, workspace, draft, click)
            if outcome is None and was_approved:
                note = (
                    f"Already approved by {who(draft.approved_by)} at "
                    f"{when(draft.approved_at, zone(workspace))}; send it, then press Mark sent."
                )
            review = review_of(session, workspace, draft)
            refs = copies(draft, click.message_ref)
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
        prior = get_draft(session, workspace=workspace, draft_id=draft_id)
        if prior.status != DraftStatus.sent and prior.version != version:
            raise ApprovalRequired(CHANGED_SINCE_SEEN)
        outcome = mark_draft_sent(
            session=session,
            workspace=workspace,
            actor=click.user_id,
            draft_id=draft_id,
            now=ctx.now(),
        )
        note = already_sent_text(outcome.draft, zone(workspace)) if outcome.already_sent else None
        review = review_of(session, workspace, outcome.draft)
        refs = copies(outcome.draft, click.message_ref)
    if note is not None:
        answer(client, click, note)
        return
    update_copies(client, refs, review)


def edit(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Open the draft in the Edit modal (owners only; the version shown must be current)."""
    draft_id, version = parse_draft_value(click.value)
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        require_owner(workspace, click.user_id, "edit drafts")
        draft = get_draft(session, workspace=workspace, draft_id=draft_id)
        if draft.status in (DraftStatus.sent, DraftStatus.discarded):
            raise InvalidTransition(
                f"This draft was already {draft.status.value}; it can't change."
            )
        if draft.version != version:
            raise ApprovalRequired(CHANGED_SINCE_SEEN)
        view = edit_draft_modal(
            draft, meta=click.meta(draft_id, version), region=workspace.default_phone_region
        )
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
        refs = copies(draft, click.message_ref)
    update_copies(client, refs, review)


def request_follow_up(ctx: BotContext, click: Click, client: WebClient) -> None:
    """Draft follow-up / Draft response: write the draft, post it to the owners, tell the asker.

    With auto-send on and a mailbox connected, an email draft goes out at once and the owners
    are shown what was sent.
    """
    kind = click.kind()
    if kind == RecordKind.contact:
        raise InvalidInput("Choose the lead or job to follow up on; open it from the contact card.")
    ids = {"opportunity_id" if kind == RecordKind.opportunity else "lead_id": click.value}
    now = ctx.now()
    auto = None
    with ctx.sessions.begin() as session:
        workspace = ctx.workspace(session, click.team_id)
        result = draft_follow_up(
            session=session, workspace=workspace, actor=click.user_id, now=now, **ids
        )
        sender = None
        if workspace.auto_send and result.draft.channel == DraftChannel.email:
            sender = ctx.integrations.draft_sender(workspace)
        if sender is not None:
            auto = send_draft(
                session=session,
                workspace=workspace,
                actor=AUTO_SEND_ACTOR,
                draft_id=result.draft.draft_id,
                sender=sender,
                now=now,
            )
        by_owner = workspace.is_owner(click.user_id)
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


def edit_meta_ref(meta: ModalMeta) -> Ref | None:
    """The message whose Edit button opened the modal, when the bot can update it."""
    if meta.channel and meta.ts:
        return {"channel": meta.channel, "ts": meta.ts}
    return None

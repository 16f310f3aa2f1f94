"""Telling people things: owners by direct message, and the person who clicked where they are.

New-inquiry notices go to the owners by direct message (docs/reliability.md): anyone who
creates a lead calls `queue_new_inquiry_notice` inside the transaction that creates it, which
writes one outbox item per owner; `crm worker` delivers them and retries until Slack takes
each one, so a Slack outage delays the notice but never loses it.

`post_to_owners` is how drafts reach the owners. A failure to reach one owner is logged with
its traceback and the others still get theirs; the caller learns how many copies landed from
the refs returned. Anyone who drafts a follow-up calls `share_draft_for_review` after the
transaction commits: it DMs each owner the review message and stores where the copies are
(`Draft.review_refs`), so every owner's copy is updated when one of them approves, edits,
discards or sends it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks.audience import Audience, for_audience
from bot.blocks.drafts import draft_review_message
from bot.blocks.limits import Message, fallback_text
from bot.blocks.prompts import new_inquiry_notice
from core.drafts.compose import FollowUpDraft
from core.drafts.review import record_review_messages
from core.leads.inquiries import CapturedInquiry
from core.models import Draft, Workspace
from core.platform.outbox import OutboxKind, enqueue
from core.workspaces.service import zone

logger = logging.getLogger(__name__)

Ref = dict[str, str]


def message_parts(message: Message | str) -> tuple[str, Sequence[dict[str, Any]] | None]:
    """A builder's `{"text", "blocks"}` (or a bare sentence) as the text and blocks to send.

    A bare sentence is escaped as every builder's text is (`limits.message`): it may carry a name.
    """
    if isinstance(message, str):
        return fallback_text(message), None
    return str(message.get("text") or ""), message.get("blocks")


def post_to_owners(
    client: WebClient,
    workspace: Workspace,
    *,
    text: str,
    blocks: Sequence[dict[str, Any]] | None = None,
) -> list[Ref]:
    """DM every owner (conversations.open + chat.postMessage); where each copy landed."""
    refs: list[Ref] = []
    for owner in dict.fromkeys(workspace.owner_ids or []):
        try:
            opened = client.conversations_open(users=owner)
            channel = str(opened["channel"]["id"])
            posted = client.chat_postMessage(
                channel=channel, text=text, blocks=list(blocks or []) or None, unfurl_links=False
            )
        except (SlackClientError, OSError):
            logger.exception("Could not DM owner %s in workspace %s", owner, workspace.workspace_id)
            continue
        refs.append({"channel": str(posted.get("channel") or channel), "ts": str(posted["ts"])})
    if not refs:  # the text names the customer: it stays out of the log
        logger.warning("No owner of workspace %s was reached", workspace.workspace_id)
    return refs


def queue_owner_message(
    session: Session,
    *,
    workspace: Workspace,
    user: str,
    message: Message | str,
    now: datetime,
    dedupe_key: str | None = None,
) -> None:
    """A DM to one owner as an outbox item in the caller's transaction (retried until sent)."""
    text, blocks = message_parts(message)
    enqueue(
        session,
        workspace=workspace,
        kind=OutboxKind.owner_dm,
        payload={"user": user, "text": text, "blocks": list(blocks or [])},
        now=now,
        dedupe_key=dedupe_key,
    )


def queue_to_owners(
    session: Session, *, workspace: Workspace, message: Message, now: datetime, dedupe: str
) -> None:
    """`message` to every owner: one outbox item each, keyed `<dedupe>:<owner>`."""
    for owner in dict.fromkeys(workspace.owner_ids or []):
        queue_owner_message(
            session,
            workspace=workspace,
            user=owner,
            message=message,
            now=now,
            dedupe_key=f"{dedupe}:{owner}",
        )


def queue_new_inquiry_notice(
    session: Session, *, workspace: Workspace, captured: CapturedInquiry, now: datetime
) -> None:
    """The procedure's new-inquiry notice (Draft response / Open lead) for every owner.

    One outbox item per owner, in the caller's transaction, so each owner's copy is retried
    on its own and the lead and its notices commit together.
    """
    queue_to_owners(
        session,
        workspace=workspace,
        message=new_inquiry_notice(captured),
        now=now,
        dedupe=f"new-inquiry:{captured.lead.lead_id}",
    )


def post_draft_for_review(
    client: WebClient, workspace: Workspace, draft_result: FollowUpDraft
) -> list[Ref]:
    """DM every owner the draft with Approve / Edit / Discard; the refs of the copies."""
    review = draft_review_message(
        draft_result.draft,
        contact_name=draft_result.contact_name,
        last_touchpoint=draft_result.last_touchpoint,
        zone=zone(workspace),
        region=workspace.default_phone_region,
    )
    return post_to_owners(client, workspace, text=review["text"], blocks=review["blocks"])


def share_draft_for_review(
    sessions: sessionmaker[Session],
    client: WebClient,
    workspace: Workspace,
    draft_result: FollowUpDraft,
    *,
    actor: str,
    now: datetime,
) -> list[Ref]:
    """Post the draft to the owners, then keep the refs on the draft (its own transaction)."""
    refs = post_draft_for_review(client, workspace, draft_result)
    if refs:
        with sessions.begin() as session:
            record_review_messages(
                session=session,
                workspace=workspace,
                actor=actor,
                draft_id=draft_result.draft.draft_id,
                refs=refs,
                now=now,
            )
    return refs


def review_copies(draft: Draft, extra: Ref | None = None) -> list[Ref]:
    """Every owner's copy of a draft's review message, and the message clicked if another."""
    refs = [dict(ref) for ref in draft.review_refs or []]
    if extra is not None and extra not in refs:
        refs.append(extra)
    return refs


def update_copies(client: WebClient, refs: Sequence[Ref], message: Message) -> int:
    """Re-render every copy of a message (chat.update); how many were updated."""
    updated = 0
    for ref in refs:
        try:
            client.chat_update(
                channel=ref["channel"], ts=ref["ts"], text=message["text"], blocks=message["blocks"]
            )
            updated += 1
        except (SlackClientError, OSError, KeyError):
            logger.exception("Could not update the message at %s", ref)
    return updated


def reply(
    client: WebClient,
    message: Message | str,
    *,
    response_url: str | None = None,
    channel: str | None = None,
    user: str | None = None,
    visible: bool = False,
    replace: bool = False,
    audience: Audience | None = None,
) -> bool:
    """Answer the person where they acted: the response_url, else ephemerally, else by DM.

    `visible` posts for the whole conversation (in_channel) instead of just the person, and
    labels its owner-only buttons; `audience` (the person's, `Audience.of`) fits an answer
    only they see; `replace` replaces the message that carried the button (response_url only).
    """
    if visible:
        audience = Audience.shared
    if audience is not None and not isinstance(message, str):
        message = for_audience(message, audience)
    text, blocks = message_parts(message)
    payload_blocks = list(blocks or []) or None
    if response_url:
        try:
            sent = WebhookClient(response_url).send(
                text=text,
                blocks=payload_blocks,
                response_type="in_channel" if visible else "ephemeral",
                replace_original=replace,
            )
            if sent.status_code == 200:
                return True
        except (SlackClientError, OSError):
            logger.warning("The response_url did not take the reply", exc_info=True)
    routes: list[tuple[Callable[..., Any], dict[str, Any]]] = []
    if channel and user and not channel.startswith("D") and not visible:
        routes.append((client.chat_postEphemeral, {"channel": channel, "user": user}))
    if channel and (visible or channel.startswith("D")):
        routes.append((client.chat_postMessage, {"channel": channel}))
    if user:
        routes.append((client.chat_postMessage, {"channel": user}))  # a DM, the last resort
    for post, where in routes:
        try:
            post(**where, text=text, blocks=payload_blocks)
            return True
        except (SlackClientError, OSError):
            logger.warning("Could not answer by %s in %s", post.__name__, where, exc_info=True)
    logger.error("No way to answer %s in %s (%d characters lost)", user, channel, len(text))
    return False

"""Events API listeners: direct messages (`message.im`) and mentions (`app_mention`).

Both take the procedure's Common Requests in plain words (`bot.handlers.plain_words`). The event
id is claimed with `core.platform.event_ledger.claim_event` in the same transaction as the
work, so a retried delivery never acts twice; a refusal (`CRMError`) is answered in words and
still commits the claim (the work itself ran in a savepoint and was undone). Bot messages,
edits and other message subtypes are ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks.answers import notice
from bot.blocks.audience import Audience
from bot.context import BotContext
from bot.handlers.plain_words import answer_request
from bot.handlers.word_request import Answer, finish_answer
from core.common.validation import MAX_TYPED_TEXT, capped
from core.errors import CRMError
from core.platform.event_ledger import claim_event

Body = dict[str, Any]
Event = dict[str, Any]
Listener = Callable[..., None]


def _from_a_person(event: Event) -> bool:
    return bool(event.get("user")) and not event.get("bot_id") and not event.get("subtype")


def answer_event(ctx: BotContext, body: Body, event: Event, client: WebClient) -> None:
    """Claim the event, answer the request in one transaction, then post the answer."""
    team_id = str(body.get("team_id") or event.get("team") or "")
    event_id = str(body.get("event_id") or "")
    user = str(event["user"])
    with ctx.sessions.begin() as session:
        if event_id and not claim_event(session, workspace_id=team_id, event_id=event_id):
            return
        workspace = ctx.workspace(session, team_id)
        channel = str(event["channel"])
        in_dm = channel.startswith("D")
        audience = Audience.of(is_owner=workspace.is_owner(user)) if in_dm else Audience.shared
        try:
            with session.begin_nested():
                text = capped(str(event.get("text") or ""), limit=MAX_TYPED_TEXT, what="message")
                answer = answer_request(ctx, session, workspace=workspace, actor=user, text=text)
        except CRMError as error:
            answer = Answer(notice(error.message))
    shown = finish_answer(answer, client, audience)
    thread = None if in_dm else event.get("thread_ts") or event.get("ts")
    client.chat_postMessage(
        channel=channel, thread_ts=thread, text=shown["text"], blocks=shown["blocks"]
    )


def direct_message(ctx: BotContext) -> Listener:
    def on_message(body: Body, event: Event, client: WebClient) -> None:
        if event.get("channel_type") != "im" or not _from_a_person(event):
            return
        answer_event(ctx, body, event, client)

    return on_message


def mention(ctx: BotContext) -> Listener:
    def on_mention(body: Body, event: Event, client: WebClient) -> None:
        if not _from_a_person(event):
            return
        answer_event(ctx, body, event, client)

    return on_mention


def register(app: App, ctx: BotContext) -> None:
    """Register direct messages and mentions."""
    app.event("message")(direct_message(ctx))
    app.event("app_mention")(mention(ctx))

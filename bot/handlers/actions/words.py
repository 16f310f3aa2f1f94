"""The buttons of plain-word answers: the record chosen for a request, and a nearest request."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.blocks.audience import Audience
from bot.context import BotContext
from bot.handlers.actions.click import Click, answer
from bot.handlers.plain_words import answer_intent
from bot.handlers.record_words import act_on_record
from bot.handlers.word_request import Request, finish_answer
from bot.values import WordsChoice
from core.errors import InvalidInput
from core.leads.intents import Intent, IntentKind

_OUT_OF_DATE = "That button is out of date; say the request again."


def words_choice(ctx: BotContext, click: Click, client: WebClient) -> None:
    """The one lead, job or person chosen for "move the Dana lead to …" and its kin."""
    chosen = click.value_as(WordsChoice)
    try:
        kind = IntentKind(chosen.kind)
    except ValueError:
        raise InvalidInput(_OUT_OF_DATE) from None
    with ctx.transaction(click.team_id) as (session, workspace):
        request = Request(ctx, session, workspace, click.user_id, ctx.now(), "", chosen.detail)
        shown = act_on_record(request, kind, chosen.record_id)
        audience = Audience.of(is_owner=workspace.is_owner(click.user_id))
    answer(client, click, finish_answer(shown, client, audience))


def try_request(ctx: BotContext, click: Click, client: WebClient) -> None:
    """A nearest request offered for a message not understood: run it (asking who if needed)."""
    try:
        kind = IntentKind(click.value)
    except ValueError:
        raise InvalidInput(_OUT_OF_DATE) from None
    with ctx.transaction(click.team_id) as (session, workspace):
        shown = answer_intent(
            ctx, session, workspace=workspace, actor=click.user_id, intent=Intent(kind)
        )
        audience = Audience.of(is_owner=workspace.is_owner(click.user_id))
    answer(client, click, finish_answer(shown, client, audience))

"""Turn errors into friendly Slack replies: one `@app.error` handler and one modal-error helper.

A `CRMError` carries a sentence written for the user; anything else is our fault, is logged
with its traceback, and the user gets a short apology. Either way the user hears back: in the
acknowledgement of a slash command not yet acknowledged, else by the one reply chain every
handler uses (`bot.notify.reply`): ephemerally through the response_url when the request has
one, else ephemerally in the channel, else by direct message. A listener that has already
acknowledged keeps its errors (`told_after_ack`): Bolt would mark its response 500.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_sdk import WebClient

from bot.blocks.limits import fallback_text
from bot.ids import block_for_field
from bot.notify import reply
from core.errors import CRMError, IncompleteContact

SORRY = "Sorry, something went wrong on our side; it has been logged."

logger = logging.getLogger(__name__)


def user_message(error: BaseException) -> str:
    """What the user reads: the error's own sentence for a CRMError, an apology otherwise.

    Escaped for Slack: a refusal often repeats what was typed, which may be `<!channel>`.
    """
    return fallback_text(error.message) if isinstance(error, CRMError) else SORRY


def _error_fields(error: CRMError) -> list[str]:
    if isinstance(error, IncompleteContact):
        return list(error.missing)
    return [error.field] if error.field else []


def view_errors(error: CRMError, field_to_block: Mapping[str, str]) -> dict[str, Any]:
    """The `ack()` body that shows a modal's error on the input of the field that was wrong.

    An error without a field (or with one the modal does not show) goes on the first block
    of `field_to_block`, so the modal stays open and the user still reads why.
    """
    if not field_to_block:
        raise ValueError("view_errors needs at least one block to show the error on")
    blocks = [field_to_block[name] for name in _error_fields(error) if name in field_to_block]
    blocks = blocks or [next(iter(field_to_block.values()))]
    return {"response_action": "errors", "errors": dict.fromkeys(blocks, error.message)}


def _view_block_ids(view: dict[str, Any]) -> set[str]:
    ids = {block.get("block_id") for block in view.get("blocks") or []}
    ids |= set((view.get("state") or {}).get("values") or {})
    return {block_id for block_id in ids if block_id}


def _inline_view_errors(error: BaseException, body: dict[str, Any]) -> dict[str, Any] | None:
    """Errors for an unacknowledged modal submission whose input blocks follow `block_for_field`."""
    if body.get("type") != "view_submission" or not isinstance(error, CRMError):
        return None
    shown = _view_block_ids(body.get("view") or {})
    fields = {name: block_for_field(name) for name in _error_fields(error)}
    on_view = {name: block for name, block in fields.items() if block in shown}
    return view_errors(error, on_view) if on_view else None


def tell_user(context: BoltContext, client: WebClient, body: dict[str, Any], text: str) -> bool:
    """Reach the user by `bot.notify.reply`'s routes, best first; False when none worked."""
    user = context.user_id or (body.get("user") or {}).get("id") or None
    return reply(
        client, text, response_url=context.response_url, channel=context.channel_id, user=user
    )


def _log(error: BaseException) -> None:
    if isinstance(error, CRMError):
        # The message may quote what the user typed (a phone, an email): kept out of the log.
        logger.info("Refused a request: %s", type(error).__name__)
    else:
        logger.exception("Unhandled error in a Slack request", exc_info=error)


@contextmanager
def told_after_ack(
    client: WebClient, *, response_url: str | None, channel: str | None, user: str | None
) -> Iterator[None]:
    """Work a listener does after acknowledging: an error is told to the person here.

    Raised into Bolt instead, it would reach Bolt's runner after the ack, which marks the
    response it is sending 500 (a race with the ack it already made): the person read the
    refusal, then "(The app answered 500: )" (issue 15).
    """
    try:
        yield
    except Exception as error:
        _log(error)
        reply(client, user_message(error), response_url=response_url, channel=channel, user=user)


def handle_error(
    error: Exception,
    body: dict[str, Any],
    context: BoltContext,
    client: WebClient,
    response: BoltResponse | None,
) -> BoltResponse | None:
    """The one `@app.error` handler: log, acknowledge if the listener did not, tell the user."""
    _log(error)
    unacknowledged = (
        response is not None
        and context.ack.response is None
        and body.get("type") != "event_callback"  # events keep their status so Slack retries
    )
    if unacknowledged:
        inline = _inline_view_errors(error, body)
        if inline is not None:
            return BoltResponse(status=200, body=inline)
        if body.get("command"):  # a slash command still waiting: the answer is the ack itself
            answer = {"response_type": "ephemeral", "text": user_message(error)}
            return BoltResponse(status=200, body=answer)
    tell_user(context, client, body, user_message(error))
    return BoltResponse(status=200, body="") if unacknowledged else None


def register_error_handler(app: App) -> None:
    """Install `handle_error` as the app's error handler for listeners and middleware."""
    app.error(handle_error)

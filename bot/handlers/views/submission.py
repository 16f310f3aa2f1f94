"""What a modal submission says (who, which workspace, the view) and how it is answered.

A submission does its one operation *before* acknowledging, so a refusal is shown on the
input that was wrong (`response_action: errors`) and the modal stays open with nothing
written. Once the operation committed, the listener acknowledges (the modal closes) and then
runs what the handler returned: the answer where the modal was opened, the owners' notice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.limits import Message
from bot.blocks.modals.inputs import ModalMeta
from bot.context import BotContext
from bot.errors import told_after_ack, view_errors
from bot.ids import ViewId
from bot.notify import reply
from core.errors import CRMError

View = dict[str, Any]
AfterAck = Callable[[], object]


@dataclass(frozen=True)
class Submission:
    """One modal submission, read from the view_submission payload."""

    team_id: str
    user_id: str
    view: View

    @classmethod
    def from_body(cls, body: dict[str, Any], context: BoltContext) -> Submission:
        view = dict(body.get("view") or {})
        team = context.team_id or (body.get("team") or {}).get("id") or view.get("team_id")
        user = context.user_id or (body.get("user") or {}).get("id")
        return cls(team_id=str(team or ""), user_id=str(user or ""), view=view)


@dataclass(frozen=True)
class NextStep:
    """A submission answered with the modal's next step (`response_action: update`)."""

    view: View


SubmitHandler = Callable[[BotContext, Submission, WebClient], "AfterAck | NextStep"]


def _shown_fields(view: View, fields: Mapping[str, str]) -> dict[str, str]:
    """The field -> block map restricted to the blocks this modal shows."""
    present = {block.get("block_id") for block in view.get("blocks") or []}
    present |= set(((view.get("state") or {}).get("values") or {}).keys())
    return {field: block for field, block in fields.items() if block in present}


def on_submit(
    app: App, ctx: BotContext, view_id: ViewId, fields: Mapping[str, str], handle: SubmitHandler
) -> None:
    """Register `handle` for a modal: refusals on their field, else close and run what follows.

    `fields` maps core field names to the modal's blocks; a refusal whose field the modal
    does not show goes on its first shown block, and one with no block to go on reaches the
    `@app.error` handler, which tells the person by message.
    """

    def listener(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        submission = Submission.from_body(body, context)
        try:
            after_ack = handle(ctx, submission, client)
        except CRMError as error:
            shown = _shown_fields(submission.view, fields)
            if not shown:
                raise
            ack(**view_errors(error, shown))
            return
        if isinstance(after_ack, NextStep):  # the form goes on: nothing else to do yet
            ack(response_action="update", view=after_ack.view)
            return
        ack()
        meta = ModalMeta.load(submission.view.get("private_metadata"))
        where = {"response_url": meta.response_url, "channel": meta.channel}
        with told_after_ack(client, **where, user=submission.user_id):
            after_ack()

    listener.__name__ = f"on_{view_id.name.lower()}_submitted"
    app.view(view_id.value)(listener)


def answer_after_modal(
    client: WebClient, meta: ModalMeta, user_id: str, message: Message | str, **how: Any
) -> bool:
    """Answer where the modal was opened (its response_url or channel), else by DM."""
    return reply(
        client,
        message,
        response_url=meta.response_url,
        channel=meta.channel,
        user=user_id,
        **how,
    )

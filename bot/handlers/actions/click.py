"""What a button click says (who, which record, where) and how the clicker is answered.

Listeners registered with `on_click` acknowledge first (Slack wants an answer within three
seconds), then get a `Click`; a `CRMError` they raise reaches the `@app.error` handler, which
tells the clicker ephemerally (an owner-only refusal, a record in the wrong state...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.blocks.audience import Audience, owner_only
from bot.blocks.home_drafts import drafts_page_of
from bot.blocks.limits import Message
from bot.blocks.modals.inputs import ModalMeta
from bot.context import BotContext
from bot.errors import told_after_ack
from bot.ids import ActionId, BlockId
from bot.notify import reply
from bot.values import Value, decode
from core.workspaces.service import require_owner


class RecordKind(StrEnum):
    """What a next-step button acts on; Log call and Draft follow-up appear on all three."""

    lead = "lead"
    opportunity = "opportunity"
    contact = "contact"


@dataclass(frozen=True)
class Click:
    """One button click, read from the block_actions payload."""

    team_id: str
    user_id: str
    value: str
    block_id: str
    channel_id: str | None = None
    message_ts: str | None = None
    is_ephemeral: bool = False
    response_url: str | None = None
    trigger_id: str | None = None
    view_type: str | None = None  # "home" for a button on the App Home
    view_metadata: str | None = None  # that view's private_metadata

    @property
    def from_home(self) -> bool:
        return self.view_type == "home"

    @classmethod
    def from_body(cls, body: dict[str, Any], context: BoltContext) -> Click:
        action = (body.get("actions") or [{}])[0]
        value = action.get("value") or (action.get("selected_option") or {}).get("value") or ""
        container = body.get("container") or {}
        user = body.get("user") or {}
        team = context.team_id or (body.get("team") or {}).get("id") or user.get("team_id")
        view = body.get("view") or {}
        return cls(
            team_id=str(team or ""),
            user_id=str(context.user_id or user.get("id") or ""),
            value=str(value),
            block_id=str(action.get("block_id") or ""),
            channel_id=(body.get("channel") or {}).get("id") or container.get("channel_id"),
            message_ts=container.get("message_ts") or (body.get("message") or {}).get("ts"),
            is_ephemeral=bool(container.get("is_ephemeral")),
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
            view_type=view.get("type"),
            view_metadata=view.get("private_metadata"),
        )

    def value_as(self, kind: type[Value]) -> Value:
        """The button's value read as `kind`; a value that is not one is a friendly refusal."""
        return decode(kind, self.value)

    def meta(self) -> ModalMeta:
        """Where to answer once a modal opened by this click is submitted."""
        return ModalMeta(
            channel=self.channel_id,
            ts=None if self.is_ephemeral else self.message_ts,
            response_url=self.response_url,
            home_page=drafts_page_of(self.view_metadata) if self.from_home else None,
        )

    @property
    def message_ref(self) -> dict[str, str] | None:
        """The message the button sat on, when it is one the bot can update."""
        if self.is_ephemeral or not (self.channel_id and self.message_ts):
            return None
        return {"channel": self.channel_id, "ts": self.message_ts}

    def record(self) -> dict[str, str]:
        """The record the value names, as a keyword argument: `{"lead_id": "ld_…"}`."""
        return {f"{self.kind().value}_id": self.value}

    def kind(self) -> RecordKind:
        """Which record the value names: from the block id, else from the id's prefix."""
        block = self.block_id
        if block.startswith(BlockId.OPPORTUNITY_ACTIONS.value):
            return RecordKind.opportunity
        if block.startswith((BlockId.CONTACT_ACTIONS.value, BlockId.CHOICE.value)):
            return RecordKind.contact
        if block.startswith((BlockId.LEAD_ACTIONS.value, BlockId.INQUIRY_ACTIONS.value)):
            return RecordKind.lead
        if self.value.startswith("op_"):
            return RecordKind.opportunity
        if self.value.startswith("ct_"):
            return RecordKind.contact
        return RecordKind.lead


ClickHandler = Callable[[BotContext, Click, WebClient], None]


def on_click(app: App, ctx: BotContext, action_id: ActionId, handler: ClickHandler) -> None:
    """Register `handler` for a button: ack at once, then handle the parsed click.

    An owner-only button (`bot.blocks.audience.OWNER_ONLY`) refuses anyone else before its
    handler runs, so a non-owner is never shown a confirmation or a form first.
    """

    only_for_owners = owner_only(action_id)

    def listener(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        click = Click.from_body(body, context)
        where = {"response_url": click.response_url, "channel": click.channel_id}
        with told_after_ack(client, **where, user=click.user_id):
            if only_for_owners is not None:  # refused here, before any confirmation is asked
                with ctx.transaction(click.team_id) as (_, workspace):
                    require_owner(workspace, click.user_id, only_for_owners)
            handler(ctx, click, client)

    listener.__name__ = f"on_{action_id.name.lower()}"
    app.action(action_id.value)(listener)


def answer(
    client: WebClient,
    click: Click,
    message: Message | str,
    *,
    visible: bool = False,
    replace: bool = False,
    audience: Audience | None = None,
) -> bool:
    """Answer the clicker: ephemerally by default, for the conversation when `visible`.

    `audience` fits owner-only buttons to the clicker (`Audience.of`); a visible answer is shared.
    """
    return reply(
        client,
        message,
        response_url=click.response_url,
        channel=click.channel_id,
        user=click.user_id,
        visible=visible,
        replace=replace,
        audience=audience,
    )

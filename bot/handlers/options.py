"""Options Slack asks for while someone types in an external select (block_suggestion).

The **Merge into…** form's contact search: what was typed goes to core's contact search and
the matches come back as the select's options (docs/product.md, "The contact card"). Slack
shows nothing when the answer is not options, so a refusal is answered with none.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.blocks.modals.contact_forms import merge_into_of, merge_options
from bot.context import BotContext
from bot.ids import ActionId
from core.contacts.merges import merge_candidates
from core.errors import CRMError


def merge_survivors(ctx: BotContext, body: dict[str, Any], team_id: str) -> list[dict[str, Any]]:
    """The contacts the typed text could mean, other than the form's own contact."""
    other_id = merge_into_of(body.get("view") or {})
    with ctx.transaction(team_id) as (session, workspace):
        found = merge_candidates(
            session, workspace=workspace, contact_id=other_id, query=str(body.get("value") or "")
        )
        return merge_options(found, region=workspace.default_phone_region)


def register(app: App, ctx: BotContext) -> None:
    """Register the external selects' option searches."""

    def on_merge_survivor(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        team = context.team_id or (body.get("team") or {}).get("id") or ""
        try:
            options = merge_survivors(ctx, body, str(team))
        except CRMError:
            options = []
        ack(options=options)

    app.options(ActionId.MERGE_SURVIVOR.value)(on_merge_survivor)

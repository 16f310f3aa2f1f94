"""What Edit lead and Edit job answer: the card as it now stands, under what changed.

Pure: a `core.leads.planning.PlanEdit` in, `{"text", "blocks"}` out.
"""

from __future__ import annotations

from bot.blocks.cards import lead_card, opportunity_card
from bot.blocks.limits import Message, escape, message, user_mention
from core.leads.planning import PlanEdit
from core.models import Lead, Opportunity


def _changed(what: str, changes: list[str]) -> str:
    if not changes:
        return f"Nothing changed on {what}."
    return f"Updated {what} — {'; '.join(changes)}."


def lead_plan_card(edit: PlanEdit[Lead], *, region: str = "US") -> Message:
    """`Updated the Leaky faucet lead — stage: follow up; owner: @Sam.` over the lead's card."""
    owner = []
    if edit.owner_changed and edit.record.owner:
        owner = [f"owner: {user_mention(edit.record.owner)}"]
    what = f"the {edit.record.title} lead"
    shown = _changed(escape(what), [*map(escape, edit.changes), *owner])
    card = lead_card(edit.record, region=region, heading=shown)
    return message(_changed(what, [*edit.changes, *owner]), card["blocks"])


def job_plan_card(edit: PlanEdit[Opportunity], *, region: str = "US") -> Message:
    """`Updated Leaky faucet — stage: proposal sent; amount: $2,400.` over the job's card."""
    shown = _changed(escape(edit.record.name), [*map(escape, edit.changes)])
    card = opportunity_card(edit.record, region=region, heading=shown)
    return message(_changed(edit.record.name, edit.changes), card["blocks"])

"""`/log` for someone with several open leads: which lead it is about, one button each.

The same choice as the plain-word requests' "Which Dana lead?" (`bot.blocks.lists.lead_choice`),
each button carrying the `/log` line as read (`bot.values.LogEntryChoice` with the lead), so
one tap logs it there (issue 15: `/log` no longer guesses the lead).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks.limits import MAX_BUTTON_VALUE, Message, slack_len
from bot.blocks.lists import lead_choice
from bot.ids import ActionId
from bot.values import LogEntryChoice
from core.leads.quick_capture import LogEntry
from core.models import Lead

__all__ = ["log_lead_choice"]


def log_lead_choice(
    leads: Sequence[Lead], contact_id: str, entry: LogEntry, *, name: str, region: str = "US"
) -> Message:
    """`/log` for someone with several open leads: which one it is about, a button each.

    A note too long to carry on a button opens the Log form on the lead instead (**Log call**).
    """
    values = {
        lead.lead_id: LogEntryChoice(
            contact_id, entry.interaction_type, entry.summary, entry.follow_up_date, lead.lead_id
        ).encode()
        for lead in leads
    }
    question = f"Which of {name}'s {len(leads)} open leads is this about?"
    if all(slack_len(value) <= MAX_BUTTON_VALUE for value in values.values()):
        return lead_choice(
            leads,
            name=name,
            action_id=ActionId.LOG_ENTRY,
            label="Log it here",
            region=region,
            values=values,
            question=question,
        )
    return lead_choice(
        leads,
        name=name,
        action_id=ActionId.LOG_CALL,
        label="Log call",
        region=region,
        question=f"{question} Your note is long, so choose the lead and paste it into the form.",
    )

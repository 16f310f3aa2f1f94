"""Answers to the day-one plain-word requests: moves, close dates, quotes, choices, near misses.

Pure builders (docs/architecture.md): core results in, Block Kit out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from bot.blocks.answers import nobody_found, notice
from bot.blocks.help import help_message
from bot.blocks.limits import Block, Message, actions, button, escape, message, mrkdwn_section
from bot.blocks.lists import contact_choice, lead_choice
from bot.ids import ActionId, BlockId
from bot.values import WordsChoice
from core.common.enums import in_words
from core.common.money import format_money
from core.contacts.found import FoundContact
from core.contacts.person_lookup import LeadLookup
from core.leads.intents import IntentRow
from core.leads.quotes import Quotes
from core.reports.wording import friendly_date

_MENTIONS = re.compile(r"<@[^>\s]{1,40}>\s*")

__all__ = [
    "close_date_set",
    "job_choice_for",
    "not_understood",
    "people_choice_for",
    "quotes_message",
    "stage_moved",
]


def job_choice_for(
    found: LeadLookup, *, kind: str, detail: str | None, label: str, region: str = "US"
) -> Message:
    """Several open leads or jobs fit the name: one button each, carrying the request."""
    if not (found.leads or found.deals):
        if not found.people:
            return nobody_found(found.name)
        names = ", ".join(person.full_name for person in found.people[:5])
        return notice(
            f"{names} {'has' if len(found.people) == 1 else 'have'} no open leads or jobs."
        )
    ids = [lead.lead_id for lead in found.leads] + [deal.opportunity_id for deal in found.deals]
    values = {record: WordsChoice(kind, record, detail).encode() for record in ids}
    return lead_choice(
        found.leads,
        name=found.name,
        action_id=ActionId.WORDS_CHOICE,
        label=label,
        region=region,
        deals=found.deals,
        values=values,
    )


def people_choice_for(
    people: Sequence[FoundContact], name: str, *, kind: str, label: str, region: str = "US"
) -> Message:
    """Several people fit the name: one button each, carrying the request; or nobody."""
    if not people:
        return nobody_found(name)
    values = {p.contact_id: WordsChoice(kind, p.contact_id).encode() for p in people}
    return contact_choice(
        people,
        name=name,
        action_id=ActionId.WORDS_CHOICE,
        label=label,
        region=region,
        values=values,
    )


def stage_moved(title: str, stage: str, *, job: bool) -> Message:
    """ "Move the Dana lead to estimate sent": done."""
    what = "job" if job else "lead"
    return notice(f"Moved the {title} {what} to {in_words(stage)}.")


def close_date_set(title: str, day: date, *, job: bool, today: date) -> Message:
    """ "Dana's job closes on the 20th": done."""
    what = "job" if job else "lead"
    return notice(f"The {title} {what} is expected to close on {friendly_date(day, today)}.")


def quotes_message(quotes: Quotes) -> Message:
    """ "What did we quote Dana?": each job's amount and each lead's estimate, newest first."""
    name = quotes.contact.full_name
    lines = [
        f"• {deal.name} (job, {in_words(deal.stage)}): "
        + (format_money(deal.amount) if deal.amount is not None else "no amount yet")
        for deal in quotes.deals
    ] + [
        f"• {lead.title} (lead, {in_words(lead.pipeline_stage)}): "
        + (
            format_money(lead.estimated_value)
            if lead.estimated_value is not None
            else "no estimate yet"
        )
        for lead in quotes.leads
    ]
    if not lines:
        return notice(f"{name} has no leads or jobs yet, so nothing was quoted.")
    text = f"What we quoted {name}:\n" + "\n".join(lines)
    return message(text, [mrkdwn_section(escape(text))])


def not_understood(text: str, nearest: Sequence[IntentRow]) -> Message:
    """A message that is no request: say so, offer the nearest requests, then what I can do."""
    shown = help_message(unknown=_MENTIONS.sub("", text))
    if not nearest:
        return shown
    offer: list[Block] = [
        mrkdwn_section(
            "The closest requests I know:\n"
            + "\n".join(f"• {escape(row.examples[0])} — {escape(row.answers)}" for row in nearest)
        ),
        actions(
            BlockId.NEAREST_REQUESTS.value,
            [button(row.examples[0], ActionId.TRY_REQUEST, row.kind.value) for row in nearest],
        ),
    ]
    blocks = [shown["blocks"][0], *offer, *shown["blocks"][1:]]
    return message(shown["text"], blocks)

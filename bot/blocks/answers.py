"""Short answers: what was just done, whom a name could mean, or why nothing was done.

Pure builders (docs/architecture.md, Conventions): core results in, `{"text", "blocks"}` out.
Where a request named someone loosely, the answer is the result, a choice (one button per
candidate, never a guess), or a plain "no one is called that" with a way forward.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, tzinfo

from bot.blocks.cards import (
    contact_actions,
    contact_card,
    converted_card,
    reach_line,
)
from bot.blocks.limits import (
    Block,
    Message,
    actions,
    button,
    escape,
    message,
    mrkdwn_section,
    truncate,
)
from bot.blocks.lists import contact_choice, lead_choice, log_entry_choice
from bot.blocks.log_choices import log_lead_choice
from bot.ids import ActionId, BlockId
from core.activity.flows import LoggedWith
from core.common.english import joined
from core.contacts.found import FoundContact
from core.contacts.lookups import LastTouch
from core.contacts.person_lookup import LastTouchLookup, LeadLookup, PersonLookup
from core.contacts.service import AddedContact
from core.drafts.compose import FollowUpDraft
from core.leads.decisions import Conversion
from core.models import Interaction, Lead, Reminder
from core.reports.wording import TOUCH_WORDS, days, friendly_date, render_last_touchpoint

REVIEW_NOTICE = "Draft sent to the owners for review."


# --- a name that may mean several people ----------------------------------------------------------


def ask_who(example: str) -> Message:
    """A request about someone that names no one: ask, with the way to say it."""
    return notice(f"Who is it about? For example: “{example}”.")


def person_lookup_message(lookup: PersonLookup, *, region: str = "US") -> Message:
    """`/customer <words>`: the card; a choice when several fit; close spellings; or nobody."""
    if lookup.card is not None:
        return contact_card(lookup.card, region=region)
    if not lookup.candidates:
        return nobody_found(lookup.query)
    question = None
    if lookup.near_misses:
        question = f"No one is called “{lookup.query}”. Did you mean one of these?"
    return contact_choice(
        lookup.candidates,
        name=lookup.query,
        action_id=ActionId.OPEN_CONTACT,
        label="Open contact",
        region=region,
        question=question,
    )


def lead_lookup_message(
    found: LeadLookup, *, action_id: ActionId, label: str, region: str = "US"
) -> Message:
    """A name that did not settle on one open lead or job: a choice, or why there is none."""
    if found.leads or found.deals:
        return lead_choice(
            found.leads,
            name=found.name,
            action_id=action_id,
            label=label,
            region=region,
            deals=found.deals,
        )
    if not found.people:
        return nobody_found(found.name)
    names = joined([person.full_name for person in found.people[:5]])
    return notice(f"{names} {'has' if len(found.people) == 1 else 'have'} no open leads.")


def people_choice(
    people: Sequence[FoundContact],
    name: str,
    *,
    action_id: ActionId,
    label: str,
    region: str = "US",
) -> Message:
    """Everyone a name could mean, one button each; or that it means no one."""
    if not people:
        return nobody_found(name)
    return contact_choice(people, name=name, action_id=action_id, label=label, region=region)


def log_call_answer(people: Sequence[FoundContact], name: str, *, region: str = "US") -> Message:
    """ "Log a call with Dana": the procedure's question for the one Dana, else a choice."""
    if len(people) == 1:
        return log_call_prompt(people[0], region=region)
    return people_choice(people, name, action_id=ActionId.LOG_CALL, label="Log call", region=region)


def last_touch_answer(found: LastTouchLookup, *, region: str = "US") -> Message:
    """ "How long since we talked to Dana?": the last touchpoint, else a choice of Danas."""
    if found.last is not None:
        return last_touch_card(found.last)
    return people_choice(
        found.people,
        found.name,
        action_id=ActionId.OPEN_CONTACT,
        label="Open contact",
        region=region,
    )


def logged_answer(logged: LoggedWith, *, region: str = "US") -> Message:
    """After `/log` or a **Log it** choice: what was logged; else whom (or which of their
    leads) the words could mean."""
    if logged.interaction is not None:
        name = logged.contact_name or "them"
        return logged_interaction(logged.interaction, name, today=logged.today)
    if logged.leads and logged.entry is not None and logged.contact_id is not None:
        name = logged.contact_name or logged.who
        return log_lead_choice(
            logged.leads, logged.contact_id, logged.entry, name=name, region=region
        )
    if logged.candidates and logged.entry is not None:
        return log_entry_choice(logged.candidates, logged.entry, region=region)
    return people_choice(
        logged.candidates, logged.who, action_id=ActionId.LOG_CALL, label="Log call", region=region
    )


# --- what was done --------------------------------------------------------------------------------


def conversion_message(conversion: Conversion, *, region: str = "US") -> Message:
    """ "Convert [name] to a job": the new job, or what the contact still needs."""
    if conversion.opportunity is None:
        return incomplete_contact(conversion.missing, conversion.lead)
    return converted_card(conversion.opportunity, region=region)


def snoozed_text(lead: Lead, today: date) -> str:
    until = friendly_date(lead.snoozed_until, today) if lead.snoozed_until else "later"
    return f"Snoozed the {lead.title} lead until {until}; no nudges before then."


def follow_up_done_text(item: Interaction) -> str:
    about = " ".join((item.subject or item.body or "").split())[:200]
    return f"Follow-up done{': ' + about if about else ''}."


def follow_up_moved_text(item: Interaction, today: date) -> str:
    day = friendly_date(item.follow_up_date, today) if item.follow_up_date else "no date"
    return f"Follow-up moved to {day}."


def reminder_done_text(reminder: Reminder) -> str:
    return f"Reminder done: {reminder.note}"


def log_call_prompt(contact: FoundContact, *, region: str = "US") -> Message:
    """ "Log a call with [name]": the procedure's question and a button opening the form."""
    question = "How did it go? Any next steps or follow-up needed?"
    blocks = [
        mrkdwn_section(f"Logging a call with {reach_line(contact, region)}.\n{question}"),
        contact_actions(contact.contact_id),
    ]
    return message(f"Log a call with {contact.full_name}. {question}", blocks)


def add_customer_prompt(name: str | None = None) -> Message:
    """ "Add a new customer" from a DM: a DM carries no trigger to open a form, so a button does."""
    text = (
        "Let's add a new customer. I'll ask for their name, phone, email (if available), "
        "service address and how they heard about the business."
    )
    blocks = [
        mrkdwn_section(text),
        actions(
            BlockId.CONTACT_ACTIONS.value,
            [button("Add customer", ActionId.ADD_CUSTOMER, truncate(name or "", 200))],
        ),
    ]
    return message(text, blocks)


def logged_interaction(
    interaction: Interaction, contact_name: str, *, today: date | None = None
) -> Message:
    """The reply after logging: what was recorded and any follow-up it set."""
    kind = TOUCH_WORDS[interaction.type]
    text = f"Logged a {kind} with {contact_name}"
    if interaction.body:
        text += f": {truncate(' '.join(interaction.body.split()), 300)}"
    text = text if text.endswith((".", "!", "?", "…")) else text + "."
    if interaction.follow_up_date is not None:
        text += f" Follow-up set for {friendly_date(interaction.follow_up_date, today)}."
    return message(text, [mrkdwn_section(escape(text))])


def last_touch_card(last: LastTouch) -> Message:
    """ "How long since we talked to [customer]?" with the buttons to act on it."""
    text = render_last_touchpoint(last)
    blocks = [
        mrkdwn_section(escape(text)),
        actions(
            f"{BlockId.CONTACT_ACTIONS}-{last.contact_id}",
            [
                button("Log call", ActionId.LOG_CALL, last.contact_id, style="primary"),
                button("Open contact", ActionId.OPEN_CONTACT, last.contact_id),
            ],
        ),
    ]
    return message(text, blocks)


def follow_up_requested(
    result: FollowUpDraft, title: str, *, zone: tzinfo, today: date, outcome: str = REVIEW_NOTICE
) -> Message:
    """ "Follow up on the [name] lead": the last touchpoint, and where the draft went.

    `outcome` says what became of the draft: sent to the owners for review (the default), or
    sent at once because an owner turned auto-send on.
    """
    touch = result.last_touchpoint
    if touch is None:
        last = f"Last touchpoint with {result.contact_name}: none logged yet."
    else:
        local = touch.timestamp.astimezone(zone).date()
        ago = (today - local).days
        when = "today" if ago == 0 else f"{days(ago)} ago"
        said = f"{TOUCH_WORDS[touch.type]} on {friendly_date(local, today)} ({when})"
        summary = truncate(" ".join(touch.summary.split()), 300)
        last = f"Last touchpoint with {result.contact_name}: {said}" + (
            f" — {summary}" if summary else ""
        )
    text = f"{last}\n{outcome}"
    blocks = [mrkdwn_section(f"*{escape(title)}*\n{escape(text)}")]
    return message(text, blocks)


def incomplete_contact(missing: Sequence[str], lead: Lead) -> Message:
    """Conversion refused: say what the contact lacks, with a way to look at the contact."""
    who = lead.contact.full_name if lead.contact is not None else "This lead"
    text = f"{who} needs {joined(missing)} before the {lead.title} lead can become a job."
    blocks: list[Block] = [mrkdwn_section(escape(text))]
    if lead.contact is not None:
        blocks.append(
            actions(
                f"{BlockId.CONTACT_ACTIONS}-{lead.contact.contact_id}",
                [button("Open contact", ActionId.OPEN_CONTACT, lead.contact.contact_id)],
            )
        )
    return message(text, blocks)


def notice(text: str) -> Message:
    """A one-paragraph answer with nothing to click."""
    return message(text, [mrkdwn_section(escape(text))])


def nobody_found(name: str) -> Message:
    """A name that matches no one: say so, and offer to add them (never a guess)."""
    text = (
        f"I couldn't find anyone called “{truncate(name, 100)}”. Check the spelling, "
        "try their phone or email, or add them as a new customer."
    )
    blocks = [
        mrkdwn_section(escape(text)),
        actions(
            BlockId.CONTACT_ACTIONS.value,
            [button("Add customer", ActionId.ADD_CUSTOMER, truncate(name, 200))],
        ),
    ]
    return message(text, blocks)


def customer_added_card(added: AddedContact) -> Message:
    """The procedure's "Added: [name], [phone]…" with buttons to log notes or look them up."""
    contact_id = added.contact.contact_id
    blocks = [
        mrkdwn_section(escape(added.confirmation_text)),
        actions(
            f"{BlockId.CONTACT_ACTIONS}-{contact_id}",
            [
                button("Log call", ActionId.LOG_CALL, contact_id, style="primary"),
                button("Open contact", ActionId.OPEN_CONTACT, contact_id),
            ],
        ),
    ]
    return message(added.confirmation_text, blocks)

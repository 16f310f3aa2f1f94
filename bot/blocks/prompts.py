"""Questions the bot puts to people, and the answers it gives once they decide.

The duplicate prompt (hard stop 3), the QuickBooks prompt (hard stop 5), the re-engage
question after a lost deal, the new-inquiry notice, the qualify stage choice, and the
won / lost confirmations. Pure: core results in, Block Kit out.

How the proposed contact travels with the duplicate buttons
-----------------------------------------------------------
Slack gives a click back nothing but the button's `value` (2,000 characters) and the message
it sat on, and the bot keeps no pending-record table. So each decision button carries the
whole normalized input as compact JSON: `{"p": <proposed>, "m": <matched contact_id>}`
(`"m"` is left out on **Create separate**); a question about a capture already saved as a
lead also carries `"l": <lead_id>, "c": <contact the lead is on>`, so the answer settles that
lead (`core.leads.duplicate_decisions`). `<proposed>` is `DuplicateContact.proposed`
(already validated and normalized by core) minus empty fields; the click rebuilds it with
`ContactInput.from_proposed` and calls `decide_duplicate` with the decision, so core
re-validates it and re-checks the matches (nothing is trusted from the button but the
choice). When the JSON does not fit in 2,000 characters (long notes, in practice) the
prompt says so and offers no buttons: the person shortens the notes and adds the customer
again. Nothing is guessed, truncated or lost silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from bot.blocks.cards import captured_lead_card, reach_text
from bot.blocks.do_not_contact import inquiry_warning
from bot.blocks.drafts import who
from bot.blocks.limits import (
    MAX_BUTTON_VALUE,
    Block,
    Message,
    actions,
    button,
    context,
    escape,
    message,
    mrkdwn_section,
    slack_len,
)
from bot.ids import ActionId, BlockId
from bot.values import DuplicateChoice, QualifyChoice
from core.common.enums import PipelineStage, in_words
from core.common.money import format_money
from core.contacts.service import AddedContact
from core.errors import DuplicateContact, DuplicateMatch
from core.leads.inquiries import CapturedInquiry
from core.leads.opportunities import LostDeal, WonDeal
from core.models import Contact, Lead, Reminder
from core.reports.wording import friendly_date

#: Matches shown on one duplicate prompt (each has its own Use existing / Merge buttons).
MATCHES_SHOWN = 10
QUALIFY_CHOICES = (
    (PipelineStage.needs_analysis, "Needs analysis"),
    (PipelineStage.estimate_sent, "Estimate sent"),
)


# --- the duplicate prompt (hard stop 3) -----------------------------------------------------------


def duplicate_value(
    proposed: Mapping[str, Any],
    match_contact_id: str | None,
    *,
    lead_id: str | None = None,
    lead_contact_id: str | None = None,
) -> str | None:
    """The decision buttons' `DuplicateChoice`, or None when over 2,000 characters."""
    value = DuplicateChoice(proposed, match_contact_id, lead_id, lead_contact_id).encode()
    return value if slack_len(value) <= MAX_BUTTON_VALUE else None


def _proposed_line(proposed: Mapping[str, Any], region: str) -> str:
    name = " ".join(str(proposed.get(k) or "") for k in ("first_name", "last_name")).strip()
    reach = [
        reach_text(str(v), region)
        for v in [*proposed.get("phones", []), *proposed.get("emails", [])]
    ]
    return ", ".join(escape(part) for part in [name or "(no name)", *reach])


def _match_line(match: DuplicateMatch, region: str) -> str:
    on = ", ".join(reach_text(value, region) for value in match.matched_on) or "phone or email"
    return f"*{escape(match.name)}* — same {escape(on)}"


def duplicate_prompt(error: DuplicateContact, *, region: str = "US") -> Message:
    """The match(es) and **Use existing** / **Merge** per match, then **Create separate**."""
    blocks: list[Block] = [
        mrkdwn_section(f":warning: {escape(error.message)}"),
        context(f"You entered: {_proposed_line(error.proposed, region)}"),
    ]
    shown = error.matches[:MATCHES_SHOWN]
    lead = {"lead_id": error.lead_id, "lead_contact_id": error.lead_contact_id}
    separate = duplicate_value(error.proposed, None, **lead)
    values = {m.contact_id: duplicate_value(error.proposed, m.contact_id, **lead) for m in shown}
    fits = separate is not None and all(v is not None for v in values.values())
    for match in shown:
        blocks.append(mrkdwn_section(_match_line(match, region)))
        value = values[match.contact_id]
        if fits and value is not None:
            blocks.append(
                actions(
                    f"{BlockId.DUPLICATE_ACTIONS}-{match.contact_id}",
                    [
                        button("Use existing", ActionId.USE_EXISTING, value, style="primary"),
                        button("Merge", ActionId.MERGE, value),
                    ],
                )
            )
    if len(error.matches) > len(shown):
        blocks.append(context(f"…and {len(error.matches) - len(shown)} more matching contacts."))
    if fits and separate is not None:
        blocks.append(
            actions(
                BlockId.DUPLICATE_ACTIONS.value,
                [button("Create separate", ActionId.CREATE_SEPARATE, separate)],
            )
        )
        text = f"{error.message} Use existing, Merge, or Create separate?"
    else:
        text = (
            f"{error.message} The details you typed are too long to carry on the decision "
            "buttons (the notes, most likely). Shorten the notes and add the customer again; "
            "you can add more notes to the record afterwards."
        )
        blocks.append(mrkdwn_section(escape(text)))
    return message(text, blocks)


def captured_lead_reply(captured: CapturedInquiry, *, region: str = "US") -> Message:
    """The saved lead's card, then the duplicate question when it came with another name."""
    card = captured_lead_card(captured, region=region)
    if captured.question is None:
        return card
    question = duplicate_prompt(captured.question, region=region)
    text = f"{card['text']} {question['text']}"
    return message(text, [*card["blocks"], *question["blocks"]])


def customer_added_message(added: AddedContact) -> Message:
    """The procedure's confirmation after a duplicate decision (or a clean add)."""
    text = added.confirmation_text
    return message(text, [mrkdwn_section(escape(text))])


# --- the new-inquiry notice -----------------------------------------------------------------------


def new_inquiry_notice(captured: CapturedInquiry) -> Message:
    """The procedure's "New inquiry from …" with **Draft response** and **Open lead**.

    A capture under another name on a known phone or email also carries the duplicate
    question, so an owner can settle it (answered once, whoever clicks first).
    """
    lead_id = captured.lead.lead_id
    notes = [escape(captured.link_text)]
    if captured.interaction.logged_by and not captured.interaction.logged_by.startswith("system:"):
        notes.append(f"Logged by {who(captured.interaction.logged_by)}.")
    blocks = [
        mrkdwn_section(escape(captured.notice_text)),
        context(" ".join(notes)),
        actions(
            f"{BlockId.INQUIRY_ACTIONS}-{lead_id}",
            [
                button("Draft response", ActionId.DRAFT_RESPONSE, lead_id, style="primary"),
                button("Open lead", ActionId.OPEN_LEAD, lead_id),
            ],
        ),
    ]
    if captured.contact.do_not_contact:
        blocks.insert(1, inquiry_warning(captured.contact.full_name))
    if captured.question is not None:  # a web form or an email has nobody else to ask
        blocks += duplicate_prompt(captured.question)["blocks"]
    return message(captured.notice_text, blocks)


# --- qualify --------------------------------------------------------------------------------------


def qualify_choice(lead: Lead) -> Message:
    """Which stage a qualified lead moves to: needs analysis or estimate sent (procedure)."""
    text = f"Qualify the {lead.title} lead: where does it stand?"
    return message(
        text,
        [
            mrkdwn_section(escape(text)),
            actions(
                f"{BlockId.QUALIFY_ACTIONS}-{lead.lead_id}",
                [
                    button(label, ActionId.QUALIFY_AS, QualifyChoice(lead.lead_id, stage).encode())
                    for stage, label in QUALIFY_CHOICES
                ],
            ),
        ],
    )


# --- won, QuickBooks ------------------------------------------------------------------------------


def _amount(value: Any) -> str:
    return f" — {format_money(value)}" if value is not None else ""


def quickbooks_blocks(contact: Contact, question: str) -> list[Block]:
    """ "Create NAME in QuickBooks?" with **Create in QuickBooks** / **Not now** (owners only)."""
    return [
        mrkdwn_section(f"*{escape(question)}*"),
        actions(
            f"{BlockId.QUICKBOOKS_ACTIONS}-{contact.contact_id}",
            [
                button(
                    "Create in QuickBooks",
                    ActionId.CREATE_IN_QUICKBOOKS,
                    contact.contact_id,
                    style="primary",
                ),
                button("Not now", ActionId.NOT_NOW, contact.contact_id),
            ],
        ),
    ]


QUICKBOOKS_HOW_TO_CONNECT = (
    "QuickBooks isn't connected yet, so Create in QuickBooks changes nothing for now: an owner "
    "connects it with `/crm connect quickbooks` (or Connect QuickBooks on the App Home)."
)


def won_message(
    won: WonDeal, *, today: date | None = None, quickbooks_connected: bool = True
) -> Message:
    """The win confirmed, then the QuickBooks question when the customer is not in QuickBooks
    (saying how to connect it, when it is not connected)."""
    deal = won.opportunity
    closed = friendly_date(deal.close_date, today) if deal.close_date else "today"
    text = f"Opportunity won — {deal.name}{_amount(deal.amount)}. Closed {closed}."
    if won.contact is not None:
        text += f" {won.contact.full_name} is now a customer."
    blocks = [mrkdwn_section(f":tada: {escape(text)}")]
    if won.quickbooks_prompt and won.contact is not None:
        blocks += quickbooks_blocks(won.contact, won.quickbooks_prompt)
        text += f" {won.quickbooks_prompt}"
        if not quickbooks_connected:
            blocks.append(context(QUICKBOOKS_HOW_TO_CONNECT))
    return message(text, blocks)


def quickbooks_created_message(contact: Contact, *, by: str) -> Message:
    text = f"Created {contact.full_name} in QuickBooks (customer {contact.quickbooks_customer_id})."
    return message(text, [mrkdwn_section(escape(text)), context(f"Confirmed by {who(by)}.")])


def quickbooks_declined_message(contact: Contact, *, by: str) -> Message:
    text = f"Not now: {contact.full_name} was not created in QuickBooks."
    return message(text, [mrkdwn_section(escape(text)), context(f"Answered by {who(by)}.")])


def quickbooks_not_connected_text(contact_name: str | None = None) -> str:
    """The honest answer while there is no QuickBooks adapter: nothing changed."""
    whom = f" {contact_name}" if contact_name else " the customer"
    return (
        f"QuickBooks is not connected yet, so I can't create{whom} there. Nothing was changed; "
        "the question stays open. An owner connects it with `/crm connect quickbooks`."
    )


# --- lost, re-engage ------------------------------------------------------------------------------


def reengage_blocks(opportunity_id: str, question: str) -> list[Block]:
    """The procedure's question with Yes / No."""
    return [
        mrkdwn_section(escape(question)),
        actions(
            f"{BlockId.REENGAGE_ACTIONS}-{opportunity_id}",
            [
                button("Yes", ActionId.REENGAGE_YES, opportunity_id, style="primary"),
                button("No", ActionId.REENGAGE_NO, opportunity_id),
            ],
        ),
    ]


def reminder_set_text(reminder: Reminder, today: date | None = None) -> str:
    return f"Reminder set: {reminder.note} Due {friendly_date(reminder.due_date, today)}."


def lost_message(lost: LostDeal, *, today: date | None = None, ask: bool = True) -> Message:
    """The loss confirmed (history kept); the reminder set, or the re-engage question (`ask`)."""
    deal = lost.opportunity
    reason = in_words(deal.loss_reason) if deal.loss_reason else "no reason given"
    text = f"Opportunity lost — {deal.name}. Reason: {reason}. The lead and contact stay on file."
    blocks = [mrkdwn_section(escape(text))]
    if deal.loss_notes:
        blocks.append(context(escape(deal.loss_notes)))
    if lost.reminder is not None:
        set_text = reminder_set_text(lost.reminder, today)
        blocks.append(context(escape(set_text)))
        text += f" {set_text}"
    elif ask and lost.reengage_question:
        blocks += reengage_blocks(deal.opportunity_id, lost.reengage_question)
        text += f" {lost.reengage_question}"
    return message(text, blocks)


def reengage_answer_message(reminder: Reminder | None, *, today: date | None = None) -> Message:
    """What replaces the Yes / No question once someone answers it."""
    if reminder is None:
        text = "OK, no re-engage reminder."
    else:
        text = reminder_set_text(reminder, today)
    return message(text, [mrkdwn_section(escape(text))])

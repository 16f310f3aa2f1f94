"""The capture modals: New lead, New customer, Log interaction (docs/product.md, Commands).

Every input block's id is the core field's block id (`bot.ids.BlockId`) and its element's
action_id is `ActionId.INPUT` (`bot.blocks.modals.inputs`), so the parsers in
`capture_parsing` read `state.values[block][INPUT]` and a core `CRMError(field=...)` lands on
the right input through the `*_FIELDS` maps. `private_metadata` is a `ModalMeta`: where the
modal was opened, and which contact, lead or job a Log form is for.
"""

from __future__ import annotations

from datetime import date

from bot.blocks.limits import MAX_INPUT_LENGTH, Block, View, context, escape, mrkdwn_section
from bot.blocks.modals.inputs import ModalMeta, form_modal, input_block, select_from, text_element
from bot.ids import BlockId, ViewId
from core.common.enums import InteractionType, LeadSource, Outcome, PreferredChannel
from core.leads.inquiries import SOURCE_IN_WORDS

LOG_PROMPT = "How did it go? Any next steps or follow-up needed?"
TYPE_WORDS = {
    InteractionType.phone_call: "Phone call",
    InteractionType.email_inbound: "Email from them",
    InteractionType.email_outbound: "Email to them",
    InteractionType.sms: "Text message",
    InteractionType.meeting: "Meeting or visit",
    InteractionType.note: "Note",
}
OUTCOME_WORDS = {
    Outcome.none: "No particular outcome",
    Outcome.left_voicemail: "Left a voicemail",
    Outcome.spoke: "Spoke with them",
    Outcome.no_show: "No-show",
    Outcome.rescheduled: "Rescheduled",
    Outcome.sent_proposal: "Sent a proposal",
    Outcome.accepted_proposal: "They accepted the proposal",
    Outcome.rejected_proposal: "They turned the proposal down",
}
CHANNEL_WORDS = {
    PreferredChannel.phone: "Phone call",
    PreferredChannel.email: "Email",
    PreferredChannel.sms: "Text message",
}

# Core field -> the block its error is shown on.
CONTACT_FIELDS = {
    "first_name": BlockId.NAME.value,
    "last_name": BlockId.NAME.value,
    "name": BlockId.NAME.value,
    "phone": BlockId.PHONE.value,
    "email": BlockId.EMAIL.value,
    "address": BlockId.ADDRESS.value,
}
NEW_LEAD_FIELDS = CONTACT_FIELDS | {
    "title": BlockId.TITLE.value,
    "description": BlockId.DESCRIPTION.value,
    "source": BlockId.SOURCE.value,
    "estimated_value": BlockId.ESTIMATED_VALUE.value,
    "owner": BlockId.OWNER.value,
}
NEW_CUSTOMER_FIELDS = CONTACT_FIELDS | {
    "heard_about": BlockId.HEARD_ABOUT.value,
    "company_name": BlockId.COMPANY_NAME.value,
    "preferred_channel": BlockId.PREFERRED_CHANNEL.value,
    "notes": BlockId.NOTES.value,
    "tags": BlockId.NOTES.value,
}
LOG_INTERACTION_FIELDS = {
    "contact": BlockId.CONTACT.value,
    "who": BlockId.CONTACT.value,
    "type": BlockId.TYPE.value,
    "body": BlockId.BODY.value,
    "summary": BlockId.BODY.value,
    "outcome": BlockId.OUTCOME.value,
    "follow_up_date": BlockId.FOLLOW_UP_DATE.value,
}


# --- inputs ---------------------------------------------------------------------------------------


def _name_input(initial: str | None = None) -> Block:
    element = text_element(initial, placeholder="Dana Smith", max_length=200)
    return input_block(BlockId.NAME, "Name", element)


def _contact_inputs(name: str | None) -> list[Block]:
    """Name, phone, email and service address: what both capture modals ask first."""
    phone = text_element(placeholder="555-201-3344", max_length=100)
    email = text_element(placeholder="dana@example.com", max_length=320)
    address = text_element(placeholder="123 Main St, Springfield", max_length=500)
    return [
        _name_input(name),
        input_block(
            BlockId.PHONE, "Phone", phone, optional=True, hint="Several: separate with commas."
        ),
        input_block(BlockId.EMAIL, "Email", email, optional=True),
        input_block(BlockId.ADDRESS, "Service address", address, optional=True),
    ]


def _long_text(
    label: str, block_id: BlockId, initial: str | None = None, *, optional: bool = True
) -> Block:
    element = text_element(initial, multiline=True, max_length=MAX_INPUT_LENGTH)
    return input_block(block_id, label, element, optional=optional)


# --- the modals -----------------------------------------------------------------------------------


def new_lead_modal(
    *, channel_id: str | None = None, response_url: str | None = None, name: str | None = None
) -> View:
    """`/lead` with no text: a new inquiry (the contact is matched by phone or email)."""
    sources = {source.value: SOURCE_IN_WORDS[source].capitalize() for source in LeadSource}
    title = text_element(placeholder="Leaky faucet at 123 Main", max_length=200)
    value = text_element(placeholder="$350", max_length=20)
    owner = {"type": "users_select"}
    blocks = [
        *_contact_inputs(name),
        input_block(BlockId.TITLE, "What's the job?", title),
        _long_text("What they described", BlockId.DESCRIPTION),
        input_block(
            BlockId.SOURCE, "How they came in", select_from(sources, LeadSource.phone_call)
        ),
        input_block(BlockId.ESTIMATED_VALUE, "Rough job size ($)", value, optional=True),
        input_block(BlockId.OWNER, "Who follows up", owner, optional=True),
    ]
    return form_modal(
        ViewId.NEW_LEAD,
        title="New lead",
        submit="Save lead",
        blocks=blocks,
        meta=ModalMeta(channel=channel_id, response_url=response_url),
    )


def new_customer_modal(
    *, channel_id: str | None = None, response_url: str | None = None, name: str | None = None
) -> View:
    """`/customer` with no text: the procedure's "Add a new customer" questions."""
    channels = {channel.value: CHANNEL_WORDS[channel] for channel in PreferredChannel}
    heard = text_element(placeholder="Referral from a neighbor", max_length=200)
    blocks = [
        *_contact_inputs(name),
        input_block(BlockId.HEARD_ABOUT, "How they heard about us", heard, optional=True),
        input_block(BlockId.COMPANY_NAME, "Company", text_element(max_length=200), optional=True),
        input_block(BlockId.PREFERRED_CHANNEL, "Prefers", select_from(channels), optional=True),
        _long_text("Notes", BlockId.NOTES),
    ]
    return form_modal(
        ViewId.NEW_CUSTOMER,
        title="New customer",
        submit="Add customer",
        blocks=blocks,
        meta=ModalMeta(channel=channel_id, response_url=response_url),
    )


def log_interaction_modal(
    prefill_contact_id: str | None = None,
    *,
    contact_name: str | None = None,
    lead_id: str | None = None,
    opportunity_id: str | None = None,
    channel_id: str | None = None,
    response_url: str | None = None,
    interaction_type: InteractionType = InteractionType.phone_call,
    body: str | None = None,
    follow_up_date: date | None = None,
) -> View:
    """`/log` with no text, or **Log call**: who, what kind, how it went, any follow-up date.

    With `prefill_contact_id` (or a lead or opportunity) the person is fixed and not asked.
    """
    blocks: list[Block] = []
    if prefill_contact_id or lead_id or opportunity_id:
        whom = contact_name or "the contact on this record"
        blocks.append(mrkdwn_section(f"With *{escape(whom)}*"))
    else:
        who = text_element(placeholder="Name, phone or email", max_length=200)
        blocks.append(input_block(BlockId.CONTACT, "Who was it with?", who))
    types = {kind.value: label for kind, label in TYPE_WORDS.items()}
    outcomes = {outcome.value: label for outcome, label in OUTCOME_WORDS.items()}
    picker: Block = {"type": "datepicker"}
    if follow_up_date is not None:
        picker["initial_date"] = follow_up_date.isoformat()
    blocks += [
        input_block(BlockId.TYPE, "What kind", select_from(types, interaction_type)),
        _long_text(LOG_PROMPT, BlockId.BODY, body, optional=False),
        input_block(BlockId.OUTCOME, "Outcome", select_from(outcomes, Outcome.none), optional=True),
        input_block(
            BlockId.FOLLOW_UP_DATE,
            "Follow up on",
            picker,
            optional=True,
            hint="A callback or next step you committed to.",
        ),
        context("A follow-up date puts it on that morning's list."),
    ]
    meta = ModalMeta(
        channel=channel_id,
        response_url=response_url,
        contact_id=prefill_contact_id,
        lead_id=lead_id,
        opportunity_id=opportunity_id,
    )
    return form_modal(
        ViewId.LOG_INTERACTION,
        title="Log interaction",
        submit="Log it",
        blocks=blocks,
        meta=meta,
    )

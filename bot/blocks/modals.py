"""The capture modals (New lead, New customer, Log interaction) and their pure parsers.

Every input block's id is the core field's block id (`bot.ids.BlockId`) and its element's
action_id is `ActionId.INPUT`, so `parse_<view>(view)` reads `state.values[block][INPUT]` and
a core `CRMError(field=...)` lands on the right input through `*_FIELDS` and `view_errors`.
`private_metadata` is a `ModalContext` as compact JSON: where the modal was opened and which
record it is about.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any

from bot.blocks.limits import (
    MAX_INPUT_LENGTH,
    Block,
    context,
    escape,
    modal,
    mrkdwn_section,
    option,
    plain,
    truncate,
)
from bot.ids import ActionId, BlockId, ViewId
from core.contact_input import ContactInput
from core.enums import InteractionType, LeadSource, Outcome, PreferredChannel
from core.errors import InvalidInput
from core.inquiries import SOURCE_IN_WORDS, InquiryInput

View = dict[str, Any]

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
NEW_LEAD_FIELDS = {
    "first_name": BlockId.NAME.value,
    "last_name": BlockId.NAME.value,
    "name": BlockId.NAME.value,
    "phone": BlockId.PHONE.value,
    "email": BlockId.EMAIL.value,
    "address": BlockId.ADDRESS.value,
    "title": BlockId.TITLE.value,
    "description": BlockId.DESCRIPTION.value,
    "source": BlockId.SOURCE.value,
    "estimated_value": BlockId.ESTIMATED_VALUE.value,
    "owner": BlockId.OWNER.value,
}
NEW_CUSTOMER_FIELDS = {
    "first_name": BlockId.NAME.value,
    "last_name": BlockId.NAME.value,
    "name": BlockId.NAME.value,
    "phone": BlockId.PHONE.value,
    "email": BlockId.EMAIL.value,
    "address": BlockId.ADDRESS.value,
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


# --- private metadata -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ModalContext:
    """What a modal carries in `private_metadata`: where it came from and what it is about."""

    channel_id: str | None = None
    response_url: str | None = None
    contact_id: str | None = None
    lead_id: str | None = None
    opportunity_id: str | None = None

    def dump(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if v}, separators=(",", ":"))

    @classmethod
    def load(cls, raw: str | None) -> ModalContext:
        """Read it back; anything unreadable is an empty context (the modal still works)."""
        try:
            data = json.loads(raw or "{}")
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        known = {f.name for f in fields(cls)}
        return cls(**{k: str(v) for k, v in data.items() if k in known and v})


# --- elements -------------------------------------------------------------------------------------


def _text_input(
    *,
    multiline: bool = False,
    initial: str | None = None,
    placeholder: str | None = None,
    max_length: int | None = None,
) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": ActionId.INPUT.value}
    if multiline:
        element["multiline"] = True
    if initial:
        element["initial_value"] = truncate(initial, max_length or MAX_INPUT_LENGTH)
    if placeholder:
        element["placeholder"] = plain(placeholder)
    if max_length:
        element["max_length"] = min(max_length, MAX_INPUT_LENGTH)
    return element


def _select(choices: Mapping[str, str], initial: str | None = None) -> Block:
    options = [option(label, value) for value, label in choices.items()]
    element: Block = {"type": "static_select", "action_id": ActionId.INPUT.value}
    element["options"] = options
    element["placeholder"] = plain("Choose…")
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def _input(
    block_id: BlockId, label: str, element: Block, *, optional: bool = False, hint: str = ""
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id.value,
        "label": plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def _name_input(initial: str | None = None) -> Block:
    element = _text_input(initial=initial, placeholder="Dana Smith", max_length=200)
    return _input(BlockId.NAME, "Name", element)


def _phone_input(optional: bool = True) -> Block:
    element = _text_input(placeholder="555-201-3344", max_length=100)
    return _input(
        BlockId.PHONE, "Phone", element, optional=optional, hint="Several: separate with commas."
    )


def _email_input() -> Block:
    element = _text_input(placeholder="dana@example.com", max_length=320)
    return _input(BlockId.EMAIL, "Email", element, optional=True)


def _address_input() -> Block:
    element = _text_input(placeholder="123 Main St, Springfield", max_length=500)
    return _input(BlockId.ADDRESS, "Service address", element, optional=True)


# --- the modals -----------------------------------------------------------------------------------


def new_lead_modal(
    *, channel_id: str | None = None, response_url: str | None = None, name: str | None = None
) -> View:
    """`/lead` with no text: a new inquiry (the contact is matched by phone or email)."""
    sources = {source.value: SOURCE_IN_WORDS[source].capitalize() for source in LeadSource}
    blocks = [
        _name_input(name),
        _phone_input(),
        _email_input(),
        _address_input(),
        _input(
            BlockId.TITLE,
            "What's the job?",
            _text_input(placeholder="Leaky faucet at 123 Main", max_length=200),
        ),
        _input(
            BlockId.DESCRIPTION,
            "What they described",
            _text_input(multiline=True, max_length=MAX_INPUT_LENGTH),
            optional=True,
        ),
        _input(BlockId.SOURCE, "How they came in", _select(sources, LeadSource.phone_call.value)),
        _input(
            BlockId.ESTIMATED_VALUE,
            "Rough job size ($)",
            _text_input(placeholder="$350", max_length=20),
            optional=True,
        ),
        _input(
            BlockId.OWNER,
            "Who follows up",
            {"type": "users_select", "action_id": ActionId.INPUT.value},
            optional=True,
        ),
    ]
    return modal(
        callback_id=ViewId.NEW_LEAD,
        title="New lead",
        submit="Save lead",
        blocks=blocks,
        private_metadata=ModalContext(channel_id=channel_id, response_url=response_url).dump(),
    )


def new_customer_modal(
    *, channel_id: str | None = None, response_url: str | None = None, name: str | None = None
) -> View:
    """`/customer` with no text: the procedure's "Add a new customer" questions."""
    channels = {channel.value: CHANNEL_WORDS[channel] for channel in PreferredChannel}
    blocks = [
        _name_input(name),
        _phone_input(),
        _email_input(),
        _address_input(),
        _input(
            BlockId.HEARD_ABOUT,
            "How they heard about us",
            _text_input(placeholder="Referral from a neighbor", max_length=200),
            optional=True,
        ),
        _input(
            BlockId.COMPANY_NAME,
            "Company",
            _text_input(max_length=200),
            optional=True,
        ),
        _input(BlockId.PREFERRED_CHANNEL, "Prefers", _select(channels), optional=True),
        _input(
            BlockId.NOTES,
            "Notes",
            _text_input(multiline=True, max_length=MAX_INPUT_LENGTH),
            optional=True,
        ),
    ]
    return modal(
        callback_id=ViewId.NEW_CUSTOMER,
        title="New customer",
        submit="Add customer",
        blocks=blocks,
        private_metadata=ModalContext(channel_id=channel_id, response_url=response_url).dump(),
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
    fixed = bool(prefill_contact_id or lead_id or opportunity_id)
    blocks: list[Block] = []
    if fixed:
        whom = contact_name or "the contact on this record"
        blocks.append(mrkdwn_section(f"With *{escape(whom)}*"))
    else:
        blocks.append(
            _input(
                BlockId.CONTACT,
                "Who was it with?",
                _text_input(placeholder="Name, phone or email", max_length=200),
            )
        )
    types = {kind.value: label for kind, label in TYPE_WORDS.items()}
    outcomes = {outcome.value: label for outcome, label in OUTCOME_WORDS.items()}
    date_picker: Block = {"type": "datepicker", "action_id": ActionId.INPUT.value}
    if follow_up_date is not None:
        date_picker["initial_date"] = follow_up_date.isoformat()
    blocks += [
        _input(BlockId.TYPE, "What kind", _select(types, interaction_type.value)),
        _input(
            BlockId.BODY,
            LOG_PROMPT,
            _text_input(multiline=True, initial=body, max_length=MAX_INPUT_LENGTH),
        ),
        _input(BlockId.OUTCOME, "Outcome", _select(outcomes, Outcome.none.value), optional=True),
        _input(
            BlockId.FOLLOW_UP_DATE,
            "Follow up on",
            date_picker,
            optional=True,
            hint="A callback or next step you committed to.",
        ),
        context("A follow-up date puts it on that morning's list."),
    ]
    metadata = ModalContext(
        channel_id=channel_id,
        response_url=response_url,
        contact_id=prefill_contact_id,
        lead_id=lead_id,
        opportunity_id=opportunity_id,
    )
    return modal(
        callback_id=ViewId.LOG_INTERACTION,
        title="Log interaction",
        submit="Log it",
        blocks=blocks,
        private_metadata=metadata.dump(),
    )


# --- parsing --------------------------------------------------------------------------------------


def _element(view: Mapping[str, Any], block: BlockId) -> Mapping[str, Any]:
    values = ((view.get("state") or {}).get("values") or {}).get(block.value) or {}
    element = values.get(ActionId.INPUT.value)
    if element is None and values:  # tolerate a differently named element in the block
        element = next(iter(values.values()))
    return element or {}


def _value(view: Mapping[str, Any], block: BlockId) -> str | None:
    """What the person entered in a block: text, the chosen option, date or user."""
    element = _element(view, block)
    found: Any = element.get("value")
    if found is None and element.get("selected_option"):
        found = element["selected_option"].get("value")
    if found is None:
        found = element.get("selected_date") or element.get("selected_user")
    if found is None and element.get("selected_users"):
        found = element["selected_users"][0]
    if found is None:
        return None
    text = str(found).strip()
    return text or None


_SEPARATORS = re.compile(r"[,;\n]+|\s+or\s+|\s+/\s+")


def split_values(raw: str | None) -> tuple[str, ...]:
    """`555-201-3344, 555-201-9999` -> both; blanks dropped (core normalizes and checks each)."""
    if not raw:
        return ()
    return tuple(part.strip() for part in _SEPARATORS.split(raw) if part.strip())


def split_name(raw: str | None) -> tuple[str | None, str | None]:
    """`Dana Smith` -> (Dana, Smith); `Mary Ann van Dyke` -> (Mary, Ann van Dyke)."""
    words = (raw or "").split()
    if not words:
        return None, None
    return words[0], " ".join(words[1:]) or None


def _required_name(view: Mapping[str, Any]) -> tuple[str, str | None]:
    first, last = split_name(_value(view, BlockId.NAME))
    if first is None:
        raise InvalidInput("Enter the customer's name.", field="first_name")
    return first, last


@dataclass(frozen=True)
class NewLeadForm:
    """The New lead modal as submitted (unchecked: core validates it)."""

    first_name: str
    last_name: str | None
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    address: str | None
    title: str
    description: str | None
    source: str
    estimated_value: str | None
    owner: str | None
    context: ModalContext

    def inquiry(self, *, default_owner: str | None = None) -> InquiryInput:
        return InquiryInput(
            title=self.title,
            source=self.source,
            first_name=self.first_name,
            last_name=self.last_name,
            phones=self.phones,
            emails=self.emails,
            address=self.address,
            description=self.description,
            estimated_value=self.estimated_value,
            owner=self.owner or default_owner,
        )


def parse_new_lead(view: Mapping[str, Any]) -> NewLeadForm:
    """Read the New lead modal; a missing name is refused here (the inquiry would take none)."""
    first, last = _required_name(view)
    return NewLeadForm(
        first_name=first,
        last_name=last,
        phones=split_values(_value(view, BlockId.PHONE)),
        emails=split_values(_value(view, BlockId.EMAIL)),
        address=_value(view, BlockId.ADDRESS),
        title=_value(view, BlockId.TITLE) or "",
        description=_value(view, BlockId.DESCRIPTION),
        source=_value(view, BlockId.SOURCE) or LeadSource.phone_call.value,
        estimated_value=_value(view, BlockId.ESTIMATED_VALUE),
        owner=_value(view, BlockId.OWNER),
        context=ModalContext.load(view.get("private_metadata")),
    )


@dataclass(frozen=True)
class NewCustomerForm:
    """The New customer modal as submitted, ready for `add_customer`."""

    contact: ContactInput
    context: ModalContext


def parse_new_customer(view: Mapping[str, Any]) -> NewCustomerForm:
    """Read the New customer modal into the `ContactInput` core checks."""
    first, last = _required_name(view)
    contact = ContactInput(
        first_name=first,
        last_name=last,
        phones=split_values(_value(view, BlockId.PHONE)),
        emails=split_values(_value(view, BlockId.EMAIL)),
        address=_value(view, BlockId.ADDRESS),
        preferred_channel=_value(view, BlockId.PREFERRED_CHANNEL),
        notes=_value(view, BlockId.NOTES),
        heard_about=_value(view, BlockId.HEARD_ABOUT),
        company_name=_value(view, BlockId.COMPANY_NAME),
    )
    return NewCustomerForm(contact, ModalContext.load(view.get("private_metadata")))


@dataclass(frozen=True)
class LogInteractionForm:
    """The Log interaction modal as submitted: the person (id or as typed) and the entry."""

    contact_id: str | None
    lead_id: str | None
    opportunity_id: str | None
    who: str | None
    interaction_type: str
    body: str | None
    outcome: str
    follow_up_date: date | None
    context: ModalContext


def parse_log_interaction(view: Mapping[str, Any]) -> LogInteractionForm:
    """Read the Log interaction modal; who it was with is the metadata's record or typed."""
    meta = ModalContext.load(view.get("private_metadata"))
    who = _value(view, BlockId.CONTACT)
    if not (meta.contact_id or meta.lead_id or meta.opportunity_id or who):
        raise InvalidInput("Say who it was with: a name, phone or email.", field="contact")
    raw_date = _value(view, BlockId.FOLLOW_UP_DATE)
    try:
        follow_up = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        raise InvalidInput(
            "Pick the follow-up date from the calendar.", field="follow_up_date"
        ) from None
    return LogInteractionForm(
        contact_id=meta.contact_id,
        lead_id=meta.lead_id,
        opportunity_id=meta.opportunity_id,
        who=who,
        interaction_type=_value(view, BlockId.TYPE) or InteractionType.phone_call.value,
        body=_value(view, BlockId.BODY),
        outcome=_value(view, BlockId.OUTCOME) or Outcome.none.value,
        follow_up_date=follow_up,
        context=meta,
    )


def choice_hint(names: Sequence[str]) -> str:
    """The error shown on "Who" when a name fits several people: a choice, never a guess."""
    listed = "; ".join(names[:5]) + ("; …" if len(names) > 5 else "")
    return f"Several people match: {listed}. Type the full name, phone or email."

"""What the capture modals say once submitted: one pure `parse_<view>(view) -> form` each.

The forms are unchecked (core validates them and names the field that is wrong), except what
core could not take at all: a missing name, who a Log entry was with, a date not picked from
the calendar. Block ids and metadata are the modals' (`bot.blocks.modals.capture`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.blocks.cards import phone_text
from bot.blocks.modals.inputs import ModalMeta, state_value
from bot.ids import BlockId
from core.activity.flows import LoggedWith
from core.common.enums import InteractionType, LeadSource, Outcome
from core.contacts.found import FoundContact
from core.contacts.input import ContactInput
from core.errors import InvalidInput
from core.leads.inquiries import InquiryInput

View = Mapping[str, Any]

_SEPARATORS = re.compile(r"[,;\n]+|\s+or\s+|\s+/\s+")


def _value(view: View, block: BlockId) -> str | None:
    return state_value(dict(view), block)


def _meta(view: View) -> ModalMeta:
    return ModalMeta.load(view.get("private_metadata"))


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


def _person(view: View) -> dict[str, Any]:
    """Name, phones, emails and address, as both capture modals ask them; a name is required."""
    first, last = split_name(_value(view, BlockId.NAME))
    if first is None:
        raise InvalidInput("Enter the customer's name.", field="first_name")
    return {
        "first_name": first,
        "last_name": last,
        "phones": split_values(_value(view, BlockId.PHONE)),
        "emails": split_values(_value(view, BlockId.EMAIL)),
        "address": _value(view, BlockId.ADDRESS),
    }


@dataclass(frozen=True)
class NewLeadForm:
    """The New lead modal as submitted, ready for `capture_inquiry` (core validates it)."""

    inquiry: InquiryInput
    meta: ModalMeta


def parse_new_lead(view: View) -> NewLeadForm:
    """Read the New lead modal; a missing name is refused here (the inquiry would take none)."""
    inquiry = InquiryInput(
        **_person(view),
        title=_value(view, BlockId.TITLE) or "",
        source=_value(view, BlockId.SOURCE) or LeadSource.phone_call.value,
        description=_value(view, BlockId.DESCRIPTION),
        estimated_value=_value(view, BlockId.ESTIMATED_VALUE),
        owner=_value(view, BlockId.OWNER),
    )
    return NewLeadForm(inquiry, _meta(view))


@dataclass(frozen=True)
class NewCustomerForm:
    """The New customer modal as submitted, ready for `add_customer`."""

    contact: ContactInput
    meta: ModalMeta


def parse_new_customer(view: View) -> NewCustomerForm:
    """Read the New customer modal into the `ContactInput` core checks."""
    contact = ContactInput(
        **_person(view),
        preferred_channel=_value(view, BlockId.PREFERRED_CHANNEL),
        notes=_value(view, BlockId.NOTES),
        heard_about=_value(view, BlockId.HEARD_ABOUT),
        company_name=_value(view, BlockId.COMPANY_NAME),
    )
    return NewCustomerForm(contact, _meta(view))


@dataclass(frozen=True)
class LogInteractionForm:
    """The Log interaction modal as submitted: the person (a record, or as typed) and the entry."""

    who: str | None
    interaction_type: str
    body: str | None
    outcome: str
    follow_up_date: date | None
    meta: ModalMeta

    @property
    def contact_id(self) -> str | None:
        return self.meta.contact_id

    @property
    def lead_id(self) -> str | None:
        return self.meta.lead_id

    @property
    def opportunity_id(self) -> str | None:
        return self.meta.opportunity_id


def parse_log_interaction(view: View) -> LogInteractionForm:
    """Read the Log interaction modal; who it was with is the metadata's record or typed."""
    meta = _meta(view)
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
        who=who,
        interaction_type=_value(view, BlockId.TYPE) or InteractionType.phone_call.value,
        body=_value(view, BlockId.BODY),
        outcome=_value(view, BlockId.OUTCOME) or Outcome.none.value,
        follow_up_date=follow_up,
        meta=meta,
    )


def _labelled(contact: FoundContact, region: str) -> str:
    """`Dana Smith ((555) 201-3344)`: a name with what tells two Danas apart."""
    if contact.phones:
        return f"{contact.full_name} ({phone_text(contact.phones[0], region)})"
    if contact.emails:
        return f"{contact.full_name} ({contact.emails[0]})"
    return contact.full_name


def choice_hint(names: Sequence[str]) -> str:
    """The error shown on "Who" when a name fits several people: a choice, never a guess."""
    listed = "; ".join(names[:5]) + ("; …" if len(names) > 5 else "")
    return f"Several people match: {listed}. Type the full name, phone or email."


def who_doubt(logged: LoggedWith, *, region: str = "US") -> str | None:
    """Why nothing was logged from the form (several people fit, or no one), for the Who field."""
    if logged.interaction is not None:
        return None
    if logged.candidates:
        return choice_hint([_labelled(person, region) for person in logged.candidates])
    return (
        f"No one called “{logged.who}” here. Check the spelling, try their phone or email, "
        "or add them with /customer first."
    )

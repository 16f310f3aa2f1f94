"""The contact card's forms: Edit contact, Edit company, Merge into…, and the merge confirmation.

Built from core records, read back by one pure `parse_<view>` each (core checks every field
and names the one that is wrong; the `*_FIELDS` maps put that refusal on its input). The
record a form is about travels in `ModalMeta.record_id`; the merge's confirmation view also
carries the chosen survivor in `ModalMeta.contact_id`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks.cards import phone_text
from bot.blocks.limits import Block, View, context, escape, mrkdwn_section, option, plain
from bot.blocks.modals.capture import CHANNEL_WORDS
from bot.blocks.modals.capture_parsing import split_values
from bot.blocks.modals.inputs import (
    ModalMeta,
    form_modal,
    input_block,
    select_from,
    state_value,
    text_element,
)
from bot.ids import ActionId, BlockId, ViewId
from core.common.enums import CompanyStatus, CompanyType, LifecycleStage, in_words
from core.contacts.edits import ContactEdit
from core.contacts.found import FoundContact
from core.contacts.merges import MergePreview
from core.errors import InvalidInput
from core.models import Company, Contact

NO_COMPANY = "-"
STAGE_WORDS = {stage.value: in_words(stage).capitalize() for stage in LifecycleStage}

# Core field -> the block its refusal is shown on.
EDIT_CONTACT_FIELDS = {
    "first_name": BlockId.FIRST_NAME.value,
    "last_name": BlockId.LAST_NAME.value,
    "phone": BlockId.PHONE.value,
    "email": BlockId.EMAIL.value,
    "address": BlockId.ADDRESS.value,
    "preferred_channel": BlockId.PREFERRED_CHANNEL.value,
    "tags": BlockId.TAGS.value,
    "notes": BlockId.NOTES.value,
    "lifecycle_stage": BlockId.LIFECYCLE_STAGE.value,
    "company_id": BlockId.COMPANY_ID.value,
    "company_name": BlockId.COMPANY_NAME.value,
}
EDIT_COMPANY_FIELDS = {
    "name": BlockId.NAME.value,
    "type": BlockId.TYPE.value,
    "main_phone": BlockId.MAIN_PHONE.value,
    "billing_address": BlockId.BILLING_ADDRESS.value,
    "status": BlockId.STATUS.value,
}
MERGE_INTO_FIELDS = {
    "survivor_id": BlockId.SURVIVOR_ID.value,
    "other_id": BlockId.SURVIVOR_ID.value,
    "contact_id": BlockId.SURVIVOR_ID.value,
}


def _value(view: Mapping[str, Any], block: BlockId) -> str | None:
    return state_value(dict(view), block)


def _meta(view: Mapping[str, Any]) -> ModalMeta:
    return ModalMeta.load(view.get("private_metadata"))


# --- Edit contact ---------------------------------------------------------------------------------


def edit_contact_modal(
    contact: Contact, companies: Sequence[tuple[str, str]], *, region: str, meta: ModalMeta
) -> View:
    """Every field of the contact, filled in; a blank field is cleared when saved."""
    phones = ", ".join(phone_text(p, region) for p in contact.phones)
    channels = {channel.value: label for channel, label in CHANNEL_WORDS.items()}
    picks = {NO_COMPANY: "No company", **dict(companies)}
    blocks = [
        input_block(
            BlockId.FIRST_NAME, "First name", text_element(contact.first_name, max_length=200)
        ),
        input_block(
            BlockId.LAST_NAME,
            "Last name",
            text_element(contact.last_name, max_length=200),
            optional=True,
        ),
        input_block(
            BlockId.PHONE,
            "Phones",
            text_element(phones, max_length=500),
            optional=True,
            hint="Separate several with commas; the first is the main one.",
        ),
        input_block(
            BlockId.EMAIL,
            "Emails",
            text_element(", ".join(contact.emails), max_length=1000),
            optional=True,
        ),
        input_block(
            BlockId.ADDRESS,
            "Service address",
            text_element(contact.address, max_length=500),
            optional=True,
        ),
        input_block(
            BlockId.PREFERRED_CHANNEL,
            "Prefers",
            select_from(channels, contact.preferred_channel),
            optional=True,
        ),
        input_block(
            BlockId.LIFECYCLE_STAGE, "Stage", select_from(STAGE_WORDS, contact.lifecycle_stage)
        ),
        input_block(
            BlockId.COMPANY_ID,
            "Company",
            select_from(picks, contact.company_id or NO_COMPANY),
            optional=True,
        ),
        input_block(
            BlockId.COMPANY_NAME,
            "Or a new company",
            text_element(max_length=200, placeholder="Smith Plumbing LLC"),
            optional=True,
            hint="A name typed here is linked (made the first time it is named).",
        ),
        input_block(
            BlockId.TAGS,
            "Tags",
            text_element(", ".join(contact.tags or []), max_length=1000),
            optional=True,
            hint="Separate with commas.",
        ),
        input_block(
            BlockId.NOTES,
            "Notes",
            text_element(contact.notes, multiline=True),
            optional=True,
        ),
    ]
    return form_modal(
        ViewId.EDIT_CONTACT,
        title="Edit contact",
        submit="Save",
        blocks=blocks,
        meta=meta.about(contact.contact_id),
    )


@dataclass(frozen=True)
class EditContactForm:
    contact_id: str
    edit: ContactEdit
    meta: ModalMeta


def parse_edit_contact(view: Mapping[str, Any]) -> EditContactForm:
    """Read the Edit contact modal into the `ContactEdit` core checks."""
    meta = _meta(view)
    first = _value(view, BlockId.FIRST_NAME)
    if first is None:
        raise InvalidInput("Enter the contact's first name.", field="first_name")
    company = _value(view, BlockId.COMPANY_ID)
    edit = ContactEdit(
        first_name=first,
        last_name=_value(view, BlockId.LAST_NAME),
        phones=split_values(_value(view, BlockId.PHONE)),
        emails=split_values(_value(view, BlockId.EMAIL)),
        address=_value(view, BlockId.ADDRESS),
        preferred_channel=_value(view, BlockId.PREFERRED_CHANNEL),
        tags=tuple(t.strip() for t in (_value(view, BlockId.TAGS) or "").split(",") if t.strip()),
        notes=_value(view, BlockId.NOTES),
        lifecycle_stage=_value(view, BlockId.LIFECYCLE_STAGE),
        company_id=None if company in (None, NO_COMPANY) else company,
        company_name=_value(view, BlockId.COMPANY_NAME),
    )
    return EditContactForm(meta.record_id, edit, meta)


# --- Edit company ---------------------------------------------------------------------------------


def edit_company_modal(company: Company, *, region: str, meta: ModalMeta) -> View:
    """The company's name, type, main phone, billing address and status."""
    types = {kind.value: in_words(kind).capitalize() for kind in CompanyType}
    statuses = {status.value: in_words(status).capitalize() for status in CompanyStatus}
    phone = phone_text(company.main_phone, region) if company.main_phone else None
    blocks = [
        input_block(BlockId.NAME, "Company name", text_element(company.name, max_length=200)),
        input_block(BlockId.TYPE, "Type", select_from(types, company.type)),
        input_block(
            BlockId.MAIN_PHONE, "Main phone", text_element(phone, max_length=100), optional=True
        ),
        input_block(
            BlockId.BILLING_ADDRESS,
            "Billing address",
            text_element(company.billing_address, max_length=500),
            optional=True,
        ),
        input_block(BlockId.STATUS, "Status", select_from(statuses, company.status)),
    ]
    return form_modal(
        ViewId.EDIT_COMPANY,
        title="Edit company",
        submit="Save",
        blocks=blocks,
        meta=meta.about(company.company_id),
    )


@dataclass(frozen=True)
class EditCompanyForm:
    company_id: str
    name: str
    type: str
    main_phone: str | None
    billing_address: str | None
    status: str
    meta: ModalMeta


def parse_edit_company(view: Mapping[str, Any]) -> EditCompanyForm:
    """Read the Edit company modal (core checks every field)."""
    meta = _meta(view)
    return EditCompanyForm(
        company_id=meta.record_id,
        name=_value(view, BlockId.NAME) or "",
        type=_value(view, BlockId.TYPE) or "",
        main_phone=_value(view, BlockId.MAIN_PHONE),
        billing_address=_value(view, BlockId.BILLING_ADDRESS),
        status=_value(view, BlockId.STATUS) or "",
        meta=meta,
    )


# --- Merge into… ----------------------------------------------------------------------------------


MERGE_SEARCH_MIN = 2
"""Letters typed before Slack asks for options (one letter matches too many to be useful)."""


def merge_into_modal(other: Contact, *, meta: ModalMeta) -> View:
    """Search for the contact that keeps everything; the next step shows what moves."""
    search: Block = {
        "type": "external_select",
        "placeholder": plain("Type a name, phone or email…"),
        "min_query_length": MERGE_SEARCH_MIN,
    }
    blocks = [
        mrkdwn_section(
            f"Merge *{escape(other.full_name)}* into another contact. That contact keeps every "
            "phone, email, lead, interaction and job; this one is kept, marked merged."
        ),
        input_block(BlockId.SURVIVOR_ID, "Merge into", search, action_id=ActionId.MERGE_SURVIVOR),
    ]
    return form_modal(
        ViewId.MERGE_INTO,
        title="Merge contact",
        submit="Next",
        blocks=blocks,
        meta=meta.about(other.contact_id),
    )


def merge_options(candidates: Sequence[FoundContact], *, region: str) -> list[Block]:
    """The search's options: name and a phone or email, so two Dana Smiths are told apart."""

    def label(contact: FoundContact) -> str:
        reach = contact.phones[:1] or contact.emails[:1]
        shown = phone_text(reach[0], region) if reach and "@" not in reach[0] else "".join(reach)
        return " · ".join(part for part in (contact.full_name, shown) if part)

    return [option(label(c), c.contact_id) for c in candidates]


def merge_into_of(view: Mapping[str, Any]) -> str:
    """The contact a Merge into… form is about (whose search this is)."""
    return _meta(view).record_id


@dataclass(frozen=True)
class MergeChoice:
    other_id: str
    survivor_id: str
    meta: ModalMeta


def parse_merge_into(view: Mapping[str, Any]) -> MergeChoice:
    """The contact to fold in (the form's record) and the one chosen to keep."""
    meta = _meta(view)
    survivor = _value(view, BlockId.SURVIVOR_ID) or meta.contact_id
    if not survivor:
        raise InvalidInput("Choose the contact to merge into.", field="survivor_id")
    return MergeChoice(meta.record_id, survivor, meta)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def confirm_merge_modal(preview: MergePreview, *, region: str, meta: ModalMeta) -> View:
    """What will move, said before anything does; **Merge** confirms."""
    other, survivor = preview.other, preview.survivor
    moving = [
        _count(preview.leads, "lead", "leads"),
        _count(preview.interactions, "interaction", "interactions"),
        _count(preview.opportunities, "job", "jobs"),
    ]
    points = [phone_text(p, region) for p in preview.phones] + list(preview.emails)
    lines = [
        f"Merge *{escape(other.full_name)}* into *{escape(survivor.full_name)}*?",
        f"Moves to {escape(survivor.full_name)}: " + ", ".join(moving) + ".",
    ]
    if points:
        lines.append("Adds: " + escape(", ".join(points)) + ".")
    blocks = [
        mrkdwn_section("\n".join(lines)),
        context(
            f"{escape(other.full_name)} is kept, marked merged; nothing is deleted. "
            "An owner can undo the merge from the card."
        ),
    ]
    return form_modal(
        ViewId.CONFIRM_MERGE,
        title="Merge contact",
        submit="Merge",
        blocks=blocks,
        meta=ModalMeta(
            record_id=other.contact_id,
            contact_id=survivor.contact_id,
            channel=meta.channel,
            ts=meta.ts,
            response_url=meta.response_url,
        ),
    )

"""Contact input as a person typed it, checked and normalized before anything is written.

Pure (no database), so the add-customer flow, the inquiry flow and the import share it.
`heard_about` (how they heard about the business) is kept as a line "Heard about us: …" in
the notes; when it names a lead source (`referral`, `web form`, `google ad`…) the contact also
gets the tag `heard_about:<source>` so it can be counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import Field, dataclass, fields
from typing import Any

import phonenumbers

from core.common.enums import LeadSource, PreferredChannel
from core.common.validation import clean_text, parse_optional_choice, required_text
from core.contacts.points import normalize_email, normalize_phone
from core.errors import InvalidInput
from core.leads.quick_capture import parse_source

NAME_LIMIT = 200
ADDRESS_LIMIT = 500
NOTES_LIMIT = 10000
TAG_LIMIT = 100
HEARD_ABOUT_TAG = "heard_about:"


def friendly_phone(e164: str, region: str) -> str:
    """A stored phone as people write it here: "(555) 201-3344" at home, "+44 20 …" abroad."""
    number = phonenumbers.parse(e164, None)
    home = number.country_code == phonenumbers.country_code_for_region(region.upper())
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, style))


@dataclass(frozen=True)
class ContactInput:
    """A contact as a person typed it (modal, CSV row, button value)."""

    first_name: str
    last_name: str | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    address: str | None = None
    preferred_channel: str | None = None
    tags: tuple[str, ...] = ()
    notes: str | None = None
    heard_about: str | None = None
    company_name: str | None = None

    @classmethod
    def from_proposed(cls, proposed: Mapping[str, Any]) -> ContactInput:
        """Rebuild the input a `DuplicateContact.proposed` carried through a button or modal."""
        return cls(**proposed_values(fields(cls), proposed))


_LIST_FIELDS = frozenset({"phones", "emails", "tags"})


def proposed_values(
    form_fields: Iterable[Field[Any]], proposed: Mapping[str, Any]
) -> dict[str, Any]:
    """A contact form's fields from the JSON a duplicate button carried (lists back to tuples,
    a field left out blank), so every form rebuilds itself the same way."""
    values = {field.name: proposed.get(field.name) for field in form_fields}
    for name in _LIST_FIELDS & values.keys():
        values[name] = tuple(values[name] or ())
    values["first_name"] = str(values.get("first_name") or "")
    return values


@dataclass(frozen=True)
class NormalizedContact:
    """A contact input after validation: E.164 phones, lower-case emails, known choices."""

    first_name: str
    last_name: str | None
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    address: str | None
    preferred_channel: PreferredChannel | None
    tags: tuple[str, ...]
    notes: str | None
    heard_about: str | None
    heard_about_source: LeadSource | None
    company_name: str | None

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def stored_notes(self) -> str | None:
        """The notes as stored: what was typed, then where they heard about the business."""
        heard = f"Heard about us: {self.heard_about}" if self.heard_about else None
        return join_notes(self.notes, heard)

    @property
    def stored_tags(self) -> list[str]:
        tags = list(self.tags)
        if self.heard_about_source is not None:
            tags = merge_tags(tags, [HEARD_ABOUT_TAG + self.heard_about_source.value])
        return tags

    def as_proposed(self) -> dict[str, Any]:
        """JSON-ready, shaped like `ContactInput` so `ContactInput.from_proposed` reads it back."""
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "phones": list(self.phones),
            "emails": list(self.emails),
            "address": self.address,
            "preferred_channel": self.preferred_channel.value if self.preferred_channel else None,
            "tags": list(self.tags),
            "notes": self.notes,
            "heard_about": self.heard_about,
            "company_name": self.company_name,
        }


def normalize_phones(raw: Sequence[str], region: str) -> tuple[str, ...]:
    """E.164 phones in the order typed, blanks skipped, repeats dropped."""
    if isinstance(raw, str):
        raw = (raw,)
    values = [normalize_phone(item, region) for item in raw if item and item.strip()]
    return tuple(dict.fromkeys(values))


def normalize_emails(raw: Sequence[str]) -> tuple[str, ...]:
    """Lower-cased, validated emails in the order typed, blanks skipped, repeats dropped."""
    if isinstance(raw, str):
        raw = (raw,)
    values = [normalize_email(item) for item in raw if item and item.strip()]
    return tuple(dict.fromkeys(values))


def clean_tags(raw: Sequence[str]) -> tuple[str, ...]:
    """Tags trimmed, blanks skipped, repeats (ignoring case) dropped."""
    if isinstance(raw, str):
        raw = (raw,)
    tags: list[str] = []
    for item in raw:
        tag = clean_text(item, field="tags", label="tag", limit=TAG_LIMIT, one_line=True)
        if tag:
            tags = merge_tags(tags, [tag])
    return tuple(tags)


def merge_tags(existing: Sequence[str], new: Sequence[str]) -> list[str]:
    """Add tags not there yet (ignoring case), keeping the existing order first."""
    seen = {tag.casefold() for tag in existing}
    merged = list(existing)
    for tag in new:
        if tag.casefold() not in seen:
            merged.append(tag)
            seen.add(tag.casefold())
    return merged


def join_notes(*parts: str | None) -> str | None:
    """Notes are a running field: each addition on its own paragraph."""
    kept = [part for part in parts if part]
    return "\n\n".join(kept) if kept else None


# A contact's text fields: how a message names each, its column limit, and whether it is one line.
_TEXT_FIELDS: dict[str, tuple[str, int, bool]] = {
    "first_name": ("first name", NAME_LIMIT, True),
    "last_name": ("last name", NAME_LIMIT, True),
    "address": ("address", ADDRESS_LIMIT, True),
    "company_name": ("company name", NAME_LIMIT, True),
    "heard_about": ("heard-about-us answer", NAME_LIMIT, True),
    "notes": ("notes field", NOTES_LIMIT, False),
}


def clean_contact_text(name: str, value: object, *, required: bool = False) -> str | None:
    """One of a contact's text fields checked by its own rules (label, limit, one line)."""
    label, limit, one_line = _TEXT_FIELDS[name]
    return clean_text(
        value, field=name, label=label, limit=limit, required=required, one_line=one_line
    )


def validate_contact_input(data: ContactInput, *, region: str) -> NormalizedContact:
    """Check and normalize every field before anything is written (also used by import)."""
    first_name = required_text(
        data.first_name, field="first_name", label="first name", limit=NAME_LIMIT
    )
    heard_about = clean_contact_text("heard_about", data.heard_about)
    source = parse_source(heard_about) if heard_about else None
    if source == LeadSource.other and heard_about and heard_about.lower() != "other":
        source = None
    normalized = NormalizedContact(
        first_name=first_name,
        last_name=clean_contact_text("last_name", data.last_name),
        phones=normalize_phones(data.phones, region),
        emails=normalize_emails(data.emails),
        address=clean_contact_text("address", data.address),
        preferred_channel=parse_optional_choice(
            PreferredChannel,
            data.preferred_channel,
            field="preferred_channel",
            label="preferred channel",
        ),
        tags=clean_tags(data.tags),
        notes=clean_contact_text("notes", data.notes),
        heard_about=heard_about,
        heard_about_source=source,
        company_name=clean_contact_text("company_name", data.company_name),
    )
    check_notes_length(normalized.stored_notes)
    return normalized


def reconcile_name(
    first: str, last: str | None, given_first: str | None, given_last: str | None
) -> tuple[str | None, str | None]:
    """(last name to fill in, note to add) when a record meets a name given for it again.

    A name already on file is never overwritten: a different one is noted instead.
    """
    if not given_first or given_first.casefold() != first.casefold():
        given = " ".join(part for part in (given_first, given_last) if part)
        return None, (f"Also given the name: {given}" if given else None)
    if not given_last or (last and given_last.casefold() == last.casefold()):
        return None, None
    if not last:
        return given_last, None
    return None, f"Also given the name: {given_first} {given_last}"


def check_notes_length(notes: str | None) -> None:
    """Refuse notes that grew past the column limit (typed notes plus additions)."""
    if notes and len(notes) > NOTES_LIMIT:
        raise InvalidInput(
            f"The notes would be {len(notes):,} characters; keep them to {NOTES_LIMIT:,}.",
            field="notes",
        )

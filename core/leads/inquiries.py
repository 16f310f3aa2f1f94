"""The procedure's "New inquiry received" trigger: find or make the contact, open a lead, log it.

Unlike adding a customer, an inquiry whose phone or email matches a contact with the same name
(or no name given) is linked to it without asking (docs/reliability.md): the caller is a known
person asking again. With a different name (a spouse, a landlord, a mistyped number) the lead
is still saved, on the best match for now with nothing of that contact changed, and
`CapturedInquiry.question` is the duplicate decision to put to the person who captured it
(`core.leads.duplicate_decisions` carries out the answer). A new contact
with no name given is called by the email's local part (`dana.smith`), else "Unknown caller";
with only a last name, that name is the first name. A `received_at` in the future (a skewed
clock) is taken as `now`. The lead's `created_at` is when the inquiry arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from core.activity.service import log_interaction
from core.common.enums import InteractionType, LeadSource, LeadStatus, PipelineStage
from core.common.money import read_amount
from core.common.validation import clean_text, parse_choice, parse_optional_choice, required_text
from core.contacts.claims import claim_contact_points, same_person
from core.contacts.input import (
    NOTES_LIMIT,
    NormalizedContact,
    clean_contact_text,
    friendly_phone,
    join_notes,
    normalize_emails,
    normalize_phones,
    reconcile_name,
)
from core.contacts.matching import ContactMatch, set_contact_points
from core.contacts.service import create_contact, duplicate_question
from core.errors import DuplicateContact, InvalidInput
from core.leads.quick_capture import parse_lead_text
from core.models import Contact, Interaction, Lead, Workspace, new_id
from core.platform.audit import audit, snapshot

__all__ = [
    "SOURCE_IN_WORDS",
    "UNKNOWN_CALLER",
    "CapturedInquiry",
    "InquiryInput",
    "capture_inquiry",
    "capture_quick_lead",
]

TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 10000
OWNER_LIMIT = 64
UNKNOWN_CALLER = "Unknown caller"

SOURCE_IN_WORDS = {
    LeadSource.phone_call: "phone call",
    LeadSource.email: "email",
    LeadSource.web_form: "web form",
    LeadSource.referral: "referral",
    LeadSource.ad: "ad",
    LeadSource.other: "other",
}

_INTERACTION_FOR_SOURCE = {
    LeadSource.phone_call: InteractionType.phone_call,
    LeadSource.email: InteractionType.email_inbound,
}


@dataclass(frozen=True, kw_only=True)
class InquiryInput:
    """A new inquiry as it arrived: a call, a web form, an email, a `/lead` line."""

    title: str
    source: LeadSource | str
    first_name: str | None = None
    last_name: str | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    address: str | None = None
    description: str | None = None
    estimated_value: Decimal | int | str | None = None
    received_at: datetime | None = None
    interaction_type: InteractionType | str | None = None
    owner: str | None = None
    # False when nobody said how they came in (a `/lead` with no `via`): the notice then
    # does not claim a channel for them.
    source_given: bool = True


@dataclass(frozen=True)
class CapturedInquiry:
    lead: Lead
    contact: Contact
    contact_existed: bool
    interaction: Interaction
    notice_text: str
    # A known phone or email came with another name: who it is, for the person to decide.
    question: DuplicateContact | None = None

    @property
    def link_text(self) -> str:
        """Says whether the inquiry joined an existing record (docs/product.md, Commands)."""
        if self.question is not None:
            return (
                f"Same phone or email as {self.contact.full_name}, but another name: the lead "
                f"is on {self.contact.full_name}'s record until that is decided."
            )
        if self.contact_existed:
            return f"Linked to the existing contact {self.contact.full_name}."
        return f"Added {self.contact.full_name} as a new contact."


@dataclass(frozen=True)
class _Checked:
    title: str
    description: str | None
    source: LeadSource
    interaction_type: InteractionType
    estimated_value: Decimal | None
    received_at: datetime
    owner: str | None
    first_name: str | None
    last_name: str | None
    phones: tuple[str, ...]
    emails: tuple[str, ...]
    address: str | None


def _check(inquiry: InquiryInput, *, region: str, now: datetime) -> _Checked:
    """Every field checked before anything is written."""
    source = parse_choice(LeadSource, inquiry.source, field="source", label="lead source")
    interaction_type = parse_optional_choice(
        InteractionType,
        inquiry.interaction_type,
        field="interaction_type",
        label="interaction type",
    )
    received_at = inquiry.received_at or now
    if received_at.tzinfo is None:
        raise InvalidInput("The time received needs a time zone.", field="received_at")
    return _Checked(
        title=required_text(inquiry.title, field="title", label="title", limit=TITLE_LIMIT),
        description=clean_text(
            inquiry.description,
            field="description",
            label="description",
            limit=DESCRIPTION_LIMIT,
            one_line=False,
        ),
        source=source,
        interaction_type=interaction_type
        or _INTERACTION_FOR_SOURCE.get(source, InteractionType.note),
        estimated_value=read_amount(inquiry.estimated_value, field="estimated_value"),
        received_at=min(received_at, now),
        owner=clean_text(
            inquiry.owner, field="owner", label="owner", limit=OWNER_LIMIT, one_line=True
        ),
        first_name=clean_contact_text("first_name", inquiry.first_name),
        last_name=clean_contact_text("last_name", inquiry.last_name),
        phones=normalize_phones(inquiry.phones, region),
        emails=normalize_emails(inquiry.emails),
        address=clean_contact_text("address", inquiry.address),
    )


def _new_contact_data(checked: _Checked) -> NormalizedContact:
    """A contact from what the inquiry knows; with no name, the email's local part or a label."""
    first, last = checked.first_name, checked.last_name
    if not first:
        first, last = last, None
    if not first:
        first = checked.emails[0].split("@", 1)[0] if checked.emails else UNKNOWN_CALLER
    return NormalizedContact(
        first_name=first,
        last_name=last,
        phones=checked.phones,
        emails=checked.emails,
        address=checked.address,
        preferred_channel=None,
        tags=(),
        notes=None,
        heard_about=None,
        heard_about_source=None,
        company_name=None,
    )


def _fill_in(
    session: Session,
    *,
    workspace: Workspace,
    actor: str,
    contact: Contact,
    checked: _Checked,
    taken: set[str],
) -> None:
    """Add what the inquiry knows and the contact lacks; a different name goes to the notes."""
    before = snapshot(contact)
    had_points = len(contact.points)
    set_contact_points(
        contact,
        phones=[p for p in checked.phones if p not in taken],
        emails=[e for e in checked.emails if e not in taken],
    )
    changed = len(contact.points) != had_points
    if checked.address and not contact.address:
        contact.address, changed = checked.address, True
    fill_last, aside = reconcile_name(
        contact.first_name, contact.last_name, checked.first_name, checked.last_name
    )
    if fill_last:
        contact.last_name, changed = fill_last, True
    notes = join_notes(contact.notes, aside)
    if aside and notes and len(notes) <= NOTES_LIMIT:  # an inquiry is never refused for this
        contact.notes, changed = notes, True
    if contact.archived:  # a new inquiry brings an archived contact back into play
        contact.archived, changed = False, True
    if changed:
        audit(
            session,
            workspace,
            actor=actor,
            action="update_contact_from_inquiry",
            entity=contact,
            before=before,
        )


def _notice(
    name: str, contact: Contact, lead: Lead, checked: _Checked, region: str, source_given: bool
) -> str:
    """The procedure's notice, true to what is known: the phone and the email there are, how
    they came in when someone said, and that the lead is already saved."""
    phones = checked.phones or tuple(contact.phones)
    emails = checked.emails or tuple(contact.emails)
    reach = [f"Phone: {friendly_phone(phones[0], region)}."] if phones else []
    reach += [f"Email: {emails[0]}."] if emails else []
    parts = [f"New inquiry from {name} — {lead.title}."]
    parts += reach or ["No phone or email on file."]
    if source_given:
        parts.append(f"They came in via {SOURCE_IN_WORDS[checked.source]}.")
    parts.append("I've saved it as a new lead; want me to draft a response?")
    return " ".join(parts)


def capture_inquiry(
    *, session: Session, workspace: Workspace, actor: str, inquiry: InquiryInput, now: datetime
) -> CapturedInquiry:
    """Capture a new inquiry: link or create the contact, open the lead, log what they said."""
    region = workspace.default_phone_region
    checked = _check(inquiry, region=region, now=now)
    matches = claim_contact_points(
        session, workspace=workspace, phones=checked.phones, emails=checked.emails
    )
    same = [m for m in matches if same_person(m.contact, checked.first_name, checked.last_name)]
    if same:
        contact = _best(same).contact
        taken = {value for m in matches for value in m.matched_on}
        _fill_in(
            session, workspace=workspace, actor=actor, contact=contact, checked=checked, taken=taken
        )
    elif matches:  # another name: saved on the best match for now, nothing of it changed
        contact = _best(matches).contact
    else:
        contact = create_contact(
            session=session, workspace=workspace, actor=actor, data=_new_contact_data(checked)
        )

    lead = Lead(
        lead_id=new_id("ld"),
        workspace_id=workspace.workspace_id,
        title=checked.title,
        description=checked.description,
        contact_id=contact.contact_id,
        contact=contact,
        source=checked.source,
        status=LeadStatus.new,
        pipeline_stage=PipelineStage.inquiry,
        estimated_value=checked.estimated_value,
        owner=checked.owner,
        created_at=checked.received_at,
        updated_at=now,
    )
    session.add(lead)
    audit(session, workspace, actor=actor, action="create_lead", entity=lead)
    interaction = log_interaction(
        session=session,
        workspace=workspace,
        actor=actor,
        type=checked.interaction_type,
        subject="Web form" if checked.source == LeadSource.web_form else "New inquiry",
        body=checked.description or checked.title,
        contact_id=contact.contact_id,
        lead_id=lead.lead_id,
        timestamp=checked.received_at,
        now=now,
    )
    question = None
    name = contact.full_name
    if matches and not same:
        data = _new_contact_data(checked)
        question = duplicate_question(
            matches, data.as_proposed(), lead_id=lead.lead_id, lead_contact_id=contact.contact_id
        )
        name = data.full_name
    return CapturedInquiry(
        lead=lead,
        contact=contact,
        contact_existed=bool(matches),
        interaction=interaction,
        notice_text=_notice(name, contact, lead, checked, region, inquiry.source_given),
        question=question,
    )


def _best(matches: list[ContactMatch]) -> ContactMatch:
    """A live contact before an archived one, then the one sharing the most points."""
    return sorted(matches, key=lambda m: (m.contact.archived, -len(m.matched_on)))[0]


def capture_quick_lead(
    *, session: Session, workspace: Workspace, actor: str, text: str, now: datetime
) -> CapturedInquiry:
    """`/lead Dana Smith, 555-201-3344, leaky faucet at 123 Main via phone $350` in one step."""
    parsed = parse_lead_text(text, region=workspace.default_phone_region)
    inquiry = InquiryInput(
        title=parsed.title,
        source=parsed.source,
        first_name=parsed.first_name,
        last_name=parsed.last_name,
        phones=tuple(parsed.phones),
        emails=tuple(parsed.emails),
        address=parsed.address,
        estimated_value=parsed.estimated_value,
        received_at=now,
        source_given=parsed.source_given,
    )
    return capture_inquiry(
        session=session, workspace=workspace, actor=actor, inquiry=inquiry, now=now
    )

"""The "New inquiry received" trigger: link or create the contact, open the lead, log, notify."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.common.enums import InteractionType, LeadSource, LeadStatus, LifecycleStage, PipelineStage
from core.errors import InvalidEmail, InvalidInput, InvalidPhone
from core.leads.inquiries import InquiryInput, capture_inquiry, capture_quick_lead
from core.models import AuditEntry, Contact, ContactPoint, Interaction, Lead, Workspace
from tests.conftest import STAFF, TEAM
from tests.core.factories import count_rows, make_contact, row_counts

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
ASK = "I've saved it as a new lead; want me to draft a response?"
WRITTEN = (Contact, ContactPoint, Lead, Interaction, AuditEntry)


def _capture(session: Session, ws: Workspace, **fields: Any) -> Any:
    fields.setdefault("title", "Leaky faucet at 123 Main")
    fields.setdefault("source", "phone_call")
    return capture_inquiry(
        session=session, workspace=ws, actor=STAFF, inquiry=InquiryInput(**fields), now=NOW
    )


def test_a_new_caller_gets_a_contact_a_lead_and_an_interaction(
    session: Session, ws: Workspace
) -> None:
    captured = _capture(
        session,
        ws,
        first_name="Dana",
        last_name="Smith",
        phones=("555-201-3344",),
        description="Kitchen faucet drips, wants it fixed this week",
        estimated_value=Decimal("350"),
        owner=STAFF,
    )
    assert captured.contact_existed is False
    assert captured.notice_text == (
        "New inquiry from Dana Smith — Leaky faucet at 123 Main. Phone: (555) 201-3344. "
        f"They came in via phone call. {ASK}"
    )
    assert captured.link_text == "Added Dana Smith as a new contact."
    contact = session.get(Contact, captured.contact.contact_id)
    assert contact is not None
    assert contact.phones == ["+15552013344"]
    assert contact.lifecycle_stage == LifecycleStage.prospect
    lead = session.get(Lead, captured.lead.lead_id)
    assert lead is not None
    assert lead.contact_id == contact.contact_id
    assert (lead.status, lead.pipeline_stage, lead.source) == (
        LeadStatus.new,
        PipelineStage.inquiry,
        LeadSource.phone_call,
    )
    assert lead.title == "Leaky faucet at 123 Main"
    assert lead.estimated_value == Decimal("350.00")
    assert lead.owner == STAFF
    assert lead.created_at == NOW
    interaction = session.get(Interaction, captured.interaction.interaction_id)
    assert interaction is not None
    assert interaction.type == InteractionType.phone_call
    assert (interaction.contact_id, interaction.lead_id) == (contact.contact_id, lead.lead_id)
    assert interaction.body == "Kitchen faucet drips, wants it fixed this week"
    assert interaction.timestamp == NOW
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["create_contact", "create_lead", "log_interaction"]


def test_an_inquiry_from_a_known_phone_reuses_the_contact(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])
    contacts_before = count_rows(session, Contact)
    captured = _capture(
        session,
        ws,
        first_name="Dana",
        phones=("+1 555 201 3344",),
        emails=("Dana@Example.com",),
        address="123 Main St",
        title="Water heater",
    )
    assert captured.contact_existed is True
    assert captured.contact is dana
    assert count_rows(session, Contact) == contacts_before
    assert captured.link_text == "Linked to the existing contact Dana Smith."
    assert captured.notice_text.startswith("New inquiry from Dana Smith — Water heater. ")
    assert dana.emails == ["dana@example.com"]  # filled in
    assert dana.address == "123 Main St"
    assert dana.notes is None  # "Dana" is the name on file, nothing to note
    assert captured.lead.contact_id == dana.contact_id
    assert captured.interaction.contact_id == dana.contact_id
    assert count_rows(session, Lead) == 1


def test_a_known_email_in_another_case_reuses_the_contact(session: Session, ws: Workspace) -> None:
    lee = make_contact(session, TEAM, "Lee", "Park", emails=["lee@example.com"], address="1 Elm")
    captured = _capture(
        session,
        ws,
        first_name="Lee",
        last_name="Parks",  # the same person, fuzzily (rapidfuzz 94 >= 90): linked
        emails=("LEE@EXAMPLE.COM",),
        address="9 Oak",
        source="email",
    )
    assert captured.contact is lee and captured.contact_existed is True
    assert captured.question is None
    assert lee.address == "1 Elm"  # a filled address is kept
    assert lee.full_name == "Lee Park"
    assert lee.notes == "Also given the name: Lee Parks"


def test_best_match_is_linked_and_other_contacts_points_are_not_copied(
    session: Session, ws: Workspace
) -> None:
    by_phone = make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])
    make_contact(session, TEAM, "Dee", "Jones", emails=["dee@example.com"])
    captured = _capture(
        session, ws, phones=("555-201-3344",), emails=("dee@example.com",), first_name="Dana"
    )
    assert captured.contact is by_phone
    assert by_phone.emails == []


def test_an_archived_contact_comes_back(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM, phones=["+15552013344"], archived=True)
    captured = _capture(session, ws, phones=("5552013344",))
    assert captured.contact is dana and dana.archived is False


def test_email_inquiry_without_a_name_or_phone(session: Session, ws: Workspace) -> None:
    captured = _capture(
        session,
        ws,
        emails=("Dana.Smith@Example.com",),
        source=LeadSource.email,
        title="Quote for a deck",
        description="Hi, could you quote a 12x16 deck?",
    )
    assert captured.contact.first_name == "dana.smith"
    assert captured.interaction.type == InteractionType.email_inbound
    assert captured.notice_text == (
        "New inquiry from dana.smith — Quote for a deck. Email: dana.smith@example.com. "
        f"They came in via email. {ASK}"
    )


def test_nothing_known_about_the_caller(session: Session, ws: Workspace) -> None:
    captured = _capture(session, ws)
    assert captured.contact.full_name == "Unknown caller"
    assert captured.interaction.body == "Leaky faucet at 123 Main"
    assert "No phone or email on file." in captured.notice_text


def test_only_a_last_name(session: Session, ws: Workspace) -> None:
    captured = _capture(session, ws, last_name="Okafor")
    assert (captured.contact.first_name, captured.contact.last_name) == ("Okafor", None)


@pytest.mark.parametrize(
    ("source", "words", "interaction_type", "subject"),
    [
        ("phone_call", "phone call", InteractionType.phone_call, "New inquiry"),
        ("email", "email", InteractionType.email_inbound, "New inquiry"),
        ("web form", "web form", InteractionType.note, "Web form"),
        ("referral", "referral", InteractionType.note, "New inquiry"),
        ("ad", "ad", InteractionType.note, "New inquiry"),
        ("other", "other", InteractionType.note, "New inquiry"),
    ],
)
def test_source_sets_the_interaction_and_the_wording(
    session: Session,
    ws: Workspace,
    source: str,
    words: str,
    interaction_type: InteractionType,
    subject: str,
) -> None:
    captured = _capture(session, ws, first_name="Dana", phones=("555-201-3344",), source=source)
    assert captured.interaction.type == interaction_type
    assert captured.interaction.subject == subject
    assert f"They came in via {words}. " in captured.notice_text


def test_interaction_type_can_be_given(session: Session, ws: Workspace) -> None:
    captured = _capture(session, ws, source="referral", interaction_type="meeting")
    assert captured.interaction.type == InteractionType.meeting


def test_received_at_dates_the_lead_and_the_interaction(session: Session, ws: Workspace) -> None:
    earlier = NOW - timedelta(hours=20)
    captured = _capture(session, ws, received_at=earlier)
    assert captured.lead.created_at == earlier
    assert captured.interaction.timestamp == earlier
    later = _capture(session, ws, received_at=NOW + timedelta(days=2))
    assert later.interaction.timestamp == NOW


def test_quotes_and_emoji_everywhere(session: Session, ws: Workspace) -> None:
    captured = _capture(
        session,
        ws,
        first_name="Zoë 🔧",
        last_name="O'Brien",
        title='Fix "the" sink 🚰',
        description='It\'s leaking 💧 "badly"',
        address="12 O'Connell St 🏠",
    )
    assert captured.notice_text.startswith('New inquiry from Zoë 🔧 O\'Brien — Fix "the" sink 🚰. ')
    assert session.get(Interaction, captured.interaction.interaction_id).body == (  # type: ignore[union-attr]
        'It\'s leaking 💧 "badly"'
    )


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"source": "carrier pigeon"}, InvalidInput, "source"),
        ({"source": ""}, InvalidInput, "source"),
        ({"title": "  "}, InvalidInput, "title"),
        ({"title": "t" * 201}, InvalidInput, "title"),
        ({"description": "d" * 10_001}, InvalidInput, "description"),
        ({"phones": ("555-1",)}, InvalidPhone, "phone"),
        ({"emails": ("dana@@example",)}, InvalidEmail, "email"),
        ({"estimated_value": Decimal("-5")}, InvalidInput, "estimated_value"),
        ({"estimated_value": "lots"}, InvalidInput, "estimated_value"),
        ({"received_at": datetime(2026, 3, 2, 9, 0)}, InvalidInput, "received_at"),
        ({"interaction_type": "telegram"}, InvalidInput, "interaction_type"),
        ({"first_name": "n" * 201}, InvalidInput, "first_name"),
        ({"address": "a" * 501}, InvalidInput, "address"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(
    session: Session, ws: Workspace, fields: dict[str, Any], error: type[Exception], field: str
) -> None:
    make_contact(session, TEAM, phones=["+15552013344"])
    before = row_counts(session, *WRITTEN)
    with pytest.raises(error) as raised:
        _capture(session, ws, **{"phones": ("555-201-3344",), **fields})
    assert getattr(raised.value, "field", None) == field
    assert row_counts(session, *WRITTEN) == before


def test_unknown_source_names_the_choices(session: Session, ws: Workspace) -> None:
    with pytest.raises(InvalidInput, match="phone_call, email, web_form, referral, ad, other"):
        _capture(session, ws, source="fax")


def test_quick_lead_from_one_line(session: Session, ws: Workspace) -> None:
    captured = capture_quick_lead(
        session=session,
        workspace=ws,
        actor=STAFF,
        text="Dana Smith, 555-201-3344, leaky faucet at 123 Main via phone $350",
        now=NOW,
    )
    assert captured.contact.full_name == "Dana Smith"
    assert captured.contact.phones == ["+15552013344"]
    assert captured.contact.address == "123 Main"
    assert captured.lead.title == "leaky faucet at 123 Main"
    assert captured.lead.estimated_value == Decimal("350.00")
    assert captured.lead.source == LeadSource.phone_call
    assert captured.notice_text == (
        "New inquiry from Dana Smith — leaky faucet at 123 Main. Phone: (555) 201-3344. "
        f"They came in via phone call. {ASK}"
    )


def test_quick_lead_links_a_known_caller(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])
    captured = capture_quick_lead(
        session=session,
        workspace=ws,
        actor=STAFF,
        text="Dana S, (555) 201-3344, new water heater via web",
        now=NOW,
    )
    assert captured.contact is dana and captured.contact_existed is True
    assert captured.lead.source == LeadSource.web_form
    assert count_rows(session, Contact) == 1


def test_quick_lead_bad_text_writes_nothing(session: Session, ws: Workspace) -> None:
    before = row_counts(session, *WRITTEN)
    with pytest.raises(InvalidInput):
        capture_quick_lead(session=session, workspace=ws, actor=STAFF, text="   ", now=NOW)
    assert row_counts(session, *WRITTEN) == before


def test_a_quick_capture_with_only_an_email_and_no_via_claims_no_channel(
    session: Session, ws: Workspace
) -> None:
    captured = capture_quick_lead(
        session=session,
        workspace=ws,
        actor="U1",
        text="Dana Smith, dana@example.com, deck",
        now=NOW,
    )
    assert captured.notice_text == (
        f"New inquiry from Dana Smith — deck. Email: dana@example.com. {ASK}"
    )
    both = capture_quick_lead(
        session=session,
        workspace=ws,
        actor="U1",
        text="Sam Lee, 555-201-7777, sam@example.com, gutters via referral",
        now=NOW,
    )
    assert both.notice_text == (
        "New inquiry from Sam Lee — gutters. Phone: (555) 201-7777. Email: sam@example.com. "
        f"They came in via referral. {ASK}"
    )

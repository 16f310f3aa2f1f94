"""Contacts: "Add a new customer" with hard stop 3 (no duplicates), merge, update, archive, card."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.common.enums import InteractionType, LeadStatus, LifecycleStage, PreferredChannel
from core.contacts.archiving import archive_contact
from core.contacts.edits import update_contact
from core.contacts.history import contact_card, get_contact
from core.contacts.input import ContactInput, validate_contact_input
from core.contacts.matching import find_matching_contacts
from core.contacts.merges import merge_contacts
from core.contacts.service import DuplicateDecision, add_customer
from core.errors import (
    DuplicateContact,
    InvalidEmail,
    InvalidInput,
    InvalidPhone,
    InvalidTransition,
    NotFound,
)
from core.models import (
    AuditEntry,
    Company,
    Contact,
    ContactPoint,
    Draft,
    Interaction,
    Lead,
    Opportunity,
    Reminder,
    Workspace,
    new_id,
)
from core.workspaces.service import ensure_workspace
from tests.conftest import OWNER, STAFF, TEAM
from tests.core.factories import (
    audit_actions,
    count_rows,
    count_statements,
    make_company,
    make_contact,
    make_interaction,
    make_lead,
    make_opportunity,
    make_reminder,
    row_counts,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 in New York
ASK = "Want to log any notes or open a lead for them?"
WRITTEN = (Contact, ContactPoint, Company, AuditEntry, Lead, Interaction)


# --------------------------------------------------------------------------- adding


def test_add_customer_creates_a_prospect_and_confirms(session: Session, ws: Workspace) -> None:
    added = add_customer(
        session=session,
        workspace=ws,
        actor=STAFF,
        data=ContactInput(
            first_name=" Dana ",
            last_name="Smith",
            phones=("555-201-3344",),
            emails=("Dana@Example.COM",),
            address="123 Main St",
            preferred_channel="SMS",
            tags=("plumbing", "Plumbing", " "),
            notes="Gate code 4411",
        ),
    )
    assert added.created is True and added.decision is None
    assert added.confirmation_text == (
        "Added: Dana Smith, (555) 201-3344. I've noted them as a new prospect. " + ASK
    )
    contact = session.get(Contact, added.contact.contact_id)
    assert contact is not None
    assert (contact.first_name, contact.last_name) == ("Dana", "Smith")
    assert contact.phones == ["+15552013344"]
    assert contact.emails == ["dana@example.com"]
    assert contact.lifecycle_stage == LifecycleStage.prospect
    assert contact.preferred_channel == PreferredChannel.sms
    assert contact.tags == ["plumbing"]
    assert contact.notes == "Gate code 4411"
    assert audit_actions(session, contact.contact_id) == ["create_contact"]


def test_confirmation_without_a_phone(session: Session, ws: Workspace) -> None:
    by_email = add_customer(
        session=session,
        workspace=ws,
        actor=STAFF,
        data=ContactInput(first_name="Lee", emails=("lee@example.com",)),
    )
    assert by_email.confirmation_text == (
        f"Added: Lee, lee@example.com. I've noted them as a new prospect. {ASK}"
    )
    bare = add_customer(
        session=session, workspace=ws, actor=STAFF, data=ContactInput(first_name="Sam")
    )
    assert bare.confirmation_text == (
        f"Added: Sam, no phone on file. I've noted them as a new prospect. {ASK}"
    )


def test_foreign_phone_is_shown_internationally(session: Session, ws: Workspace) -> None:
    added = add_customer(
        session=session,
        workspace=ws,
        actor=STAFF,
        data=ContactInput(first_name="Ada", phones=("+44 20 7946 0958",)),
    )
    assert added.confirmation_text.startswith("Added: Ada, +44 20 7946 0958. ")


def test_heard_about_a_source_is_tagged_and_noted(session: Session, ws: Workspace) -> None:
    added = add_customer(
        session=session,
        workspace=ws,
        actor=STAFF,
        data=ContactInput(first_name="Dana", notes="Has a dog", heard_about="Google ads"),
    )
    assert added.contact.tags == ["heard_about:ad"]
    assert added.contact.notes == "Has a dog\n\nHeard about us: Google ads"

    free = add_customer(
        session=session,
        workspace=ws,
        actor=STAFF,
        data=ContactInput(first_name="Kim", heard_about="my neighbour Bob"),
    )
    assert free.contact.tags == []
    assert free.contact.notes == "Heard about us: my neighbour Bob"


def test_company_is_found_by_name_ignoring_case(session: Session, ws: Workspace) -> None:
    first = add_customer(
        session=session,
        workspace=ws,
        actor=STAFF,
        data=ContactInput(first_name="Ann", company_name="Acme Rentals"),
    )
    second = add_customer(
        session=session,
        workspace=ws,
        actor=STAFF,
        data=ContactInput(first_name="Bo", company_name="ACME rentals"),
    )
    assert first.contact.company_id is not None
    assert first.contact.company_id == second.contact.company_id
    assert count_rows(session, Company) == 1
    company = session.get(Company, first.contact.company_id)
    assert company is not None and company.primary_contact_id == first.contact.contact_id


def test_quotes_and_emoji_in_every_field_are_kept(session: Session, ws: Workspace) -> None:
    added = add_customer(
        session=session,
        workspace=ws,
        actor=STAFF,
        data=ContactInput(
            first_name="Zoë 🔧",
            last_name='O\'Brien "Jr"',
            address='12 "Old" Mill Rd 🏠',
            tags=("VIP ⭐", "it's"),
            notes='Says "hi" 👋; don\'t call after 6',
            heard_about="a flyer 📄",
            company_name="O'Brien & Sons 🔨",
        ),
    )
    contact = session.get(Contact, added.contact.contact_id)
    assert contact is not None
    assert contact.full_name == 'Zoë 🔧 O\'Brien "Jr"'
    assert contact.address == '12 "Old" Mill Rd 🏠'
    assert contact.tags == ["VIP ⭐", "it's"]
    assert contact.notes == 'Says "hi" 👋; don\'t call after 6\n\nHeard about us: a flyer 📄'
    assert session.scalar(select(Company.name)) == "O'Brien & Sons 🔨"


@pytest.mark.parametrize(
    ("data", "error", "field"),
    [
        (ContactInput(first_name="Dana", phones=("555-1",)), InvalidPhone, "phone"),
        (ContactInput(first_name="Dana", emails=("dana@",)), InvalidEmail, "email"),
        (
            ContactInput(first_name="Dana", preferred_channel="fax"),
            InvalidInput,
            "preferred_channel",
        ),
        (ContactInput(first_name="   "), InvalidInput, "first_name"),
        (ContactInput(first_name="D" * 201), InvalidInput, "first_name"),
        (ContactInput(first_name="Dana", last_name="S" * 201), InvalidInput, "last_name"),
        (ContactInput(first_name="Dana", address="A" * 501), InvalidInput, "address"),
        (ContactInput(first_name="Dana", notes="x" * 10_001), InvalidInput, "notes"),
        (
            ContactInput(first_name="Dana", notes="x" * 10_000, heard_about="ad"),
            InvalidInput,
            "notes",
        ),
        (ContactInput(first_name="Dana", tags=("t" * 101,)), InvalidInput, "tags"),
        (ContactInput(first_name="Dana", company_name="C" * 201), InvalidInput, "company_name"),
        (ContactInput(first_name="Da\x00na"), InvalidInput, "first_name"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    session: Session, ws: Workspace, data: ContactInput, error: type[Exception], field: str
) -> None:
    before = row_counts(session, *WRITTEN)
    with pytest.raises(error) as raised:
        add_customer(session=session, workspace=ws, actor=STAFF, data=data)
    assert getattr(raised.value, "field", None) == field
    assert row_counts(session, *WRITTEN) == before


def test_unknown_channel_names_the_choices() -> None:
    with pytest.raises(InvalidInput, match="Choose one of: phone, email, sms"):
        validate_contact_input(
            ContactInput(first_name="Dana", preferred_channel="fax"), region="US"
        )


def test_validation_is_pure_and_normalizes() -> None:
    checked = validate_contact_input(
        ContactInput(
            first_name="Dana",
            phones=("(555) 201-3344", "+1 555 201 3344", "555.201.9999"),
            emails=("DANA@example.com", "dana@example.com"),
            preferred_channel="Phone",
        ),
        region="US",
    )
    assert checked.phones == ("+15552013344", "+15552019999")
    assert checked.emails == ("dana@example.com",)
    assert checked.preferred_channel == PreferredChannel.phone


# --------------------------------------------------------------------------- hard stop 3


def _dana(session: Session, **fields: Any) -> Contact:
    fields.setdefault("phones", ["+15552013344"])
    fields.setdefault("emails", ["dana@example.com"])
    return make_contact(session, TEAM, "Dana", "Smith", **fields)


@pytest.mark.parametrize(
    ("phones", "emails", "matched"),
    [
        (("+1 555 201 3344",), (), ["+15552013344"]),
        (("555.201.3344",), (), ["+15552013344"]),
        ((), ("DANA@Example.com",), ["dana@example.com"]),
        (("(555) 201-3344",), (" dana@EXAMPLE.com ",), ["+15552013344", "dana@example.com"]),
    ],
)
def test_a_matching_phone_or_email_is_refused_with_the_match_and_nothing_written(
    session: Session,
    ws: Workspace,
    phones: tuple[str, ...],
    emails: tuple[str, ...],
    matched: list[str],
) -> None:
    dana = _dana(session)
    before = row_counts(session, *WRITTEN)
    with pytest.raises(DuplicateContact) as raised:
        add_customer(
            session=session,
            workspace=ws,
            actor=STAFF,
            data=ContactInput(first_name="Dana", last_name="Smyth", phones=phones, emails=emails),
        )
    refusal = raised.value
    assert [(m.contact_id, m.name) for m in refusal.matches] == [(dana.contact_id, "Dana Smith")]
    assert sorted(refusal.matches[0].matched_on) == matched
    assert refusal.proposed["last_name"] == "Smyth"
    assert json.loads(json.dumps(refusal.proposed)) == refusal.proposed
    assert row_counts(session, *WRITTEN) == before


def test_an_archived_contact_still_counts_as_a_match(session: Session, ws: Workspace) -> None:
    _dana(session, archived=True)
    with pytest.raises(DuplicateContact):
        add_customer(
            session=session,
            workspace=ws,
            actor=STAFF,
            data=ContactInput(first_name="Dana", phones=("555-201-3344",)),
        )


def test_a_match_in_another_workspace_does_not_count(session: Session, ws: Workspace) -> None:
    ensure_workspace(session, "T0OTHER")
    make_contact(session, "T0OTHER", phones=["+15552013344"])
    added = add_customer(
        session=session,
        workspace=ws,
        actor=STAFF,
        data=ContactInput(first_name="Dana", phones=("555-201-3344",)),
    )
    assert added.created is True


def test_create_separate_after_the_refusal(session: Session, ws: Workspace) -> None:
    dana = _dana(session)
    data = ContactInput(first_name="Dana", last_name="Smith", phones=("(555) 201-3344",))
    with pytest.raises(DuplicateContact) as raised:
        add_customer(session=session, workspace=ws, actor=STAFF, data=data)
    again = ContactInput.from_proposed(raised.value.proposed)
    added = add_customer(
        session=session,
        workspace=ws,
        actor=OWNER,
        data=again,
        decision=DuplicateDecision.create_separate,
    )
    assert added.created is True and added.decision == DuplicateDecision.create_separate
    assert added.contact.contact_id != dana.contact_id
    assert added.contact.phones == ["+15552013344"]
    assert count_rows(session, Contact) == 2
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_id == added.contact.contact_id)
    ).one()
    assert entry.action == "create_contact_despite_duplicate"
    assert entry.actor == OWNER
    assert entry.after is not None
    assert entry.after["duplicate_acknowledged_by"] == OWNER
    assert entry.after["duplicate_of"] == [dana.contact_id]


def test_use_existing_returns_the_match_unchanged(session: Session, ws: Workspace) -> None:
    dana = _dana(session, address="1 Elm St")
    before = row_counts(session, *WRITTEN)
    added = add_customer(
        session=session,
        workspace=ws,
        actor=STAFF,
        data=ContactInput(first_name="D", phones=("555-201-3344",), address="9 Oak Ave"),
        decision="use_existing",
        match_contact_id=dana.contact_id,
    )
    assert added.contact is dana and added.created is False
    assert added.decision == DuplicateDecision.use_existing
    assert dana.address == "1 Elm St" and dana.first_name == "Dana"
    assert added.confirmation_text == (
        f"Using the existing contact: Dana Smith, (555) 201-3344. Nothing was changed. {ASK}"
    )
    assert row_counts(session, *WRITTEN) == before


def test_a_decision_for_a_contact_that_is_not_a_match_repeats_the_refusal(
    session: Session, ws: Workspace
) -> None:
    _dana(session)
    stranger = make_contact(session, TEAM, "Pat", "Lee", phones=["+15559990000"])
    before = row_counts(session, *WRITTEN)
    for decision in (DuplicateDecision.use_existing, DuplicateDecision.merge):
        with pytest.raises(DuplicateContact):
            add_customer(
                session=session,
                workspace=ws,
                actor=STAFF,
                data=ContactInput(first_name="Dana", phones=("555-201-3344",)),
                decision=decision,
                match_contact_id=stranger.contact_id,
            )
    assert row_counts(session, *WRITTEN) == before


def test_two_matches_need_the_chosen_one(session: Session, ws: Workspace) -> None:
    _dana(session, emails=[])
    make_contact(session, TEAM, "Dee", "Smith", emails=["dana@example.com"])
    with pytest.raises(DuplicateContact) as raised:
        add_customer(
            session=session,
            workspace=ws,
            actor=STAFF,
            data=ContactInput(
                first_name="Dana", phones=("555-201-3344",), emails=("dana@example.com",)
            ),
            decision=DuplicateDecision.merge,
        )
    assert len(raised.value.matches) == 2


def test_unknown_decision_is_refused(session: Session, ws: Workspace) -> None:
    _dana(session)
    with pytest.raises(InvalidInput, match="use_existing, merge, create_separate"):
        add_customer(
            session=session,
            workspace=ws,
            actor=STAFF,
            data=ContactInput(first_name="Dana", phones=("555-201-3344",)),
            decision="overwrite",
        )


def test_merge_fills_blanks_and_keeps_existing_values(session: Session, ws: Workspace) -> None:
    dana = make_contact(
        session, TEAM, "Dana", None, phones=["+15552013344"], address="1 Elm St", tags=["vip"]
    )
    dana.notes = "Old note"
    added = add_customer(
        session=session,
        workspace=ws,
        actor=STAFF,
        data=ContactInput(
            first_name="dana",
            last_name="Smith",
            phones=("555-201-3344", "555-201-9999"),
            emails=("dana@example.com",),
            address="9 Oak Ave",
            preferred_channel="email",
            tags=("VIP", "plumbing"),
            notes="Wants a quote",
            heard_about="referral",
        ),
        decision=DuplicateDecision.merge,
    )
    assert added.created is False and added.contact is dana
    assert added.confirmation_text == (
        "Updated: Dana Smith, (555) 201-3344. I've added the new details to their existing "
        f"record. {ASK}"
    )
    assert dana.last_name == "Smith"
    assert dana.address == "1 Elm St"
    assert dana.phones == ["+15552013344", "+15552019999"]
    assert dana.emails == ["dana@example.com"]
    assert dana.preferred_channel == PreferredChannel.email
    assert dana.tags == ["vip", "plumbing", "heard_about:referral"]
    assert dana.notes == (
        "Old note\n\nAnother address given: 9 Oak Ave\n\nWants a quote\n\nHeard about us: referral"
    )
    assert count_rows(session, Contact) == 1
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "merge_details")).one()
    assert entry.before is not None and entry.before["address"] == "1 Elm St"
    assert entry.before["last_name"] is None


def test_merge_never_overwrites_a_different_name(session: Session, ws: Workspace) -> None:
    dana = _dana(session)
    add_customer(
        session=session,
        workspace=ws,
        actor=STAFF,
        data=ContactInput(first_name="Danielle", last_name="Smythe", phones=("5552013344",)),
        decision=DuplicateDecision.merge,
    )
    assert dana.full_name == "Dana Smith"
    assert dana.notes == "Also given the name: Danielle Smythe"


def test_merge_refuses_notes_that_would_overflow(session: Session, ws: Workspace) -> None:
    dana = _dana(session)
    dana.notes = "n" * 9_990
    session.flush()
    before = row_counts(session, *WRITTEN)
    with pytest.raises(InvalidInput) as raised:
        add_customer(
            session=session,
            workspace=ws,
            actor=STAFF,
            data=ContactInput(
                first_name="Dana",
                phones=("555-201-3344",),
                emails=("new@example.com",),
                notes="x" * 50,
            ),
            decision=DuplicateDecision.merge,
        )
    assert raised.value.field == "notes"
    session.refresh(dana)
    assert dana.emails == ["dana@example.com"]
    assert row_counts(session, *WRITTEN) == before


# --------------------------------------------------------------------------- merging contacts


def _history(session: Session, contact: Contact) -> dict[str, int]:
    counts = {}
    for model in (Lead, Interaction, Opportunity, Draft, Reminder):
        counts[model.__name__] = int(
            session.scalar(
                select(func.count())
                .select_from(model)
                .where(model.contact_id == contact.contact_id)
            )
            or 0
        )
    return counts


def _give_history(session: Session, contact: Contact, leads: int) -> None:
    for number in range(leads):
        lead = make_lead(session, TEAM, contact, title=f"Job {number}")
        make_interaction(session, TEAM, lead=lead)
    make_interaction(session, TEAM, contact=contact)
    make_opportunity(session, TEAM, contact=contact)
    make_reminder(session, TEAM, date(2026, 6, 1), contact=contact)
    session.add(
        Draft(
            draft_id=new_id("dr"),
            workspace_id=TEAM,
            contact_id=contact.contact_id,
            channel="email",
            body="Hi",
        )
    )
    session.flush()


def test_merge_moves_history_and_keeps_the_other_archived(session: Session, ws: Workspace) -> None:
    survivor = make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])
    other = make_contact(
        session,
        TEAM,
        "Dana",
        "Smyth",
        phones=["+15552019999"],
        emails=["dana@example.com"],
        address="1 Elm St",
        lifecycle_stage=LifecycleStage.customer,
        tags=["vip"],
        notes="Prefers mornings",
    )
    _give_history(session, survivor, leads=1)
    _give_history(session, other, leads=2)
    assert _history(session, survivor) == {
        "Lead": 1,
        "Interaction": 2,
        "Opportunity": 1,
        "Draft": 1,
        "Reminder": 1,
    }
    assert _history(session, other) == {
        "Lead": 2,
        "Interaction": 3,
        "Opportunity": 1,
        "Draft": 1,
        "Reminder": 1,
    }
    totals = row_counts(session, *WRITTEN)

    kept = merge_contacts(
        session=session,
        workspace=ws,
        actor=OWNER,
        survivor_id=survivor.contact_id,
        other_id=other.contact_id,
    )
    assert kept is survivor
    assert _history(session, survivor) == {
        "Lead": 3,
        "Interaction": 6,  # 2 + 3 moved + the merge's own `system` note
        "Opportunity": 2,
        "Draft": 2,
        "Reminder": 2,
    }
    assert _history(session, other) == {
        "Lead": 0,
        "Interaction": 0,
        "Opportunity": 0,
        "Draft": 0,
        "Reminder": 0,
    }
    session.refresh(other)
    assert other.archived is True
    assert other.merged_into_contact_id == survivor.contact_id
    assert other.phones == ["+15552019999"]  # the merged record keeps its own details
    assert survivor.phones == ["+15552013344", "+15552019999"]
    assert survivor.emails == ["dana@example.com"]
    assert survivor.address == "1 Elm St"
    assert survivor.lifecycle_stage == LifecycleStage.customer
    assert survivor.tags == ["vip"]
    assert (
        survivor.notes == f"From merged contact Dana Smyth ({other.contact_id}):\nPrefers mornings"
    )
    after = row_counts(session, *WRITTEN)
    assert after["contacts"] == totals["contacts"]  # nothing deleted
    assert after["leads"] == totals["leads"]
    assert after["interactions"] == totals["interactions"] + 1  # only the merge note is new
    assert audit_actions(session, survivor.contact_id) == ["merge_contacts"]
    assert audit_actions(session, other.contact_id) == ["merged_into"]
    # The other's phone now finds the survivor, and its id leads there too.
    matches = find_matching_contacts(session, workspace_id=TEAM, phones=["+15552019999"])
    assert [m.contact.contact_id for m in matches] == [survivor.contact_id]
    assert get_contact(session, workspace=ws, contact_id=other.contact_id) is survivor
    moved = session.scalars(select(Lead).where(Lead.title == "Job 1")).one()
    assert moved.contact is survivor


def test_merging_again_repoints_earlier_merges(session: Session, ws: Workspace) -> None:
    a = make_contact(session, TEAM, "A")
    b = make_contact(session, TEAM, "B")
    c = make_contact(session, TEAM, "C")
    merge_contacts(
        session=session, workspace=ws, actor=OWNER, survivor_id=b.contact_id, other_id=a.contact_id
    )
    merge_contacts(
        session=session, workspace=ws, actor=OWNER, survivor_id=c.contact_id, other_id=b.contact_id
    )
    session.refresh(a)
    assert a.merged_into_contact_id == c.contact_id
    assert get_contact(session, workspace=ws, contact_id=a.contact_id) is c


def test_merge_refusals(session: Session, ws: Workspace) -> None:
    a = make_contact(session, TEAM, "A")
    b = make_contact(session, TEAM, "B")
    c = make_contact(session, TEAM, "C")
    archived = make_contact(session, TEAM, "Z", archived=True)
    ensure_workspace(session, "T0OTHER")
    foreign = make_contact(session, "T0OTHER", "F")
    with pytest.raises(InvalidInput, match="itself"):
        merge_contacts(
            session=session,
            workspace=ws,
            actor=OWNER,
            survivor_id=a.contact_id,
            other_id=a.contact_id,
        )
    with pytest.raises(NotFound):
        merge_contacts(
            session=session,
            workspace=ws,
            actor=OWNER,
            survivor_id=a.contact_id,
            other_id=foreign.contact_id,
        )
    with pytest.raises(NotFound):
        merge_contacts(
            session=session,
            workspace=ws,
            actor=OWNER,
            survivor_id=foreign.contact_id,
            other_id=a.contact_id,
        )
    with pytest.raises(InvalidTransition, match="archived"):
        merge_contacts(
            session=session,
            workspace=ws,
            actor=OWNER,
            survivor_id=archived.contact_id,
            other_id=a.contact_id,
        )
    merge_contacts(
        session=session, workspace=ws, actor=OWNER, survivor_id=b.contact_id, other_id=a.contact_id
    )
    before = row_counts(session, *WRITTEN)
    with pytest.raises(InvalidTransition, match="already merged"):
        merge_contacts(
            session=session,
            workspace=ws,
            actor=OWNER,
            survivor_id=c.contact_id,
            other_id=a.contact_id,
        )
    with pytest.raises(InvalidTransition, match="already merged"):
        merge_contacts(
            session=session,
            workspace=ws,
            actor=OWNER,
            survivor_id=a.contact_id,
            other_id=c.contact_id,
        )
    assert row_counts(session, *WRITTEN) == before
    session.refresh(foreign)
    assert foreign.merged_into_contact_id is None and foreign.archived is False


# --------------------------------------------------------------------------- update, archive, get


def test_update_changes_only_what_is_given(session: Session, ws: Workspace) -> None:
    dana = _dana(session, address="1 Elm St", tags=["vip"])
    update_contact(
        session=session,
        workspace=ws,
        actor=STAFF,
        contact_id=dana.contact_id,
        last_name="Smith-Jones",
        phones_to_add=["(555) 201-9999", "555-201-3344"],
        emails_to_add=["DJ@Example.com"],
        preferred_channel="phone",
    )
    assert dana.full_name == "Dana Smith-Jones"
    assert dana.address == "1 Elm St" and dana.tags == ["vip"]
    assert dana.phones == ["+15552013344", "+15552019999"]
    assert dana.emails == ["dana@example.com", "dj@example.com"]
    assert dana.preferred_channel == PreferredChannel.phone
    update_contact(
        session=session,
        workspace=ws,
        actor=STAFF,
        contact_id=dana.contact_id,
        address=None,
        tags=[],
    )
    assert dana.address is None and dana.tags == []
    assert audit_actions(session, dana.contact_id) == ["update_contact", "update_contact"]


def test_update_refuses_another_contacts_phone_unless_allowed(
    session: Session, ws: Workspace
) -> None:
    dana = _dana(session)
    pat = make_contact(session, TEAM, "Pat", "Lee", phones=["+15559990000"])
    before = row_counts(session, *WRITTEN)
    with pytest.raises(DuplicateContact) as raised:
        update_contact(
            session=session,
            workspace=ws,
            actor=STAFF,
            contact_id=pat.contact_id,
            first_name="Patricia",
            phones_to_add=["+1 (555) 201-3344"],
        )
    assert [m.contact_id for m in raised.value.matches] == [dana.contact_id]
    session.refresh(pat)
    assert pat.first_name == "Pat" and pat.phones == ["+15559990000"]
    assert row_counts(session, *WRITTEN) == before
    update_contact(
        session=session,
        workspace=ws,
        actor=STAFF,
        contact_id=pat.contact_id,
        phones_to_add=["+1 (555) 201-3344"],
        allow_duplicate=True,
    )
    assert pat.phones == ["+15559990000", "+15552013344"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"first_name": " "}, "first_name"),
        ({"preferred_channel": "pigeon"}, "preferred_channel"),
        ({"phones_to_add": ["555-1"]}, "phone"),
        ({"emails_to_add": ["nope"]}, "email"),
        ({"notes": "x" * 10_001}, "notes"),
        ({"address": "a" * 501}, "address"),
    ],
)
def test_update_validates(
    session: Session, ws: Workspace, changes: dict[str, Any], field: str
) -> None:
    dana = _dana(session)
    with pytest.raises(InvalidInput) as raised:
        update_contact(
            session=session, workspace=ws, actor=STAFF, contact_id=dana.contact_id, **changes
        )
    assert raised.value.field == field
    session.refresh(dana)
    assert dana.first_name == "Dana" and dana.preferred_channel is None
    assert audit_actions(session, dana.contact_id) == []


def test_archive_keeps_the_record(session: Session, ws: Workspace) -> None:
    dana = _dana(session)
    archive_contact(session=session, workspace=ws, actor=OWNER, contact_id=dana.contact_id)
    archive_contact(session=session, workspace=ws, actor=OWNER, contact_id=dana.contact_id)
    assert get_contact(session, workspace=ws, contact_id=dana.contact_id).archived is True
    assert audit_actions(session, dana.contact_id) == ["archive_contact"]
    assert count_rows(session, Contact) == 1


def test_get_contact_outside_the_workspace_is_not_found(session: Session, ws: Workspace) -> None:
    ensure_workspace(session, "T0OTHER")
    foreign = make_contact(session, "T0OTHER")
    with pytest.raises(NotFound):
        get_contact(session, workspace=ws, contact_id=foreign.contact_id)
    with pytest.raises(NotFound):
        get_contact(session, workspace=ws, contact_id="ct_nope")


# --------------------------------------------------------------------------- the card


def test_contact_card(session: Session, ws: Workspace) -> None:
    company = make_company(session, TEAM, "Acme Rentals")
    dana = _dana(session, company_id=company.company_id)
    open_lead = make_lead(
        session, TEAM, dana, title="Leaky faucet", created_at=NOW - timedelta(days=5)
    )
    newer = make_lead(
        session,
        TEAM,
        dana,
        title="Water heater",
        status=LeadStatus.working,
        created_at=NOW - timedelta(days=1),
    )
    make_lead(session, TEAM, dana, title="Old job", status=LeadStatus.converted)
    make_lead(session, TEAM, dana, title="Tire kicker", status=LeadStatus.disqualified)
    make_interaction(
        session, TEAM, contact=dana, body="First call", timestamp=NOW - timedelta(days=9)
    )
    make_interaction(
        session,
        TEAM,
        lead=open_lead,
        type=InteractionType.phone_call,
        subject="Callback",
        body="Wants a quote   by Friday",
        timestamp=NOW - timedelta(days=3),
    )
    card = contact_card(session, workspace=ws, contact_id=dana.contact_id, now=NOW)
    assert card.contact is dana
    assert card.company_name == "Acme Rentals"
    assert [lead.title for lead in card.open_leads] == ["Water heater", "Leaky faucet"]
    assert newer in card.open_leads
    assert card.last_touchpoint is not None
    assert card.last_touchpoint.type == InteractionType.phone_call
    assert card.last_touchpoint.summary == "Callback: Wants a quote by Friday"
    assert card.last_touchpoint.timestamp == NOW - timedelta(days=3)
    assert card.days_since_last_touch == 3


def test_card_with_no_history(session: Session, ws: Workspace) -> None:
    sam = make_contact(session, TEAM, "Sam", None)
    card = contact_card(session, workspace=ws, contact_id=sam.contact_id, now=NOW)
    assert (card.company_name, card.open_leads, card.last_touchpoint) == (None, [], None)
    assert card.days_since_last_touch is None


def _card_statements(session: Session, ws: Workspace, leads: int) -> int:
    company = make_company(session, TEAM, f"Co {leads}")
    person = make_contact(
        session,
        TEAM,
        "P",
        str(leads),
        phones=[f"+1555201{leads:04d}"],
        company_id=company.company_id,
    )
    for number in range(leads):
        lead = make_lead(session, TEAM, person, title=f"Job {number}")
        make_interaction(session, TEAM, lead=lead, timestamp=NOW - timedelta(hours=number))
    session.flush()
    session.expunge_all()
    with count_statements(session) as seen:
        card = contact_card(session, workspace=ws, contact_id=person.contact_id, now=NOW)
        assert len(card.open_leads) == leads
        assert [lead.contact.full_name for lead in card.open_leads] == [f"P {leads}"] * leads
    return len(seen)


def test_card_is_a_fixed_number_of_statements(session: Session, ws: Workspace) -> None:
    assert _card_statements(session, ws, 1) == _card_statements(session, ws, 40)

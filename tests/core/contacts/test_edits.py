"""Editing a contact (every field, the duplicate question), its company, archive and restore."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.common.enums import CompanyStatus, CompanyType, LifecycleStage, PreferredChannel
from core.contacts.archiving import archive_contact, restore_contact
from core.contacts.companies import update_company
from core.contacts.edits import EDIT_OF, ContactEdit, edit_contact
from core.contacts.merges import merge_contacts
from core.errors import DuplicateContact, InvalidInput, InvalidTransition
from core.models import AuditEntry, Company, Contact, ContactPoint, Workspace
from tests.conftest import STAFF, TEAM
from tests.core.factories import make_contact

DANA = ContactEdit(
    first_name="Dana",
    last_name="Smith-Jones",
    phones=("555-201-9999", "555-201-3344"),
    emails=("DJ@Example.com",),
    address="9 Oak Ave",
    preferred_channel="sms",
    tags=("vip", "Vip", "gate code"),
    notes="Dog in the yard",
    lifecycle_stage="customer",
    company_name="Smith Plumbing LLC",
)


def _dana(session: Session) -> Contact:
    return make_contact(
        session, TEAM, phones=["+15552013344", "+15552010000"], emails=["dana@example.com"]
    )


def _points(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ContactPoint)) or 0)


def test_an_edit_sets_every_field_in_order(session: Session, ws: Workspace) -> None:
    dana = _dana(session)
    edited = edit_contact(
        session=session, workspace=ws, actor=STAFF, contact_id=dana.contact_id, edit=DANA
    )
    assert edited.confirmation_text == "Saved Dana Smith-Jones's details."
    assert dana.full_name == "Dana Smith-Jones"
    assert dana.phones == ["+15552019999", "+15552013344"]  # the dropped one is gone
    assert dana.emails == ["dj@example.com"]
    assert (dana.address, dana.preferred_channel) == ("9 Oak Ave", PreferredChannel.sms)
    assert dana.tags == ["vip", "gate code"] and dana.notes == "Dog in the yard"
    assert dana.lifecycle_stage == LifecycleStage.customer
    company = session.scalars(select(Company).where(Company.company_id == dana.company_id)).one()
    assert company.name == "Smith Plumbing LLC" and company.primary_contact_id == dana.contact_id
    entry = session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity_id == dana.contact_id, AuditEntry.action == "update_contact"
        )
    ).one()
    assert entry.actor == STAFF
    assert entry.before is not None and entry.before["phones"] == ["+15552013344", "+15552010000"]
    assert entry.after is not None and entry.after["phones"] == ["+15552019999", "+15552013344"]
    # The same edit with a blank field clears it; linking an existing company by id.
    edit_contact(
        session=session,
        workspace=ws,
        actor=STAFF,
        contact_id=dana.contact_id,
        edit=ContactEdit(
            first_name="Dana", phones=("555-201-3344",), company_id=company.company_id
        ),
    )
    assert dana.last_name is None and dana.address is None and dana.emails == []
    assert dana.company_id == company.company_id and dana.tags == []


def test_a_bad_field_is_named_and_nothing_is_written(session: Session, ws: Workspace) -> None:
    dana = _dana(session)
    before = _points(session)
    with pytest.raises(InvalidInput) as bad:
        edit_contact(
            session=session,
            workspace=ws,
            actor=STAFF,
            contact_id=dana.contact_id,
            edit=ContactEdit(first_name="Dana", phones=("555-1",), address="1 Elm"),
        )
    assert bad.value.field == "phone"
    with pytest.raises(InvalidInput) as stage:
        edit_contact(
            session=session,
            workspace=ws,
            actor=STAFF,
            contact_id=dana.contact_id,
            edit=ContactEdit(first_name="Dana", lifecycle_stage="famous"),
        )
    assert stage.value.field == "lifecycle_stage"
    assert _points(session) == before and dana.address is None


def test_another_contacts_phone_asks_and_each_answer_does_what_it_says(
    session: Session, ws: Workspace
) -> None:
    dana = _dana(session)
    pat = make_contact(session, TEAM, "Pat", "Lee", phones=["+15559990000"])
    edit = ContactEdit(first_name="Dana", last_name="Lee", phones=("555-201-3344", "555-999-0000"))
    with pytest.raises(DuplicateContact) as asked:
        edit_contact(
            session=session, workspace=ws, actor=STAFF, contact_id=dana.contact_id, edit=edit
        )
    assert [m.contact_id for m in asked.value.matches] == [pat.contact_id]
    assert asked.value.proposed[EDIT_OF] == dana.contact_id
    assert ContactEdit.from_proposed(asked.value.proposed) == edit
    assert dana.last_name == "Smith"  # nothing saved until decided

    kept = edit_contact(
        session=session,
        workspace=ws,
        actor=STAFF,
        contact_id=dana.contact_id,
        edit=edit,
        decision="use_existing",
        match_contact_id=pat.contact_id,
    )
    assert kept.contact.phones == ["+15552013344"] and kept.contact.last_name == "Lee"
    assert pat.phones == ["+15559990000"]

    edit_contact(
        session=session,
        workspace=ws,
        actor=STAFF,
        contact_id=dana.contact_id,
        edit=edit,
        decision="create_separate",
    )
    assert dana.phones == ["+15552013344", "+15559990000"] and pat.merged_into_contact_id is None

    sam = make_contact(session, TEAM, "Sam", None, phones=["+15558880000"])
    merged = edit_contact(
        session=session,
        workspace=ws,
        actor=STAFF,
        contact_id=dana.contact_id,
        edit=ContactEdit(first_name="Dana", phones=("555-201-3344", "555-888-0000")),
        decision="merge",
        match_contact_id=sam.contact_id,
    )
    assert merged.confirmation_text == "Merged Sam into Dana and saved the details."
    session.refresh(sam)
    assert sam.merged_into_contact_id == dana.contact_id
    assert dana.phones == ["+15552013344", "+15558880000"]


def test_archive_and_restore(session: Session, ws: Workspace) -> None:
    dana = _dana(session)
    archive_contact(session=session, workspace=ws, actor=STAFF, contact_id=dana.contact_id)
    assert dana.archived
    restore_contact(session=session, workspace=ws, actor=STAFF, contact_id=dana.contact_id)
    assert not dana.archived
    pat = make_contact(session, TEAM, "Pat")
    merge_contacts(
        session=session,
        workspace=ws,
        actor=STAFF,
        survivor_id=dana.contact_id,
        other_id=pat.contact_id,
    )
    with pytest.raises(InvalidTransition, match="undo the merge"):
        restore_contact(session=session, workspace=ws, actor=STAFF, contact_id=pat.contact_id)
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.entity_id == dana.contact_id)
        .order_by(AuditEntry.id)
    ).all()
    assert actions[:2] == ["archive_contact", "restore_contact"]


def test_company_edit(session: Session, ws: Workspace) -> None:
    dana = _dana(session)
    edit_contact(
        session=session,
        workspace=ws,
        actor=STAFF,
        contact_id=dana.contact_id,
        edit=ContactEdit(first_name="Dana", company_name="Acme"),
    )
    assert dana.company_id is not None
    company = update_company(
        session=session,
        workspace=ws,
        actor=STAFF,
        company_id=dana.company_id,
        name="Acme Plumbing",
        type="business",
        main_phone="(555) 201-0000",
        billing_address="PO Box 7",
        status="active_customer",
    )
    assert (company.name, company.type, company.status) == (
        "Acme Plumbing",
        CompanyType.business,
        CompanyStatus.active_customer,
    )
    assert (company.main_phone, company.billing_address) == ("+15552010000", "PO Box 7")
    with pytest.raises(InvalidInput) as bad:
        update_company(
            session=session,
            workspace=ws,
            actor=STAFF,
            company_id=company.company_id,
            name="Acme",
            type="business",
            main_phone="555-1",
            billing_address=None,
            status="prospect",
        )
    assert bad.value.field == "main_phone" and company.name == "Acme Plumbing"

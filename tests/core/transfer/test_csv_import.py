"""Contacts from a CSV: header mapping, row checks that write nothing, and deduplication."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.common.enums import ContactPointKind, LifecycleStage, PreferredChannel
from core.contacts.matching import ContactMatch, find_matching_contacts
from core.errors import ImportRejected
from core.models import AuditEntry, Company, Contact, ContactPoint, Workspace
from core.platform.audit import snapshot
from core.transfer.csv_import import CsvImportReport, import_contacts_csv
from tests.conftest import TEAM
from tests.core.factories import count_statements

ACTOR = "system:cli"


def run(session: Session, text: str, mapping: dict[str, str] | None = None) -> CsvImportReport:
    workspace = session.get(Workspace, TEAM)
    assert workspace is not None
    return import_contacts_csv(
        session=session, workspace=workspace, actor=ACTOR, text=text, mapping=mapping
    )


def contacts(session: Session) -> list[Contact]:
    return list(
        session.scalars(
            select(Contact).where(Contact.workspace_id == TEAM).order_by(Contact.contact_id)
        )
    )


def by_name(session: Session, first_name: str) -> Contact:
    found = session.scalars(
        select(Contact).where(Contact.workspace_id == TEAM, Contact.first_name == first_name)
    ).one()
    return found


def counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Contact, ContactPoint, Company, AuditEntry)
    )


def add_contact(
    session: Session, contact_id: str, first: str, last: str | None, *points: str, **extra: Any
) -> Contact:
    contact = Contact(
        contact_id=contact_id, workspace_id=TEAM, first_name=first, last_name=last, **extra
    )
    contact.points = [
        ContactPoint(
            workspace_id=TEAM,
            kind=ContactPointKind.phone if value.startswith("+") else ContactPointKind.email,
            value=value,
            position=position,
        )
        for position, value in enumerate(points)
    ]
    session.add(contact)
    session.flush()
    return contact


# ---------------------------------------------------------------- headers


def test_google_contacts_headers_are_recognised(session: Session, workspace_id: str) -> None:
    text = (
        "Given Name,Family Name,Phone 1 - Type,Phone 1 - Value,E-mail 1 - Value,"
        "Group Membership,Birthday\n"
        "Dana,Smith,Mobile,555-201-3344 ::: (555) 201-9999,Dana@Example.com,"
        "* myContacts ::: Plumbing,1990-04-01\n"
    )

    report = run(session, text)

    assert report.ignored_columns == ("Phone 1 - Type", "Birthday")
    dana = by_name(session, "Dana")
    assert dana.last_name == "Smith"
    assert dana.phones == ["+15552013344", "+15552019999"]
    assert dana.emails == ["dana@example.com"]
    assert dana.tags == ["myContacts", "Plumbing"]
    assert dana.lifecycle_stage == LifecycleStage.prospect


def test_plain_headers_in_any_case_with_address_parts_and_tags(
    session: Session, workspace_id: str
) -> None:
    text = (
        "FULL NAME,phone number,Email Address,Street,City,State,Zip,Notes,Tags,Company,"
        "Preferred Channel\n"
        '"Zoë ""Z"" O\'Neil",+1 555 201 0001,zoe@example.com,123 Main St,Springfield,IL,62701,'
        '"Gate code 4411, ""beware of dog"" 🐕","plumbing; VIP, plumbing",Acme,SMS\n'
        '"Smith, Dana",5552010002,,,,,,,,acme,\n'
    )

    report = run(session, text)

    assert report.render() == "Imported contacts: 2 created, 0 merged, 0 skipped."
    zoe = by_name(session, 'Zoë "Z"')
    assert zoe.last_name == "O'Neil"
    assert zoe.address == "123 Main St, Springfield, IL 62701"
    assert zoe.notes == 'Gate code 4411, "beware of dog" 🐕'
    assert zoe.tags == ["plumbing", "VIP"]
    assert zoe.preferred_channel == PreferredChannel.sms
    dana = by_name(session, "Dana")
    assert dana.last_name == "Smith" and dana.phones == ["+15552010002"]
    # "Acme" and "acme" are one company, made once, its primary contact the first row's.
    company = session.scalars(select(Company).where(Company.workspace_id == TEAM)).one()
    assert company.name == "Acme" and company.primary_contact_id == zoe.contact_id
    assert zoe.company_id == dana.company_id == company.company_id


def test_explicit_mapping_overrides_and_ignores(session: Session, workspace_id: str) -> None:
    text = "Who,Cell #,Phone,Remarks\nDana Smith,555-201-3344,not a phone,call after 5\n"

    report = run(session, text, {"who": "name", "Cell #": "phone", "Phone": "ignore"})

    dana = by_name(session, "Dana")
    assert dana.phones == ["+15552013344"]
    assert report.ignored_columns == ("Phone", "Remarks")


def test_mapping_to_an_unknown_field_is_refused(session: Session, workspace_id: str) -> None:
    with pytest.raises(ImportRejected) as caught:
        run(session, "Who,Cell\nDana,555-201-3344\n", {"Cell": "mobile_phone"})

    assert caught.value.row == 1 and caught.value.field == "cell"
    assert "'mobile_phone' is not a contact field; use one of first_name" in caught.value.message


def test_a_file_with_no_name_phone_or_email_column_is_refused(
    session: Session, workspace_id: str
) -> None:
    with pytest.raises(ImportRejected) as caught:
        run(session, "Birthday,Shoe size\n1990-01-01,9\n")

    assert caught.value.message.startswith(
        "row 1: I found no name, phone or email column in the header (Birthday, Shoe size)"
    )


def test_an_empty_file_is_refused(session: Session, workspace_id: str) -> None:
    with pytest.raises(ImportRejected, match="row 1: the file is empty"):
        run(session, "")


# ---------------------------------------------------------------- bad rows write nothing


def _refused(session: Session, text: str) -> ImportRejected:
    before = counts(session)
    with pytest.raises(ImportRejected) as caught:
        run(session, text)
    assert counts(session) == before, "a refused file must write nothing"
    return caught.value


GOOD_ROWS = "Name,Mobile,Email\nDana Smith,555-201-3344,dana@example.com\nLee Park,555-201-5555,\n"


def test_bad_phone_on_row_4_names_the_row_and_column(session: Session, workspace_id: str) -> None:
    error = _refused(session, GOOD_ROWS + "Kim Lee,555-1,kim@example.com\n")

    assert error.row == 4 and error.field == "Mobile"
    assert error.message.startswith("row 4, field 'Mobile': \"555-1\" is not a phone number")


def test_bad_email_names_the_row_and_column(session: Session, workspace_id: str) -> None:
    error = _refused(session, GOOD_ROWS + "Kim Lee,,kim@@example\n")

    assert (error.row, error.field) == (4, "Email")
    assert '"kim@@example" is not an email address' in error.message


def test_unknown_choice_lists_the_allowed_ones(session: Session, workspace_id: str) -> None:
    error = _refused(session, "Name,Preferred channel\nDana,fax\n")

    assert error.message == (
        "row 2, field 'Preferred channel': 'fax' is not a preferred channel. "
        "Choose one of: phone, email, sms."
    )


def test_ten_kilobytes_in_a_notes_column_names_it(session: Session, workspace_id: str) -> None:
    error = _refused(session, "Name,Comments\nDana," + "😀" * 10240 + "\n")

    assert (error.row, error.field) == (2, "Comments")
    assert "10,240 characters is more than the 10,000" in error.message


def test_a_name_over_200_characters_is_refused(session: Session, workspace_id: str) -> None:
    error = _refused(session, "First Name,Last Name\nDana," + "S" * 201 + "\n")

    assert (error.row, error.field) == (2, "Last Name")


# ---------------------------------------------------------------- deduplication


def test_rows_merge_into_existing_contacts_and_earlier_rows(
    session: Session, workspace_id: str
) -> None:
    add_contact(session, "ct_dana", "Dana", "Smith", "+15552013344", address="9 Oak Ave")
    text = (
        "First Name,Last Name,Mobile,E-mail,Service Address,Notes,Birthday\n"
        "Lee,Park,,lee@example.com,48 Elm Rd,,1980\n"  # row 2: new
        "D.,Smith,(555) 201-3344,dana@example.com,1 New St,prefers mornings,\n"  # row 3
        "Lee,P.,555-201-7777,LEE@example.com,,,\n"  # row 4: same email as row 2
        ",,,,,only a note,\n"  # row 5: nothing to know them by
        ",,,,,,\n"  # a blank line: not a row anyone meant
        ",,555-201-7777,,,,\n"  # row 7: the phone row 4 brought in, no name
    )

    report = run(session, text)

    assert report.render() == (
        "Imported contacts: 1 created, 3 merged, 1 skipped.\n"
        "row 3: merged into Dana Smith (same phone +15552013344)\n"
        "row 4: merged into Lee Park (same email lee@example.com as row 2)\n"
        "row 5: skipped (no name, phone or email)\n"
        "row 7: merged into Lee Park (same phone +15552017777 as row 4)\n"
        "Ignored columns: Birthday."
    )
    assert report.created == ((2, "Lee Park"),)
    assert len(contacts(session)) == 2
    dana = by_name(session, "Dana")
    assert dana.phones == ["+15552013344"] and dana.emails == ["dana@example.com"]
    assert dana.address == "9 Oak Ave"  # filled only when missing, never overwritten
    assert dana.notes == "prefers mornings"
    lee = by_name(session, "Lee")
    assert lee.phones == ["+15552017777"] and lee.emails == ["lee@example.com"]
    assert lee.address == "48 Elm Rd"


def test_another_name_on_a_known_phone_is_a_conflict_not_a_merge(
    session: Session, workspace_id: str
) -> None:
    """Issue 8 item 9: a shared phone used to merge Kim into Lee Park and Mary into Dana."""
    add_contact(session, "ct_dana", "Dana", "Smith", "+15552013344", address="9 Oak Ave")
    text = (
        "First Name,Last Name,Mobile,E-mail,Company\n"
        "Lee,Park,555-201-7777,lee@example.com,\n"  # row 2: new
        "Kim,Ng,555-201-7777,kim@example.com,Ng Rentals\n"  # row 3: row 2's phone, another name
        "Mary,Smith,(555) 201-3344,,\n"  # row 4: Dana's phone, the spouse
        "D.,Smith,555-201-3344,dana@example.com,\n"  # row 5: Dana herself, by her initial
    )
    before = counts(session)

    report = run(session, text)

    assert report.render() == (
        "Imported contacts: 1 created, 1 merged, 0 skipped, 2 conflicts not imported.\n"
        "row 3: conflict, not imported (same phone +15552017777 as row 2, which is Lee Park: "
        "another name)\n"
        "row 4: conflict, not imported (same phone +15552013344, which is Dana Smith: "
        "another name)\n"
        "row 5: merged into Dana Smith (same phone +15552013344)"
    )
    assert report.conflicts == (
        (3, "Lee Park", "same phone +15552017777 as row 2"),
        (4, "Dana Smith", "same phone +15552013344"),
    )
    assert sorted(c.full_name for c in contacts(session)) == ["Dana Smith", "Lee Park"]
    lee, dana = by_name(session, "Lee"), by_name(session, "Dana")
    assert lee.emails == ["lee@example.com"] and lee.company_id is None  # nothing of Kim's
    assert dana.emails == ["dana@example.com"] and dana.notes is None  # nothing of Mary's
    # Lee (3 rows: contact, 2 points), Dana's email, no company for the conflicting row.
    assert counts(session)[:3] == (before[0] + 1, before[1] + 3, before[2])


def test_merged_away_contacts_are_not_filled_their_survivor_is(
    session: Session, workspace_id: str
) -> None:
    survivor = add_contact(session, "ct_b", "Robin", "Hale", "+15552013344")
    add_contact(
        session, "ct_a", "Rob", None, "+15552013344", merged_into_contact_id=survivor.contact_id
    )

    report = run(session, "Name,Phone,Email\nR. Hale,555-201-3344,robin@example.com\n")

    assert report.merged == ((2, "Robin Hale", "same phone +15552013344"),)
    assert survivor.emails == ["robin@example.com"]


def test_every_change_is_audited(session: Session, workspace_id: str) -> None:
    add_contact(session, "ct_dana", "Dana", "Smith", "+15552013344")

    run(session, "Name,Phone,Email,Company\nDana,555-201-3344,d@example.com,\nLee,,,Acme\n")

    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.entity_type) for e in entries] == [
        ("import", "contacts"),
        ("merge_import", "contacts"),
        ("create_company", "companies"),
    ]
    merge = entries[1]
    assert merge.actor == ACTOR and merge.entity_id == "ct_dana"
    assert merge.before is not None and merge.before["emails"] == []
    assert merge.after is not None and merge.after["emails"] == ["d@example.com"]


def test_matching_is_one_query_however_many_rows(session: Session, workspace_id: str) -> None:
    def csv_of(rows: int, start: int) -> str:
        lines = [f"Person {n},555-201-{n:04d},p{n}@example.com" for n in range(start, start + rows)]
        return "Name,Phone,Email\n" + "\n".join(lines) + "\n"

    with count_statements(session) as one:
        run(session, csv_of(1, 0))
    with count_statements(session) as many:
        run(session, csv_of(30, 100))

    assert len(contacts(session)) == 31
    assert len(one) == len(many)


def test_the_statements_do_not_grow_with_the_rows(session: Session, workspace_id: str) -> None:
    """Merges into contacts already here, repeats within the file, conflicts and companies:
    the same statements for 90 rows as for 300 (each table's rows go in as one batch). Both
    claim more than `BULK_CLAIM` phones and emails, so both take the one workspace lock."""
    for n in range(300):
        add_contact(session, f"ct_known{n}", f"Known{n}", "Person", f"+1555300{n:04d}")

    def csv_of(rows: int, start: int) -> str:
        lines = []
        for n in range(start, start + rows):
            if n % 3 == 0:  # a contact already here, by phone: merged, gains the email
                lines.append(f"Known{n - start},555-300-{n - start:04d},k{n}@example.com,")
            elif n % 3 == 1:  # new, at a company
                lines.append(f"Person {n},555-201-{n:04d},p{n}@example.com,Firm {n}")
            else:  # the row before's email under another name: a conflict
                lines.append(f"Other {n},,p{n - 1}@example.com,")
        return "Name,Phone,Email,Company\n" + "\n".join(lines) + "\n"

    with count_statements(session) as few:
        small = run(session, csv_of(90, 0))
    with count_statements(session) as many:
        large = run(session, csv_of(300, 1000))

    assert (len(small.created), len(small.merged), len(small.conflicts)) == (30, 30, 30)
    assert (len(large.created), len(large.merged), len(large.conflicts)) == (100, 100, 100)
    assert by_name(session, "Known0").emails == ["k0@example.com"]
    assert len(few) == len(many)


def test_a_created_contacts_audit_row_is_the_contact_as_written(
    session: Session, workspace_id: str
) -> None:
    run(session, "Name,Phone,Email,Tags\nDana Smith,555-201-3344,D@Example.com,vip\n")

    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).one()
    dana = by_name(session, "Dana")
    assert entry.after == {**snapshot(dana), "phones": dana.phones, "emails": dana.emails}
    assert entry.after["emails"] == ["d@example.com"] and entry.after["tags"] == ["vip"]


def test_a_long_list_matches_what_each_value_matches(session: Session, workspace_id: str) -> None:
    """An import's phones and emails go to Postgres as arrays (one statement, however many):
    the same contacts, matched on the same values, as asking for each value alone."""
    add_contact(session, "ct_keep", "Robin", "Hale", "+15552010000", "r@example.com")
    add_contact(session, "ct_gone", "Rob", None, "+15552010001", merged_into_contact_id="ct_keep")
    for n in range(2, 40):
        add_contact(session, f"ct_{n}", f"P{n}", None, f"+1555201{n:04d}", f"p{n}@example.com")
    phones = [f"+1555201{n:04d}" for n in range(0, 80)]
    emails = ["r@example.com", *(f"p{n}@example.com" for n in range(0, 80))]

    def matched(found: list[ContactMatch]) -> set[tuple[str, str]]:
        return {(m.contact.contact_id, value) for m in found for value in m.matched_on}

    for archived in (True, False):
        together = find_matching_contacts(
            session, workspace_id=TEAM, phones=phones, emails=emails, include_archived=archived
        )
        alone: set[tuple[str, str]] = set()
        for phone in phones:
            alone |= matched(
                find_matching_contacts(
                    session, workspace_id=TEAM, phones=[phone], include_archived=archived
                )
            )
        for email in emails:
            alone |= matched(
                find_matching_contacts(
                    session, workspace_id=TEAM, emails=[email], include_archived=archived
                )
            )
        assert matched(together) == alone
        assert len(together) == (40 if archived else 39)

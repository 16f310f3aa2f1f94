"""The `crm export` JSON document: round trip, schema, and refusals that write nothing."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.common.enums import (
    CompanyStatus,
    ContactPointKind,
    FollowUpStatus,
    InteractionType,
    LeadSource,
    LeadStatus,
    LossReason,
    OpportunityStage,
)
from core.errors import ImportRejected
from core.models import (
    AuditEntry,
    Company,
    Contact,
    ContactPoint,
    Interaction,
    Lead,
    Opportunity,
    Workspace,
)
from core.transfer.document_export import export_document, write_document
from core.transfer.document_import import import_document
from core.transfer.fields import parse_document
from core.workspaces.service import WorkspaceDefaults, ensure_workspace
from schemas import validation_errors
from tests.conftest import OWNER, TEAM
from tests.core.factories import count_statements, row_counts

SAMPLE = Path(__file__).parents[3] / "tests" / "data" / "sample_export.json"
ACTOR = "system:cli"
TABLES = (Contact, ContactPoint, Company, Lead, Interaction, Opportunity, AuditEntry)


def sample() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SAMPLE.read_text("utf-8"))
    return document


def workspace(session: Session, workspace_id: str = TEAM) -> Workspace:
    found = session.get(Workspace, workspace_id)
    assert found is not None
    return found


def do_import(session: Session, document: Any, workspace_id: str = TEAM) -> str:
    ws = workspace(session, workspace_id)
    return import_document(session=session, workspace=ws, actor=ACTOR, document=document).render()


# ---------------------------------------------------------------- the round trip


def test_import_then_export_gives_back_the_same_document(
    session: Session, workspace_id: str
) -> None:
    document = sample()
    report = do_import(session, document)
    assert report == (
        "Imported into T0TEST: 3 contacts, 1 company, 4 leads, 5 interactions, 2 opportunities."
    )
    session.expire_all()

    exported = export_document(session, workspace=workspace(session))

    assert exported == document
    assert validation_errors(exported) == []


def test_imported_ids_timestamps_and_money_are_kept_in_the_rows(
    session: Session, workspace_id: str
) -> None:
    do_import(session, sample())
    session.expire_all()

    company = session.get(Company, "co_5a6b7c8d9e0f1a2b")
    assert company is not None
    # primary_contact_id is filled in after the contacts exist; updated_at must survive that.
    assert company.primary_contact_id == "ct_3f9a1c2b4d5e6f70"
    assert company.updated_at == datetime(2026, 1, 20, 16, 45, tzinfo=UTC)
    lead = session.get(Lead, "ld_0a1b2c3d4e5f6071")
    assert lead is not None
    assert lead.converted_opportunity_id == "op_7e8f9a0b1c2d3e4f"
    assert lead.updated_at == datetime(2026, 1, 10, 13, 0, tzinfo=UTC)
    assert lead.estimated_value == Decimal("350.00")
    merged = session.get(Contact, "ct_81b2c3d4e5f60718")
    assert merged is not None and merged.merged_into_contact_id == "ct_9c0d1e2f3a4b5c6d"
    assert merged.updated_at == datetime(2026, 1, 12, 10, 30, tzinfo=UTC)
    lost = session.get(Opportunity, "op_8f9a0b1c2d3e4f50")
    assert lost is not None and lost.amount == Decimal("12500.75")
    assert lost.loss_reason == LossReason.price
    dana = session.get(Contact, "ct_3f9a1c2b4d5e6f70")
    assert dana is not None
    assert dana.phones == ["+15552013344", "+15552019999"]
    assert dana.first_name == "Dana 🛠" and dana.last_name == "O'Brien-Smith"
    assert dana.created_at == datetime(2026, 1, 5, 14, 3, 11, tzinfo=UTC)
    assert dana.updated_at == datetime(2026, 1, 20, 16, 45, 0, 250000, tzinfo=UTC)


def test_one_audit_row_per_imported_record(session: Session, workspace_id: str) -> None:
    do_import(session, sample())

    entries = session.scalars(select(AuditEntry).where(AuditEntry.workspace_id == TEAM)).all()

    assert len(entries) == 3 + 1 + 4 + 5 + 2
    assert {(e.actor, e.action) for e in entries} == {(ACTOR, "import")}
    lead_entry = next(e for e in entries if e.entity_id == "ld_1b2c3d4e5f607182")
    assert lead_entry.entity_type == "leads"
    assert lead_entry.after is not None and lead_entry.after["estimated_value"] == 1250.5


def test_importing_the_same_document_again_changes_nothing(
    session: Session, workspace_id: str
) -> None:
    do_import(session, sample())
    before = row_counts(session, *TABLES)

    report = do_import(session, sample())

    assert report == "Imported into T0TEST: nothing new (15 records already there, unchanged)."
    assert row_counts(session, *TABLES) == before


def test_money_is_whole_dollars_as_integers_and_cents_as_decimals(
    session: Session, workspace_id: str
) -> None:
    document = sample()
    document["leads"][0]["estimated_value"] = 350.0
    document["leads"][1]["estimated_value"] = 0.5
    document["leads"][2]["estimated_value"] = 999999999.99
    do_import(session, document)

    leads = export_document(session, workspace=workspace(session))["leads"]

    values = [lead["estimated_value"] for lead in leads]
    assert values == [350, 0.5, 999999999.99, None]
    assert isinstance(values[0], int)


def test_timestamps_with_other_offsets_come_back_as_the_same_instant_in_utc(
    session: Session, workspace_id: str
) -> None:
    document = sample()
    document["leads"][3]["created_at"] = "2026-02-03T13:00:00-05:00"
    document["leads"][3]["updated_at"] = "2026-02-03T18:00:00Z"
    do_import(session, document)

    lead = export_document(session, workspace=workspace(session))["leads"][3]

    assert lead["created_at"] == "2026-02-03T18:00:00+00:00"
    assert lead["updated_at"] == "2026-02-03T18:00:00+00:00"


def test_streamed_document_is_the_pretty_json_of_the_export(
    session: Session, workspace_id: str
) -> None:
    do_import(session, sample())
    ws = workspace(session)
    out = io.StringIO()

    counts = write_document(session, workspace=ws, out=out)

    expected = json.dumps(export_document(session, workspace=ws), indent=2, ensure_ascii=False)
    assert out.getvalue() == expected + "\n"
    assert "😀" in out.getvalue()  # UTF-8 as is, not \\u escapes
    assert counts == {
        "contacts": 3,
        "companies": 1,
        "leads": 4,
        "interactions": 5,
        "opportunities": 2,
    }


def test_an_empty_workspace_exports_an_empty_valid_document(
    session: Session, workspace_id: str
) -> None:
    out = io.StringIO()
    write_document(session, workspace=workspace(session), out=out)

    assert json.loads(out.getvalue()) == {
        "contacts": [],
        "companies": [],
        "leads": [],
        "interactions": [],
        "opportunities": [],
    }
    assert validation_errors(json.loads(out.getvalue())) == []


# ---------------------------------------------------------------- export of ORM-made data


def _at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def _make_workspace_history(
    session: Session, workspace_id: str, contacts: int, prefix: str = ""
) -> None:
    """Contacts (each with a phone, an email, a lead, a call) made through the ORM."""
    company = Company(
        company_id=f"co_{prefix}acme",
        workspace_id=workspace_id,
        name='Acme "Pipes" 🔧',
        status=CompanyStatus.active_customer,
        created_at=_at(1),
    )
    session.add(company)
    session.flush()
    for n in range(contacts):
        contact = Contact(
            contact_id=f"ct_{prefix}{n:03d}",
            workspace_id=workspace_id,
            first_name=f"Zoë {n}",
            last_name="O'Neil",
            company_id=f"co_{prefix}acme",
            created_at=_at(20 - n % 5),  # not in insertion order
            archived=n == 1,
        )
        contact.points = [
            ContactPoint(
                workspace_id=workspace_id,
                kind=ContactPointKind.email,
                value=f"z{n}@example.com",
                position=1,
            ),
            ContactPoint(
                workspace_id=workspace_id,
                kind=ContactPointKind.phone,
                value=f"+1555201{n:04d}",
                position=0,
            ),
        ]
        lead = Lead(
            lead_id=f"ld_{prefix}{n:03d}",
            workspace_id=workspace_id,
            title=f"Leaky faucet {n}",
            source=LeadSource.phone_call,
            contact=contact,
            estimated_value=Decimal("1250.50"),
            expected_close_date=date(2026, 4, 1),
            status=LeadStatus.working,
        )
        call = Interaction(
            interaction_id=f"ix_{prefix}{n:03d}",
            workspace_id=workspace_id,
            type=InteractionType.phone_call,
            lead_id=f"ld_{prefix}{n:03d}",
            contact_id=f"ct_{prefix}{n:03d}",
            body="wants a quote",
            follow_up_date=date(2026, 3, 27),
            follow_up_status=FollowUpStatus.pending,
        )
        opportunity = Opportunity(
            opportunity_id=f"op_{prefix}{n:03d}",
            workspace_id=workspace_id,
            lead_id=f"ld_{prefix}{n:03d}",
            contact_id=f"ct_{prefix}{n:03d}",
            name="Faucet",
            stage=OpportunityStage.won,
            amount=Decimal("99.99"),
        )
        session.add_all([contact, lead])
        session.flush()
        session.add_all([opportunity, call])
    session.flush()


def test_export_of_orm_made_records_is_valid_and_sorted(
    session: Session, workspace_id: str
) -> None:
    _make_workspace_history(session, workspace_id, contacts=3)

    document = export_document(session, workspace=workspace(session))

    assert validation_errors(document) == []
    # created_at: ct_000 on the 20th, ct_001 (archived, still exported) on the 19th, ct_002 18th.
    assert [c["contact_id"] for c in document["contacts"]] == ["ct_002", "ct_001", "ct_000"]
    first = document["contacts"][2]
    assert first["phones"] == ["+15552010000"] and first["emails"] == ["z0@example.com"]
    assert first["created_at"] == "2026-03-20T09:00:00+00:00"
    assert document["contacts"][1]["archived"] is True
    assert document["leads"][0]["estimated_value"] == 1250.5
    assert document["leads"][0]["expected_close_date"] == "2026-04-01"
    assert document["opportunities"][0]["amount"] == 99.99
    assert document["companies"][0]["name"] == 'Acme "Pipes" 🔧'


def test_export_only_shows_its_own_workspace(session: Session, workspace_id: str) -> None:
    ensure_workspace(session, "T0OTHER", WorkspaceDefaults(owner_ids=[OWNER]))
    _make_workspace_history(session, "T0OTHER", contacts=2, prefix="other")

    document = export_document(session, workspace=workspace(session))

    assert all(records == [] for records in document.values())


def test_export_runs_the_same_queries_for_one_contact_or_many(
    session: Session, workspace_id: str
) -> None:
    ensure_workspace(session, "T0MANY", WorkspaceDefaults(owner_ids=[OWNER]))
    _make_workspace_history(session, workspace_id, contacts=1)
    _make_workspace_history(session, "T0MANY", contacts=20, prefix="many")
    few, lots = workspace(session), workspace(session, "T0MANY")

    with count_statements(session) as one:
        export_document(session, workspace=few)
    with count_statements(session) as many:
        document = export_document(session, workspace=lots)

    assert len(document["contacts"]) == 20 and len(document["interactions"]) == 20
    assert len(one) == len(many) == 6


def test_import_runs_the_same_queries_for_one_record_or_many(
    session: Session, workspace_id: str
) -> None:
    def document_with(contacts: int, workspace_id: str) -> dict[str, Any]:
        template = sample()["contacts"][2]
        records = []
        for n in range(contacts):
            record = dict(
                template, contact_id=f"ct_{workspace_id}_{n}", merged_into_contact_id=None
            )
            record["phones"] = [f"+1555301{n:04d}"]
            record["emails"] = [f"lee{n}@example.org"]
            records.append(record)
        return {
            "contacts": records,
            "companies": [],
            "leads": [],
            "interactions": [],
            "opportunities": [],
        }

    ensure_workspace(session, "T0MANY", WorkspaceDefaults(owner_ids=[OWNER]))
    few, lots = workspace(session), workspace(session, "T0MANY")
    with count_statements(session) as one:
        import_document(
            session=session, workspace=few, actor=ACTOR, document=document_with(1, TEAM)
        )
    with count_statements(session) as many:
        import_document(
            session=session, workspace=lots, actor=ACTOR, document=document_with(25, "T0MANY")
        )

    assert len(one) == len(many)


# ---------------------------------------------------------------- refusals write nothing


def _refused(session: Session, document: Any) -> ImportRejected:
    before = row_counts(session, *TABLES)
    with pytest.raises(ImportRejected) as caught:
        do_import(session, document)
    assert row_counts(session, *TABLES) == before, "a refused import must write nothing"
    return caught.value


def test_unknown_enum_names_the_row_the_field_and_the_choices(
    session: Session, workspace_id: str
) -> None:
    document = sample()
    document["leads"][1]["status"] = "maybe"

    error = _refused(session, document)

    assert error.row == "leads[1]" and error.field == "status"
    assert error.message.startswith("row leads[1], field 'status': 'maybe' is not one of [")
    assert "'disqualified'" in error.message and "Nothing was imported." in error.message


def test_missing_required_field_is_named(session: Session, workspace_id: str) -> None:
    document = sample()
    del document["contacts"][2]["first_name"]

    error = _refused(session, document)

    assert (error.row, error.field) == ("contacts[2]", "first_name")
    assert "'first_name' is a required property" in error.message


def test_missing_top_level_list_is_named(session: Session, workspace_id: str) -> None:
    document = sample()
    del document["leads"]

    error = _refused(session, document)

    assert error.row is None and error.field == "leads"
    assert error.message.startswith("document, field 'leads': 'leads' is a required property")


def test_phone_that_is_not_possible_is_refused(session: Session, workspace_id: str) -> None:
    document = sample()
    document["contacts"][2]["phones"] = ["+15559870001", "+1555"]

    error = _refused(session, document)

    assert (error.row, error.field) == ("contacts[2]", "phones[1]")
    assert '"+1555" is not a phone number' in error.message


@pytest.mark.parametrize("email", ["dana@@example.com", "Dana@Example.com", "dana@example"])
def test_bad_email_is_refused(session: Session, workspace_id: str, email: str) -> None:
    document = sample()
    document["contacts"][0]["emails"] = [email]

    error = _refused(session, document)

    assert (error.row, error.field) == ("contacts[0]", "emails[0]")


def test_ten_kilobytes_of_notes_is_over_the_limit(session: Session, workspace_id: str) -> None:
    document = sample()
    document["contacts"][1]["notes"] = "😀" * 10240

    error = _refused(session, document)

    assert (error.row, error.field) == ("contacts[1]", "notes")
    assert "is too long" in error.message
    assert len(error.message) < 300  # the value itself is shortened


def test_reference_to_a_contact_nowhere_is_refused(session: Session, workspace_id: str) -> None:
    document = sample()
    document["leads"][3]["contact_id"] = "ct_nobody"

    error = _refused(session, document)

    assert (error.row, error.field) == ("leads[3]", "contact_id")
    assert error.message == (
        "row leads[3], field 'contact_id': contact ct_nobody is not in the file "
        "nor in workspace T0TEST."
    )


def test_reference_to_a_record_already_in_the_workspace_is_accepted(
    session: Session, workspace_id: str
) -> None:
    session.add(Contact(contact_id="ct_here", workspace_id=TEAM, first_name="Kim"))
    session.flush()
    document = sample()
    document["leads"][3]["contact_id"] = "ct_here"

    do_import(session, document)

    lead = session.get(Lead, "ld_3d4e5f6071829304")
    assert lead is not None and lead.contact_id == "ct_here"


def test_ids_of_another_workspace_are_refused(session: Session, workspace_id: str) -> None:
    ensure_workspace(session, "T0OTHER", WorkspaceDefaults(owner_ids=[OWNER]))
    do_import(session, sample(), "T0OTHER")

    error = _refused(session, sample())

    assert (error.row, error.field) == ("contacts[0]", "contact_id")
    assert "contact ct_3f9a1c2b4d5e6f70 belongs to another workspace" in error.message


def test_reference_into_another_workspace_is_refused(session: Session, workspace_id: str) -> None:
    ensure_workspace(session, "T0OTHER", WorkspaceDefaults(owner_ids=[OWNER]))
    session.add(Contact(contact_id="ct_theirs", workspace_id="T0OTHER", first_name="Kim"))
    session.flush()
    document = sample()
    document["leads"][3]["contact_id"] = "ct_theirs"

    error = _refused(session, document)

    assert (error.row, error.field) == ("leads[3]", "contact_id")
    assert "contact ct_theirs belongs to another workspace" in error.message


def test_an_existing_record_with_other_values_is_not_overwritten(
    session: Session, workspace_id: str
) -> None:
    do_import(session, sample())
    document = sample()
    document["contacts"][0]["notes"] = "changed"

    error = _refused(session, document)

    assert (error.row, error.field) == ("contacts[0]", "notes")
    assert "already in this workspace with a different notes" in error.message


def test_a_new_contact_sharing_a_phone_with_an_existing_one_is_a_duplicate(
    session: Session, workspace_id: str
) -> None:
    existing = Contact(contact_id="ct_dana", workspace_id=TEAM, first_name="Dana", last_name="S")
    existing.points = [
        ContactPoint(workspace_id=TEAM, kind=ContactPointKind.phone, value="+15552019999")
    ]
    session.add(existing)
    session.flush()

    error = _refused(session, sample())

    assert (error.row, error.field) == ("contacts[0]", "phones[1]")
    assert "+15552019999 already belongs to Dana S (ct_dana)" in error.message


def test_the_same_id_twice_in_the_file_is_refused(session: Session, workspace_id: str) -> None:
    document = sample()
    document["leads"][2]["lead_id"] = document["leads"][0]["lead_id"]

    error = _refused(session, document)

    assert (error.row, error.field) == ("leads[2]", "lead_id")
    assert "appears twice" in error.message


def test_amount_with_fractions_of_a_cent_is_refused(session: Session, workspace_id: str) -> None:
    document = sample()
    document["opportunities"][1]["amount"] = 12500.755

    error = _refused(session, document)

    assert (error.row, error.field) == ("opportunities[1]", "amount")
    assert "more than two decimals" in error.message


def test_timestamp_the_clock_does_not_have_is_refused(session: Session, workspace_id: str) -> None:
    document = sample()
    document["interactions"][0]["timestamp"] = "2026-01-05T23:59:60+00:00"

    error = _refused(session, document)

    assert (error.row, error.field) == ("interactions[0]", "timestamp")


def test_interaction_linked_to_nothing_is_refused(session: Session, workspace_id: str) -> None:
    document = sample()
    document["interactions"][3]["opportunity_id"] = None

    error = _refused(session, document)

    assert error.row == "interactions[3]"
    assert "at least one of contact_id, lead_id, opportunity_id must be set" in error.message


def test_malformed_json_names_line_and_column() -> None:
    with pytest.raises(ImportRejected) as caught:
        parse_document('{"contacts": [\n  {"a": 1,,}]}')

    assert "line 2, column 11" in caught.value.message
    assert caught.value.message.startswith("document: the file is not valid JSON")


def test_a_document_that_is_not_an_object_is_refused(session: Session, workspace_id: str) -> None:
    error = _refused(session, [])

    assert "is not of type 'object'" in error.message


# ---------------------------------------------------------------- the procedure's fields only

PRODUCT_FIELDS = {
    "contacts": ("merged_into_contact_id", "archived", "created_at", "updated_at"),
    "companies": ("created_at", "updated_at"),
    "leads": ("created_at", "updated_at"),
    "interactions": ("created_at", "updated_at"),
    "opportunities": ("created_at", "updated_at"),
}


def procedure_only(document: dict[str, Any]) -> dict[str, Any]:
    """The document as a business keeping the procedure's records would write it."""
    return {
        key: [{k: v for k, v in r.items() if k not in PRODUCT_FIELDS[key]} for r in records]
        for key, records in document.items()
    }


def test_a_document_with_only_the_procedures_fields_is_imported_with_defaults(
    session: Session, workspace_id: str
) -> None:
    """Issue 8 item 12: it was refused as missing required properties."""
    document = sample()
    document["contacts"] = [c for c in document["contacts"] if not c["merged_into_contact_id"]]
    bare = procedure_only(document)
    assert "archived" not in bare["contacts"][0] and "created_at" not in bare["leads"][0]
    start = datetime.now(UTC)

    report = do_import(session, bare)

    assert report == (
        "Imported into T0TEST: 2 contacts, 1 company, 4 leads, 5 interactions, 2 opportunities."
    )
    session.expire_all()
    dana = session.get(Contact, "ct_3f9a1c2b4d5e6f70")
    assert dana is not None
    assert (dana.archived, dana.merged_into_contact_id) == (False, None)
    assert start <= dana.created_at <= datetime.now(UTC) and dana.updated_at == dana.created_at
    lead = session.get(Lead, "ld_0a1b2c3d4e5f6071")
    assert lead is not None and start <= lead.created_at <= datetime.now(UTC)
    # Export still writes every field, so the document it makes is complete again.
    exported = export_document(session, workspace=workspace(session))
    for key, fields in PRODUCT_FIELDS.items():
        assert all(set(fields) <= set(record) for record in exported[key]), key
    assert exported["contacts"][0]["archived"] is False
    assert validation_errors(exported) == []
    # The same bare document again: nothing new, compared on the fields it carries.
    again = do_import(session, bare)
    assert again == "Imported into T0TEST: nothing new (14 records already there, unchanged)."


def test_an_updated_at_left_out_follows_the_given_created_at(
    session: Session, workspace_id: str
) -> None:
    document = sample()
    del document["leads"][0]["updated_at"]

    do_import(session, document)
    session.expire_all()

    lead = session.get(Lead, document["leads"][0]["lead_id"])
    assert lead is not None
    assert lead.updated_at == datetime.fromisoformat(document["leads"][0]["created_at"])

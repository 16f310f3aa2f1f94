"""Bad input gets a clear error and writes nothing; quotes and emoji are kept as typed.

For the main write operations (a new inquiry, adding a customer, logging an interaction, the
JSON and CSV imports): a bad phone, a bad email, an unknown choice, a missing required field and
10 KB of text are each refused with an error naming the field (and, for imports, the row), and
every table holds exactly the rows it held before. A quote or an emoji in every text field is
accepted and comes back from the database intact (phones and emails cannot hold them).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.activity.service import log_call_with, log_interaction
from core.contacts.input import ContactInput
from core.contacts.service import add_customer
from core.errors import CRMError, ImportRejected, InvalidEmail, InvalidInput, InvalidPhone, NotFound
from core.leads.inquiries import InquiryInput, capture_inquiry
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
)
from core.transfer.csv_import import import_contacts_csv
from core.transfer.document_export import export_document
from core.transfer.document_import import import_document
from schemas import validation_errors
from tests.conftest import STAFF, TEAM
from tests.core.factories import make_contact, make_lead, row_counts

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 in New York
TABLES = (Contact, ContactPoint, Company, Lead, Opportunity, Interaction, Draft, Reminder)
TEN_KB = "x" * 10_240
QUOTED = 'O\'Brien "the" 🔧'
SAMPLE = Path(__file__).parents[3] / "tests" / "data" / "sample_export.json"


def refused(
    session: Session, attempt: Callable[[], object], error: type[CRMError], field: str
) -> CRMError:
    """Run `attempt`, expect `error` naming `field`, and show no table gained or lost a row."""
    before = row_counts(session, *TABLES, AuditEntry)
    with pytest.raises(error) as raised:
        attempt()
    assert raised.value.field == field
    assert row_counts(session, *TABLES, AuditEntry) == before, "nothing may be half-written"
    return raised.value


# --- a new inquiry ----------------------------------------------------------------------------


def inquiry(ws: Workspace, session: Session, **fields: Any) -> Callable[[], object]:
    # The caller's phone is already a contact's: a half-done inquiry would have touched it.
    fields = {"title": "Leaky faucet", "source": "phone_call", "phones": ("555-201-3344",)} | fields
    return lambda: capture_inquiry(
        session=session, workspace=ws, actor=STAFF, inquiry=InquiryInput(**fields), now=NOW
    )


@pytest.mark.parametrize(
    ("fields", "error", "field", "says"),
    [
        ({"phones": ("555-201-3344", "555-1")}, InvalidPhone, "phone", '"555-1" is not a phone'),
        ({"emails": ("dana@@example.com",)}, InvalidEmail, "email", '"dana@@example.com" is not'),
        ({"source": "carrier pigeon"}, InvalidInput, "source", "phone_call, email, web_form,"),
        ({"interaction_type": "telegram"}, InvalidInput, "interaction_type", "'telegram' is not"),
        ({"title": "  "}, InvalidInput, "title", "The title is required."),
        ({"source": None}, InvalidInput, "source", "The lead source is required."),
        ({"description": TEN_KB}, InvalidInput, "description", "10,240 characters; keep it to"),
        ({"title": TEN_KB}, InvalidInput, "title", "10,240 characters; keep it to 200."),
        ({"first_name": TEN_KB}, InvalidInput, "first_name", "keep it to 200."),
        ({"address": TEN_KB}, InvalidInput, "address", "keep it to 500."),
    ],
)
def test_a_bad_inquiry_is_refused_and_writes_nothing(
    session: Session,
    ws: Workspace,
    fields: dict[str, Any],
    error: type[CRMError],
    field: str,
    says: str,
) -> None:
    make_contact(session, TEAM, phones=["+15552013344"])
    problem = refused(session, inquiry(ws, session, **fields), error, field)
    assert says in problem.message


def test_an_inquiry_keeps_quotes_and_emoji_in_every_field(session: Session, ws: Workspace) -> None:
    captured = inquiry(
        ws,
        session,
        first_name=f"Zoë {QUOTED}",
        last_name=QUOTED,
        title=f"Fix {QUOTED} sink",
        description=f"It's leaking {QUOTED}\nsince Monday",
        address=f"12 {QUOTED} St",
        owner=f"U0{QUOTED}",
        phones=(),
        emails=("zoe@example.com",),
    )()
    session.expire_all()
    lead = session.get(Lead, captured.lead.lead_id)  # type: ignore[attr-defined]
    assert lead is not None and lead.contact is not None
    assert (lead.title, lead.description, lead.owner) == (
        f"Fix {QUOTED} sink",
        f"It's leaking {QUOTED}\nsince Monday",
        f"U0{QUOTED}",
    )
    assert (lead.contact.first_name, lead.contact.last_name, lead.contact.address) == (
        f"Zoë {QUOTED}",
        QUOTED,
        f"12 {QUOTED} St",
    )
    said = session.get(Interaction, captured.interaction.interaction_id)  # type: ignore[attr-defined]
    assert said is not None and said.body == f"It's leaking {QUOTED}\nsince Monday"


# --- adding a customer ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "decision", "error", "field", "says"),
    [
        ({"phones": ("555-1",)}, None, InvalidPhone, "phone", '"555-1" is not a phone'),
        ({"emails": ("dana@",)}, None, InvalidEmail, "email", '"dana@" is not an email'),
        (
            {"preferred_channel": "fax"},
            None,
            InvalidInput,
            "preferred_channel",
            "phone, email, sms",
        ),
        ({}, "merge them all", InvalidInput, "decision", "use_existing, merge, create_separate"),
        ({"first_name": ""}, None, InvalidInput, "first_name", "The first name is required."),
        ({"notes": TEN_KB}, None, InvalidInput, "notes", "10,240 characters; keep it to 10,000."),
        ({"address": TEN_KB}, None, InvalidInput, "address", "keep it to 500."),
        ({"tags": ("ok", TEN_KB)}, None, InvalidInput, "tags", "keep it to 100."),
        ({"company_name": TEN_KB}, None, InvalidInput, "company_name", "keep it to 200."),
    ],
)
def test_a_bad_customer_is_refused_and_writes_nothing(
    session: Session,
    ws: Workspace,
    fields: dict[str, Any],
    decision: str | None,
    error: type[CRMError],
    field: str,
    says: str,
) -> None:
    data = ContactInput(**({"first_name": "Dana", "company_name": "Acme"} | fields))
    problem = refused(
        session,
        lambda: add_customer(
            session=session, workspace=ws, actor=STAFF, data=data, decision=decision
        ),
        error,
        field,
    )
    assert says in problem.message


def test_a_customer_keeps_quotes_and_emoji_in_every_field(session: Session, ws: Workspace) -> None:
    added = add_customer(
        session=session,
        workspace=ws,
        actor=STAFF,
        data=ContactInput(
            first_name=f"Zoë {QUOTED}",
            last_name=QUOTED,
            phones=("555-201-3344",),
            emails=("zoe@example.com",),
            address=f"12 {QUOTED} St",
            preferred_channel="sms",
            tags=(QUOTED, "it's"),
            notes=f"Says {QUOTED}\nafter 6",
            heard_about=f"a flyer {QUOTED}",
            company_name=f"{QUOTED} & Sons",
        ),
    )
    session.expire_all()
    contact = session.get(Contact, added.contact.contact_id)
    assert contact is not None
    assert (contact.first_name, contact.last_name, contact.address) == (
        f"Zoë {QUOTED}",
        QUOTED,
        f"12 {QUOTED} St",
    )
    assert contact.tags == [QUOTED, "it's"]
    assert contact.notes == f"Says {QUOTED}\nafter 6\n\nHeard about us: a flyer {QUOTED}"
    company = session.get(Company, contact.company_id)
    assert company is not None and company.name == f"{QUOTED} & Sons"
    assert (contact.phones, contact.emails) == (["+15552013344"], ["zoe@example.com"])


# --- logging an interaction -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "error", "field", "says"),
    [
        ({"type": "fax"}, InvalidInput, "type", "phone_call, email_inbound, email_outbound,"),
        ({"outcome": "great"}, InvalidInput, "outcome", "none, left_voicemail, spoke,"),
        ({"contact_id": None}, InvalidInput, "contact", "Link the interaction to a contact"),
        ({"contact_id": "ct_nobody"}, NotFound, "contact", "not in this workspace"),
        ({"body": TEN_KB}, InvalidInput, "body", "10,240 characters; keep it to 10,000."),
        ({"subject": TEN_KB}, InvalidInput, "subject", "keep it to 500."),
        ({"follow_up_date": date(2026, 3, 1)}, InvalidInput, "follow_up_date", "in the past"),
    ],
)
def test_a_bad_interaction_is_refused_and_writes_nothing(
    session: Session,
    ws: Workspace,
    fields: dict[str, Any],
    error: type[CRMError],
    field: str,
    says: str,
) -> None:
    dana = make_contact(session, TEAM)
    values = {"type": "phone_call", "body": "Wants a quote", "contact_id": dana.contact_id} | fields
    problem = refused(
        session,
        lambda: log_interaction(session=session, workspace=ws, actor=STAFF, now=NOW, **values),
        error,
        field,
    )
    assert says in problem.message


def test_a_call_without_a_summary_is_refused_and_writes_nothing(
    session: Session, ws: Workspace
) -> None:
    dana = make_contact(session, TEAM)
    make_lead(session, TEAM, dana)
    problem = refused(
        session,
        lambda: log_call_with(
            session=session,
            workspace=ws,
            actor=STAFF,
            contact_id=dana.contact_id,
            summary=" ",
            now=NOW,
        ),
        InvalidInput,
        "summary",
    )
    assert problem.message == "The call summary is required."


def test_an_interaction_keeps_quotes_and_emoji(session: Session, ws: Workspace) -> None:
    dana = make_contact(session, TEAM)
    logged = log_interaction(
        session=session,
        workspace=ws,
        actor=STAFF,
        type="sms",
        subject=f"Re: {QUOTED}",
        body=f"She said {QUOTED}\n— call after 5",
        contact_id=dana.contact_id,
        now=NOW,
    )
    session.expire_all()
    again = session.get(Interaction, logged.interaction_id)
    assert again is not None
    assert (again.subject, again.body) == (f"Re: {QUOTED}", f"She said {QUOTED}\n— call after 5")


# --- the imports ------------------------------------------------------------------------------


def sample() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SAMPLE.read_text("utf-8"))
    return document


def spoil(path: tuple[str, int, str], value: Any) -> dict[str, Any]:
    document = sample()
    key, index, name = path
    if value is KeyError:
        del document[key][index][name]
    else:
        document[key][index][name] = value
    return document


@pytest.mark.parametrize(
    ("document", "row", "field", "says"),
    [
        (spoil(("contacts", 2, "phones"), ["+1555"]), "contacts[2]", "phones[0]", "not a phone"),
        (spoil(("contacts", 0, "emails"), ["dana@@x.com"]), "contacts[0]", "emails[0]", "email"),
        (spoil(("leads", 1, "status"), "maybe"), "leads[1]", "status", "'disqualified'"),
        (spoil(("contacts", 2, "first_name"), KeyError), "contacts[2]", "first_name", "required"),
        (spoil(("contacts", 1, "notes"), TEN_KB), "contacts[1]", "notes", "is too long"),
        (spoil(("interactions", 0, "body"), "y" * 10_001), "interactions[0]", "body", "too long"),
    ],
)
def test_a_bad_document_names_row_and_field_and_imports_nothing(
    session: Session, ws: Workspace, document: dict[str, Any], row: str, field: str, says: str
) -> None:
    problem = refused(
        session,
        lambda: import_document(
            session=session, workspace=ws, actor="system:cli", document=document
        ),
        ImportRejected,
        field,
    )
    assert isinstance(problem, ImportRejected) and problem.row == row
    assert problem.message.startswith(f"row {row}, field '{field}': ") and says in problem.message


@pytest.mark.parametrize(
    ("text", "row", "column", "says"),
    [
        ("Name,Mobile\nDana Smith,555-201-3344\nLee Park,555-1\n", 3, "Mobile", "not a phone"),
        ("Name,E-mail\nDana Smith,dana@@x.com\n", 2, "E-mail", "not an email"),
        ("Name,Contact method\nDana Smith,fax\n", 2, "Contact method", "phone, email, sms"),
        ("Name,Notes\nDana Smith," + TEN_KB + "\n", 2, "Notes", "10,240 characters"),
    ],
)
def test_a_bad_contacts_sheet_names_row_and_column_and_imports_nothing(
    session: Session, ws: Workspace, text: str, row: int, column: str, says: str
) -> None:
    problem = refused(
        session,
        lambda: import_contacts_csv(session=session, workspace=ws, actor="system:cli", text=text),
        ImportRejected,
        column,
    )
    assert isinstance(problem, ImportRejected) and problem.row == row
    assert says in problem.message


def _quote_every_text(document: dict[str, Any]) -> dict[str, Any]:
    """Put a quote and an emoji into every free-text value of the document."""
    free_text = {
        "first_name", "last_name", "address", "notes", "name", "billing_address", "title",
        "description", "subject", "body", "ai_summary", "loss_notes", "owner",
        "quickbooks_customer_id", "estimate_id",
    }  # fmt: skip
    changed = copy.deepcopy(document)
    for records in changed.values():
        for record in records:
            for name, value in record.items():
                if name in free_text and isinstance(value, str):
                    record[name] = (
                        f"{value} {QUOTED}"[:60] if name == "owner" else f"{value} {QUOTED}"
                    )
            if isinstance(record.get("tags"), list):
                record["tags"] = [*record["tags"], QUOTED]
    return changed


def test_an_import_keeps_quotes_and_emoji_everywhere_and_exports_them_back(
    session: Session, ws: Workspace
) -> None:
    document = _quote_every_text(sample())
    assert validation_errors(document) == []
    import_document(session=session, workspace=ws, actor="system:cli", document=document)
    session.expire_all()
    exported = export_document(session, workspace=ws)
    assert exported == document
    assert validation_errors(exported) == []
    dana = session.get(Contact, "ct_3f9a1c2b4d5e6f70")
    assert dana is not None and dana.first_name == f"Dana 🛠 {QUOTED}"

"""A lookup reads rows (core/contacts/found.py): the same contacts, order, phones and emails as
the ORM entities it replaced, in one statement, with no entity made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.contacts.archiving import archive_contact
from core.contacts.found import FoundContact
from core.contacts.history import contact_card
from core.contacts.matching import (
    find_contacts_by_points,
    find_matching_contacts,
    set_contact_points,
)
from core.contacts.merges import merge_contacts
from core.contacts.search import resolve_person, search_contacts
from core.models import Contact, Workspace, new_id
from core.workspaces.service import get_workspace
from tests.conftest import OWNER, TEAM
from tests.core.factories import count_statements, make_contact

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def book(session: Session, ws: Workspace) -> dict[str, Contact]:
    """Two Dana Smiths and a Dana Smyth merged into the first, an archived Dana, a Priya who
    asked not to be contacted, someone with no phone or email; points in a mixed order."""
    day = timedelta(days=1)
    people = {
        "smith": make_contact(
            session,
            TEAM,
            "Dana",
            "Smith",
            phones=["+15552013344", "+15552015555"],
            emails=["dana@example.com"],
            address="12 Elm St",
            created_at=NOW - 9 * day,
        ),
        "twin": make_contact(
            session,
            TEAM,
            "Dana",
            "Smith",
            emails=["twin@example.com"],
            phones=["+15552016666"],
            created_at=NOW - 8 * day,
        ),
        "smyth": make_contact(
            session,
            TEAM,
            "Dana",
            "Smyth",
            phones=["+15552019999", "+15552015555"],
            emails=["smyth@example.com"],
            created_at=NOW - 7 * day,
        ),
        "gone": make_contact(
            session, TEAM, "Dana", "Gone", phones=["+15552017777"], created_at=NOW - 6 * day
        ),
        "priya": make_contact(
            session,
            TEAM,
            "Priya",
            None,
            emails=["priya@example.com"],
            do_not_contact=True,
            created_at=NOW - 5 * day,
        ),
        "bare": make_contact(session, TEAM, "Bare", "Person", created_at=NOW - 4 * day),
    }
    merge_contacts(
        session=session,
        workspace=ws,
        actor=OWNER,
        survivor_id=people["smith"].contact_id,
        other_id=people["smyth"].contact_id,
        now=NOW - 3 * day,
    )
    archive_contact(
        session=session, workspace=ws, actor=OWNER, contact_id=people["gone"].contact_id
    )
    session.flush()
    return people


def _orm(contact: Contact) -> tuple[Any, ...]:
    return (
        contact.contact_id,
        contact.first_name,
        contact.last_name,
        contact.full_name,
        contact.address,
        contact.archived,
        contact.merged_into_contact_id,
        contact.do_not_contact,
        contact.phones,
        contact.emails,
    )


def _found(contact: FoundContact) -> tuple[Any, ...]:
    return (
        contact.contact_id,
        contact.first_name,
        contact.last_name,
        contact.full_name,
        contact.address,
        contact.archived,
        contact.merged_into_contact_id,
        contact.do_not_contact,
        contact.phones,
        contact.emails,
    )


def _as_loaded(session: Session, found: list[FoundContact]) -> list[tuple[Any, ...]]:
    """What the ORM loads for the same contacts, fresh from the database."""
    session.expunge_all()
    loaded = [session.get(Contact, contact.contact_id) for contact in found]
    return [_orm(contact) for contact in loaded if contact is not None]


PROBES: list[tuple[list[str], list[str]]] = [
    (["+15552013344"], []),
    (["+15552015555"], []),  # the survivor's and the merged contact's
    ([], ["DANA@example.com".lower()]),
    (["+15552016666"], ["dana@example.com"]),  # two people, one value each
    (["+15552013344", "+15552015555"], ["dana@example.com"]),  # one person thrice
    (["+15552017777"], []),  # archived
    ([], ["priya@example.com"]),
    ([f"+1555300{n:04d}" for n in range(5)] + ["+15552019999"], []),  # past the fixed four
    ([f"+1555300{n:04d}" for n in range(70)] + ["+15552015555"], []),  # arrays on Postgres
    (["+15550000000"], []),  # nobody
]


@pytest.mark.parametrize("include_archived", [True, False])
def test_the_rows_match_what_the_orm_matched(
    session: Session, book: dict[str, Contact], include_archived: bool
) -> None:
    for phones, emails in PROBES:
        session.expunge_all()
        orm = find_matching_contacts(
            session,
            workspace_id=TEAM,
            phones=phones,
            emails=emails,
            include_archived=include_archived,
        )
        expected = [(_orm(m.contact), m.matched_on) for m in orm]
        session.expunge_all()
        rows = find_contacts_by_points(
            session,
            workspace_id=TEAM,
            phones=phones,
            emails=emails,
            include_archived=include_archived,
        )
        assert [(_found(m.contact), list(m.matched_on)) for m in rows] == expected, phones


def test_the_merged_and_archived_are_read_as_they_are(
    session: Session, book: dict[str, Contact]
) -> None:
    rows = find_contacts_by_points(
        session, workspace_id=TEAM, phones=["+15552015555", "+15552017777"], include_archived=True
    )
    smith, smyth, gone = (book[k].contact_id for k in ("smith", "smyth", "gone"))
    assert [m.contact.contact_id for m in rows] == [smith, smyth, gone]
    assert rows[1].contact.merged_into_contact_id == smith and rows[1].contact.archived
    assert rows[2].contact.archived and rows[2].contact.merged_into_contact_id is None
    # The survivor gained the merged contact's phones and emails after its own.
    assert rows[0].contact.phones == ["+15552013344", "+15552015555", "+15552019999"]
    assert rows[0].contact.emails == ["dana@example.com", "smyth@example.com"]


@pytest.mark.parametrize(
    "query",
    [
        "555-201-3344",
        "555 201 5555",
        "DANA@example.com",
        "555-201-6666 dana@example.com",
        "Dana Smith",
        "Dana",
        "Dana Smit",
        "Dana Gone",
        "priya@example.com",
        "Priya",
        "Bare Person",
        "Zebulon",
    ],
)
def test_lookups_answer_as_the_orm_contacts_do(
    session: Session, ws: Workspace, book: dict[str, Contact], query: str
) -> None:
    for include_archived in (True, False):
        hits = search_contacts(
            session, workspace=ws, query=query, include_archived=include_archived
        )
        found = [hit.contact for hit in hits]
        assert [_found(c) for c in found] == _as_loaded(session, found), query
    people = resolve_person(session, workspace=ws, name=query)
    assert [_found(c) for c in people] == _as_loaded(session, people), query


def test_same_contacts_in_the_same_order(
    session: Session, ws: Workspace, book: dict[str, Contact]
) -> None:
    smith, twin = book["smith"].contact_id, book["twin"].contact_id
    both = search_contacts(session, workspace=ws, query="555-201-6666 dana@example.com")
    assert [(h.contact.contact_id, h.matched_on) for h in both] == [
        (smith, "email"),
        (twin, "phone"),
    ]
    assert [c.contact_id for c in resolve_person(session, workspace=ws, name="Dana Smith")] == [
        smith,
        twin,
    ]
    # A merged contact's phone finds its survivor, never the merged record.
    assert [c.contact_id for c in resolve_person(session, workspace=ws, name="555-201-9999")] == [
        smith
    ]
    assert [h.contact.contact_id for h in search_contacts(session, workspace=ws, query="Dana Gone")]
    assert resolve_person(session, workspace=ws, name="Dana Gone") == []


@pytest.mark.parametrize("query", ["555-201-3344", "dana@example.com", "Priya"])
def test_a_lookup_is_one_statement_and_makes_no_entity(
    session: Session, book: dict[str, Contact], query: str
) -> None:
    session.expunge_all()
    ws = get_workspace(session, TEAM)
    with count_statements(session) as seen:
        found = resolve_person(session, workspace=ws, name=query)
    assert len(found) == 1
    # A phone or email is the probe alone; a name is the exact-name probe, then the rows.
    assert seen.n == (2 if query == "Priya" else 1)
    assert not [o for o in session.identity_map.values() if isinstance(o, Contact)]


def test_a_lookup_sees_what_the_transaction_has_not_flushed(
    session: Session, ws: Workspace, book: dict[str, Contact]
) -> None:
    sam = Contact(contact_id=new_id("ct"), workspace_id=TEAM, first_name="Sam", last_name="New")
    set_contact_points(sam, phones=["+15554440000"])
    session.add(sam)
    found = resolve_person(session, workspace=ws, name="555-444-0000")  # the probe comes first
    assert [(c.contact_id, c.phones) for c in found] == [(sam.contact_id, ["+15554440000"])]


def test_the_card_loads_the_contact_it_was_given_or_its_survivor(
    session: Session, book: dict[str, Contact]
) -> None:
    session.expunge_all()
    ws = get_workspace(session, TEAM)
    card = contact_card(session, workspace=ws, contact_id=book["smyth"].contact_id, now=NOW)
    assert card.contact.contact_id == book["smith"].contact_id
    assert card.contact.phones == ["+15552013344", "+15552015555", "+15552019999"]
    assert card.last_merge is not None and card.last_merge[1] == "Dana Smyth"
    session.expunge_all()
    ws = get_workspace(session, TEAM)
    with count_statements(session) as seen:
        card = contact_card(session, workspace=ws, contact_id=book["gone"].contact_id, now=NOW)
    assert card.contact.archived and card.contact.phones == ["+15552017777"]
    assert card.last_merge is None
    # The contact with its points, company and last merge; its open leads; its last touch; its
    # next follow-ups.
    assert seen.n == 4

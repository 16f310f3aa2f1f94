"""Finding people and leads: exact by phone or email, fuzzy by name, never guessing between two."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from core.common.enums import LeadStatus
from core.contacts.found import FoundContact
from core.contacts.matching import set_contact_points
from core.contacts.merges import merge_contacts
from core.contacts.name_search import exact_name_match, name_candidates
from core.contacts.points import scan_emails, scan_phones
from core.contacts.search import (
    _blank_out,
    _Probe,
    _probe,
    open_leads_for_person,
    resolve_person,
    search_contacts,
    search_leads,
)
from core.models import Contact, Workspace, new_id
from core.workspaces.service import ensure_workspace, get_workspace
from tests.conftest import OWNER, TEAM
from tests.core.factories import count_statements, make_contact, make_lead

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture
def people(session: Session, ws: Workspace) -> dict[str, Contact]:
    return {
        "smith": make_contact(
            session, TEAM, "Dana", "Smith", phones=["+15552013344"], emails=["dana@example.com"]
        ),
        "smyth": make_contact(session, TEAM, "Dana", "Smyth", phones=["+15552019999"]),
        "diana": make_contact(session, TEAM, "Diana", "Prince"),
        "obrien": make_contact(session, TEAM, "Seán", "O'Brien"),
        "emoji": make_contact(session, TEAM, "Bob 🔧", "Plumber 🚰"),
        "priya": make_contact(session, TEAM, "Priya", "Patel"),
    }


def _names(contacts: list[FoundContact]) -> list[str]:
    return [c.full_name for c in contacts]


def _ids(contacts: list[FoundContact]) -> list[str]:
    return [c.contact_id for c in contacts]


def _resolved(session: Session, ws: Workspace, name: str) -> list[str]:
    return _ids(resolve_person(session, workspace=ws, name=name))


def _first_hit(session: Session, ws: Workspace, query: str) -> str:
    return search_contacts(session, workspace=ws, query=query)[0].contact.contact_id


# --------------------------------------------------------------------------- search_contacts


@pytest.mark.parametrize(
    "query",
    ["(555) 201-3344", "+1 555 201 3344", "555.201.3344", "5552013344", "call 555-201-3344"],
)
def test_a_phone_in_any_format_finds_the_contact(
    session: Session, ws: Workspace, people: dict[str, Contact], query: str
) -> None:
    hits = search_contacts(session, workspace=ws, query=query)
    assert [(h.contact.full_name, h.score, h.matched_on) for h in hits] == [
        ("Dana Smith", 100.0, "phone")
    ]


def test_an_email_in_another_case_finds_the_contact(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    hits = search_contacts(session, workspace=ws, query="DANA@Example.com")
    assert [(h.contact.full_name, h.matched_on) for h in hits] == [("Dana Smith", "email")]


def test_an_unknown_phone_finds_nobody(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    assert search_contacts(session, workspace=ws, query="555-000-1111") == []


def test_an_unknown_phone_with_a_name_falls_back_to_the_name(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    hits = search_contacts(session, workspace=ws, query="Priya 555-000-1111")
    assert [h.contact.full_name for h in hits] == ["Priya Patel"]
    assert hits[0].matched_on == "name"


def test_a_first_name_finds_both_danas(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    hits = search_contacts(session, workspace=ws, query="dana")
    names = [h.contact.full_name for h in hits]
    assert names[:2] == ["Dana Smith", "Dana Smyth"]
    assert all(h.score >= 70 for h in hits)
    assert "Priya Patel" not in names


def test_a_typo_ranks_the_closest_first(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    hits = search_contacts(session, workspace=ws, query="Dana Smithh")
    assert hits[0].contact.full_name == "Dana Smith"
    assert hits[0].score > hits[1].score


def test_quotes_and_emoji_in_names(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    assert _first_hit(session, ws, "O'Brien") == people["obrien"].contact_id
    assert _first_hit(session, ws, "sean obrien") == people["obrien"].contact_id
    assert _first_hit(session, ws, "Bob 🔧") == people["emoji"].contact_id
    assert search_contacts(session, workspace=ws, query="'\"; DROP TABLE contacts; --") == []
    assert search_contacts(session, workspace=ws, query="   ") == []


def test_merged_contacts_are_not_found_but_their_survivor_is(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    merge_contacts(
        session=session,
        workspace=ws,
        actor=OWNER,
        survivor_id=people["smith"].contact_id,
        other_id=people["smyth"].contact_id,
    )
    assert "Dana Smyth" not in [
        h.contact.full_name for h in search_contacts(session, workspace=ws, query="Dana Smyth")
    ]
    by_phone = search_contacts(session, workspace=ws, query="555-201-9999")
    assert [h.contact.full_name for h in by_phone] == ["Dana Smith"]


def test_other_workspaces_are_not_searched(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    ensure_workspace(session, "T0OTHER")
    make_contact(session, "T0OTHER", "Priyanka", "Patel", phones=["+15553334444"])
    assert search_contacts(session, workspace=ws, query="555-333-4444") == []
    assert [h.contact.full_name for h in search_contacts(session, workspace=ws, query="Patel")] == [
        "Priya Patel"
    ]


def _many(session: Session, start: int, stop: int) -> None:
    contacts = []
    for number in range(start, stop):
        contact = Contact(
            contact_id=new_id("ct"),
            workspace_id=TEAM,
            first_name=f"Person{number}",
            last_name=f"Family{number}",
        )
        set_contact_points(contact, phones=[f"+1555{number:07d}"])
        contacts.append(contact)
    session.add_all(contacts)
    session.flush()
    session.expunge_all()


def _statements(session: Session) -> list[int]:
    ws = get_workspace(session, TEAM)
    counts = []
    for call in (
        lambda w: search_contacts(session, workspace=w, query="Dana Smith"),
        lambda w: search_contacts(session, workspace=w, query="Person1"),
        lambda w: search_contacts(session, workspace=w, query="555-000-0003"),
        lambda w: resolve_person(session, workspace=w, name="dana"),
        lambda w: search_leads(session, workspace=w, words="faucet"),
        lambda w: open_leads_for_person(session, workspace=w, name="Dana Smith"),
    ):
        session.expunge_all()
        ws = get_workspace(session, TEAM)
        with count_statements(session) as seen:
            assert call(ws)
            counts.append(len(seen))
    return counts


def test_search_is_a_fixed_number_of_statements_for_5_or_500_contacts(
    session: Session, workspace_id: str
) -> None:
    dana = make_contact(session, TEAM, "Dana", "Smith", phones=["+15552013344"])
    make_lead(session, TEAM, dana, title="Leaky faucet")
    _many(session, 0, 4)
    with_five = _statements(session)
    _many(session, 4, 499)
    with_five_hundred = _statements(session)
    assert with_five == with_five_hundred
    # A name: the candidates, then the chosen contacts with their phones and emails. A phone:
    # one probe that brings the contact and its points. Lead search: names, then the leads
    # (their contacts joined) and those contacts' points.
    assert with_five == [2, 2, 1, 2, 3, 4]


def test_a_lookup_by_phone_or_email_is_one_statement_with_the_points_loaded(
    session: Session, people: dict[str, Contact]
) -> None:
    for query in ("(555) 201-3344", "DANA@example.com", "555-201-3344 dana@example.com"):
        session.expunge_all()
        ws = get_workspace(session, TEAM)
        with count_statements(session) as seen:
            hits = search_contacts(session, workspace=ws, query=query)
            assert [hit.contact.full_name for hit in hits] == ["Dana Smith"]
            assert hits[0].contact.phones == ["+15552013344"]
            assert hits[0].contact.emails == ["dana@example.com"]
        assert len(seen) == 1


# --------------------------------------------------------------------------- resolve_person


def test_an_exact_full_name_wins_alone(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    assert _resolved(session, ws, "dana  SMITH") == [people["smith"].contact_id]
    assert _resolved(session, ws, "Dana Smyth") == [people["smyth"].contact_id]


def test_a_unique_first_name_wins_alone(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    assert _resolved(session, ws, "priya") == [people["priya"].contact_id]


def test_a_shared_first_name_offers_the_choice(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    assert _names(resolve_person(session, workspace=ws, name="Dana")) == [
        "Dana Smith",
        "Dana Smyth",
    ]


def test_a_close_misspelling_offers_the_close_candidates(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    assert _names(resolve_person(session, workspace=ws, name="Dana Smit")) == [
        "Dana Smith",
        "Dana Smyth",
    ]


def test_two_people_with_the_same_full_name_are_both_offered(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    twin = make_contact(session, TEAM, "Dana", "Smith")
    found = resolve_person(session, workspace=ws, name="Dana Smith")
    assert _ids(found[:2]) == [people["smith"].contact_id, twin.contact_id]


def test_resolve_by_phone_and_nobody(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    assert _resolved(session, ws, "555 201 9999") == [people["smyth"].contact_id]
    assert resolve_person(session, workspace=ws, name="Xavier") == []
    assert resolve_person(session, workspace=ws, name="") == []


def test_archived_people_are_not_resolved(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    people["priya"].archived = True
    session.flush()
    assert resolve_person(session, workspace=ws, name="Priya Patel") == []


# --------------------------------------------------------------------------- leads


def test_search_leads_by_words_and_by_name(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    old = make_lead(
        session,
        TEAM,
        people["priya"],
        title="Leaky FAUCET at 123 Main",
        created_at=NOW - timedelta(days=3),
    )
    new = make_lead(
        session,
        TEAM,
        people["obrien"],
        title="Kitchen job",
        description="the faucet is 100% broken",
        created_at=NOW - timedelta(days=1),
    )
    heater = make_lead(session, TEAM, people["smith"], title="Water heater", created_at=NOW)
    assert search_leads(session, workspace=ws, words="faucet") == [new, old]
    assert search_leads(session, workspace=ws, words="faucet main") == [old]
    assert search_leads(session, workspace=ws, words="100%") == [new]
    assert search_leads(session, workspace=ws, words="50%") == []
    assert search_leads(session, workspace=ws, words="Dana Smith") == [heater]
    assert search_leads(session, workspace=ws, words="  ") == []


def test_search_leads_stays_in_the_workspace(session: Session, ws: Workspace) -> None:
    ensure_workspace(session, "T0OTHER")
    make_lead(session, "T0OTHER", title="Leaky faucet")
    assert search_leads(session, workspace=ws, words="faucet") == []


def test_open_leads_for_the_dana_lead(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    first = make_lead(
        session, TEAM, people["smith"], title="Faucet", created_at=NOW - timedelta(days=4)
    )
    second = make_lead(
        session,
        TEAM,
        people["smyth"],
        title="Heater",
        status=LeadStatus.working,
        created_at=NOW - timedelta(days=2),
    )
    make_lead(session, TEAM, people["smith"], title="Done", status=LeadStatus.converted)
    make_lead(session, TEAM, people["smyth"], title="Nope", status=LeadStatus.disqualified)
    make_lead(session, TEAM, people["priya"], title="Other person")
    leads = open_leads_for_person(session, workspace=ws, name="Dana")
    assert leads == [second, first]
    assert [lead.contact.full_name for lead in leads if lead.contact] == [
        "Dana Smyth",
        "Dana Smith",
    ]
    assert open_leads_for_person(session, workspace=ws, name="Dana Smith") == [first]
    assert open_leads_for_person(session, workspace=ws, name="Nobody") == []


def test_a_nul_in_a_typed_name_is_no_error(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    """No name holds a NUL (Postgres refuses one even as a parameter): it parts words."""
    assert resolve_person(session, workspace=ws, name="\x00") == []
    hits = search_contacts(session, workspace=ws, query="Dana\x00Smith")
    assert hits[0].contact.contact_id == people["smith"].contact_id


# --------------------------------------------------------------------------- fast paths


def _scanned(query: str) -> object:
    """What `_probe` answers by scanning the text, without its fast paths."""
    emails = [f for f in scan_emails(query) if f.value]
    masked = _blank_out(query, emails)
    phones = [f for f in scan_phones(masked, "US") if f.value]
    masked = _blank_out(masked, phones)
    return _Probe(
        phones=list(dict.fromkeys(f.value for f in phones if f.value)),
        emails=list(dict.fromkeys(f.value for f in emails if f.value)),
        rest=" ".join(masked.split()),
    )


@pytest.mark.parametrize(
    "query",
    [
        "5552013344",
        "+1 555 201 3344",
        "555-201",
        "DANA@example.com",
        "dana@example.com.",
        "x@y.co!",
        "ab@ex.com'",
        "dana@gmail",
        "a@b@c.com",
        "5552013344@example.com",
        "O'Brien@Example.COM",
        "Ωmega@example.com",
        "@bob",
        "bob@",
    ],
)
def test_a_lone_phone_or_email_is_parsed_once_to_what_the_scan_finds(query: str) -> None:
    assert _probe(query, "US") == _scanned(query)


def test_an_exact_name_is_found_without_the_candidates_and_ranks_the_same(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    make_contact(session, TEAM, "Sam", "")  # an empty last name is still "Sam"
    make_contact(session, TEAM, "Dee", "Smith")
    make_contact(session, TEAM, "Dee", "Smith")
    session.expunge_all()
    ws = get_workspace(session, TEAM)
    for name, one in (
        ("dana   SMITH", True),  # the whole name, exactly
        ("priya", True),  # the one first name
        ("sam", True),
        ("Dana", False),  # two Danas: a choice
        ("Dee Smith", False),  # two people of that name
        ("Dana Smit", False),  # a misspelling: ranked
        ("Seán O'Brien", False),  # not ASCII: ranked
    ):
        found = exact_name_match(session, workspace=ws, text=name, include_archived=False)
        assert (found is not None) is one, name
        if found is not None:
            # What ranking every candidate picks (resolve_person's rule) is the same person.
            names = name_candidates(session, workspace=ws, text=name, include_archived=False)
            key = " ".join(name.split()).casefold()
            exact = [cid for cid, _f, full in names if full.casefold() == key]
            exact = exact or [cid for cid, first, _full in names if first.casefold() == key]
            assert exact == [found], name


def test_an_exact_name_resolves_in_two_statements_and_a_doubt_still_ranks(
    session: Session, ws: Workspace, people: dict[str, Contact]
) -> None:
    for name, statements in (("Dana Smith", 2), ("Priya", 2), ("Dana", 3), ("Dana Smit", 3)):
        session.expunge_all()
        ws = get_workspace(session, TEAM)
        with count_statements(session) as seen:
            assert resolve_person(session, workspace=ws, name=name)
        # The exact probe (and the chosen contact with its points); with a doubt, the ranked
        # candidates as well.
        assert seen.n == statements, name
